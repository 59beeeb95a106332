package io.muster.server.leader;

import io.muster.proto.raft.ApplyPlan;
import io.muster.proto.raft.Command;
import io.muster.proto.raft.CommandResult;
import io.muster.proto.raft.GroupFailure;
import io.muster.proto.raft.PlannedAlloc;
import io.muster.proto.raft.StoppedAlloc;
import io.muster.scheduler.Placement;
import io.muster.scheduler.PlacementFailure;
import io.muster.scheduler.Plan;
import io.muster.scheduler.Scheduler;
import io.muster.scheduler.SchedulerContext;
import io.muster.scheduler.Stop;
import io.muster.server.Proposer;
import io.muster.server.raft.LeaderServices;
import io.muster.server.state.ClusterState;
import io.muster.server.state.Records.AllocRecord;
import io.muster.server.state.Records.JobRecord;
import io.muster.server.state.Records.NodeRecord;
import io.muster.server.state.StateListener;
import io.muster.types.job.JobSpec;
import io.muster.types.job.JobSpecJson;
import io.muster.types.state.NodeStatus;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Evaluates jobs on the leader, one evaluation at a time: each turns one job's plan into Raft entries and waits
 * for their outcome before the next evaluation starts, so every evaluation sees every earlier plan's placements
 * (and the resources they hold). Nothing is re-planned while a plan is in flight: an evaluation requested
 * meanwhile is coalesced and runs after it. A large plan is committed as several {@code ApplyPlan} entries of at
 * most {@code maxPlacementsPerEntry} placements each, in order, stops in the first. Evaluations are triggered by
 * job changes, node changes (lost, drained, new nodes for system jobs) and allocation failures; delayed
 * reschedules come back at their backoff time.
 */
public final class SchedulerService implements LeaderServices, StateListener, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SchedulerService.class);
    /** Placements per ApplyPlan entry: 100,000 in one entry made a ~7 MB entry and bursty replication and delivery. */
    public static final int DEFAULT_MAX_PLACEMENTS_PER_ENTRY = 10_000;
    /** After a plan entry whose outcome is unknown (the proposal failed), the job is evaluated again after this. */
    static final long RETRY_AFTER_FAILURE_MILLIS = 1_000;
    /** A plan entry still in flight after this is logged (and still waited for). */
    static final long SLOW_COMMIT_WARNING_MILLIS = 60_000;

    /** Submits a command through Raft ({@link Proposer#propose}); the future completes with its outcome. */
    @FunctionalInterface
    interface Submitter {
        CompletableFuture<CommandResult> submit(Command.Builder command);
    }

    /** Runs the scheduler's tasks one at a time, in order, now or after a delay. */
    interface Runner {
        void execute(Runnable task);

        void schedule(Runnable task, long delayMillis);
    }

    /** One job's evaluation whose plan entries are being committed. Confined to the runner. */
    private static final class Evaluation {
        final String jobId;
        final List<ApplyPlan> entries;
        final long nextEval;
        final long generation;
        int next;
        int skipped;

        Evaluation(String jobId, List<ApplyPlan> entries, long nextEval, long generation) {
            this.jobId = jobId;
            this.entries = entries;
            this.nextEval = nextEval;
            this.generation = generation;
        }
    }

    private final ClusterState state;
    private final Submitter submitter;
    private final Clock clock;
    private final Runner runner;
    private final ScheduledExecutorService ownExecutor;
    private final int maxPlacementsPerEntry;
    private final RandomGenerator random = RandomGenerator.getDefault();
    private final JobQueue queue = new JobQueue();
    /** The evaluation in flight, or null; only touched on the runner. */
    private Evaluation current;
    /** Changes whenever leadership starts or stops: an evaluation of an earlier term is not continued. */
    private volatile long generation;
    private volatile boolean leading;
    private volatile long plansCommitted;
    private volatile long placementsCommitted;
    private volatile io.muster.server.metrics.SchedulerMetrics metrics = io.muster.server.metrics.SchedulerMetrics.NONE;

    public SchedulerService(ClusterState state, Proposer proposer, Clock clock) {
        this(state, proposer::propose, clock, null, DEFAULT_MAX_PLACEMENTS_PER_ENTRY);
    }

    /** @param metrics counts evaluations, placements and the time plans take */
    public SchedulerService(ClusterState state, Proposer proposer, Clock clock, io.muster.server.metrics.SchedulerMetrics metrics) {
        this(state, proposer::propose, clock, null, DEFAULT_MAX_PLACEMENTS_PER_ENTRY);
        this.metrics = metrics;
    }

    /**
     * @param runner                where evaluations run (one at a time); null for a thread of its own
     * @param maxPlacementsPerEntry placements per {@code ApplyPlan} entry
     */
    SchedulerService(ClusterState state, Submitter submitter, Clock clock, Runner runner, int maxPlacementsPerEntry) {
        if (maxPlacementsPerEntry < 1) throw new IllegalArgumentException("maxPlacementsPerEntry must be at least 1");
        this.state = state;
        this.submitter = submitter;
        this.clock = clock;
        this.maxPlacementsPerEntry = maxPlacementsPerEntry;
        if (runner == null) {
            ScheduledExecutorService worker = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "scheduler");
                t.setDaemon(true);
                return t;
            });
            this.ownExecutor = worker;
            this.runner = new Runner() {
                @Override
                public void execute(Runnable task) {
                    try {
                        worker.execute(task);
                    } catch (RejectedExecutionException e) {
                        LOG.debug("scheduler closed; task dropped");
                    }
                }

                @Override
                public void schedule(Runnable task, long delayMillis) {
                    try {
                        worker.schedule(task, delayMillis, TimeUnit.MILLISECONDS);
                    } catch (RejectedExecutionException e) {
                        LOG.debug("scheduler closed; delayed task dropped");
                    }
                }
            };
        } else {
            this.ownExecutor = null;
            this.runner = runner;
        }
        state.addListener(this);
    }

    @Override
    public void startLeading(long term) {
        generation++;
        leading = true;
        for (JobRecord j : state.jobs()) enqueue(j.id());
    }

    @Override
    public void stopLeading() {
        leading = false;
        generation++;
        queue.clear();
    }

    /** ApplyPlan entries committed (a plan larger than one entry's worth of placements is several). */
    public long plansCommitted() {
        return plansCommitted;
    }

    public long placementsCommitted() {
        return placementsCommitted;
    }

    void enqueue(String jobId) {
        if (!leading) return;
        if (queue.add(jobId)) runner.execute(this::pump);
    }

    /** Starts the next evaluation unless one is in flight (its completion calls this again). */
    private void pump() {
        while (leading && current == null) {
            String next = queue.poll();
            if (next == null) return;
            try {
                evaluate(next);
            } catch (RuntimeException e) {
                current = null;
                LOG.warn("evaluation of job {} failed: {}", next, e.toString());
            }
        }
    }

    private void evaluate(String jobId) {
        long gen = generation;
        // One snapshot for the whole evaluation: the job and the cluster it is placed on, as of the same index.
        var snapshot = state.snapshot();
        JobRecord job = snapshot.job(jobId).orElse(null);
        if (job == null || job.hasOperation()) return; // operations are placed by the OperationService
        StateClusterView view = new StateClusterView(snapshot);
        metrics.evaluation();
        long started = System.nanoTime();
        Plan plan;
        if (job.stopped()) {
            plan = Scheduler.scheduleStop(jobId, view);
        } else {
            JobSpec spec = JobSpecJson.fromJson(job.specJson().getBytes(StandardCharsets.UTF_8));
            // The job's own timeout counts from its submission (the workers get the same deadline: AllocationView).
            long deadline = spec.timeout() == null ? 0 : job.submittedAt() + spec.timeout().toMillis();
            plan = Scheduler.schedule(spec, view, new SchedulerContext(clock.millis(), random, () -> UUID.randomUUID().toString()), deadline);
        }
        metrics.planned(System.nanoTime() - started);
        if (!plan.failures().isEmpty()) metrics.blocked();
        long nextEval = plan.nextEvaluationAtMillis().orElse(0);
        boolean unchanged = plan.placements().isEmpty() && plan.stops().isEmpty() && nextEval == job.nextEvalAt()
                && plan.failures().size() == job.failures().size() && job.modifyIndex() != 0;
        if (unchanged) return;
        current = new Evaluation(jobId, entries(job, plan, nextEval, clock.millis(), maxPlacementsPerEntry), nextEval, gen);
        submitNext(current);
    }

    /**
     * The plan as ApplyPlan entries of at most {@code max} placements each: stops in the first, and every entry
     * carries the plan's failures and next evaluation time, so the job's record is right after any of them.
     */
    static List<ApplyPlan> entries(JobRecord job, Plan plan, long nextEval, long plannedAt, int max) {
        ApplyPlan.Builder header = ApplyPlan.newBuilder().setJobId(job.id()).setJobVersion(job.version()).setNextEvalUnixMs(nextEval)
                .setPlannedUnixMs(plannedAt);
        for (PlacementFailure f : plan.failures()) {
            header.addFailures(GroupFailure.newBuilder().setGroup(f.group()).setUnplaced(f.unplaced())
                    .setNodesEvaluated(f.metric().nodesEvaluated()).putAllFiltered(f.metric().filtered()));
        }
        List<Placement> placements = plan.placements();
        int count = Math.max(1, (placements.size() + max - 1) / max);
        List<ApplyPlan> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            ApplyPlan.Builder b = header.clone();
            if (i == 0) {
                for (Stop s : plan.stops()) b.addStop(StoppedAlloc.newBuilder().setAllocId(s.allocId()).setReason(s.text()));
            }
            for (Placement p : placements.subList(i * max, Math.min(placements.size(), (i + 1) * max))) b.addPlace(plannedAlloc(p));
            out.add(b.build());
        }
        return out;
    }

    private void submitNext(Evaluation ev) {
        ApplyPlan entry = ev.entries.get(ev.next);
        // Placements an earlier entry skipped leave the job due for evaluation, as one entry would have.
        if (ev.next == ev.entries.size() - 1 && ev.skipped > 0) entry = entry.toBuilder().setNextEvalUnixMs(entry.getPlannedUnixMs()).build();
        int part = ev.next;
        CompletableFuture<CommandResult> f;
        try {
            f = submitter.submit(Command.newBuilder().setApplyPlan(entry));
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        // No timeout: the proposer's retries are bounded (the Raft client's policy, RaftSettings), so this completes or fails,
        // and until it does nothing is planned that could not see it.
        CompletableFuture<CommandResult> outcome = f;
        outcome.whenComplete((r, err) -> runner.execute(() -> committed(ev, r, err)));
        if (!outcome.isDone()) {
            runner.schedule(() -> {
                if (current == ev && ev.next == part && !outcome.isDone())
                    LOG.warn("plan for job {} (entry {} of {}) not committed after {} s; waiting for it before evaluating again",
                            ev.jobId, part + 1, ev.entries.size(), SLOW_COMMIT_WARNING_MILLIS / 1000);
            }, SLOW_COMMIT_WARNING_MILLIS);
        }
    }

    private void committed(Evaluation ev, CommandResult r, Throwable err) {
        if (err != null) {
            // Outcome unknown: the entry may still commit. The applier never fills a slot twice, so re-planning is safe.
            LOG.warn("plan for job {} (entry {} of {}) not committed: {}; evaluating it again in {} ms", ev.jobId, ev.next + 1,
                    ev.entries.size(), err.toString(), RETRY_AFTER_FAILURE_MILLIS);
            finish(ev);
            runner.schedule(() -> enqueue(ev.jobId), RETRY_AFTER_FAILURE_MILLIS);
            pump();
            return;
        }
        if (!r.getOk()) {
            if ("STALE_PLAN".equals(r.getErrorCode())) {
                LOG.debug("plan for job {} is stale ({}); evaluating it again", ev.jobId, r.getError());
                finish(ev);
                enqueue(ev.jobId);
            } else {
                LOG.warn("plan for job {} refused: {}", ev.jobId, r.getError());
                finish(ev);
            }
            pump();
            return;
        }
        int placed = r.getValue().isEmpty() ? 0 : Integer.parseInt(r.getValue());
        plansCommitted++;
        placementsCommitted += placed;
        metrics.placements(placed);
        ev.skipped += ev.entries.get(ev.next).getPlaceCount() - placed;
        ev.next++;
        // Read nothing before this server has applied the entry (on the leader it already has).
        state.awaitApplied(r.getIndex()).whenComplete((v, e) -> runner.execute(() -> applied(ev)));
    }

    private void applied(Evaluation ev) {
        if (ev.generation != generation || !leading) {
            finish(ev); // leadership changed: a new term evaluates every job again
            pump();
            return;
        }
        if (ev.next < ev.entries.size()) {
            submitNext(ev);
            return;
        }
        finish(ev);
        if (ev.skipped > 0) enqueue(ev.jobId); // the nodes changed under the plan: place the rest now
        if (ev.nextEval > 0) runner.schedule(() -> enqueue(ev.jobId), Math.max(0, ev.nextEval - clock.millis()));
        pump();
    }

    private void finish(Evaluation ev) {
        if (current == ev) current = null;
    }

    private static PlannedAlloc plannedAlloc(Placement p) {
        return PlannedAlloc.newBuilder().setAllocId(p.allocId()).setJobId(p.jobId()).setGroup(p.group()).setIndex(p.index())
                .setNodeId(p.nodeId()).setCpu(p.resources().cpu()).setMemoryMb(p.resources().memoryMb())
                .setAttempt(p.rescheduleAttempt()).setPreviousAllocId(p.previousAllocId() == null ? "" : p.previousAllocId()).build();
    }

    // ---- StateListener (apply thread): only enqueue ----

    @Override
    public void jobChanged(String jobId) {
        enqueue(jobId);
    }

    @Override
    public void nodeChanged(NodeRecord before, NodeRecord after) {
        if (!leading || after == null) return;
        boolean schedulingChanged = before == null || before.state() != after.state() || before.eligible() != after.eligible()
                || before.drain() != after.drain();
        if (!schedulingChanged) return;
        for (AllocRecord a : state.allocsOnNode(after.id())) enqueue(a.jobId());
        if (after.state() == NodeStatus.READY && after.schedulable()) {
            // New capacity: system jobs cover it, and jobs waiting for room may now fit.
            for (JobRecord j : state.jobs()) {
                if (!j.stopped() && (j.type().equals("system") || j.type().equals("sysbatch") || !j.failures().isEmpty())) enqueue(j.id());
            }
        }
    }

    @Override
    public void allocChanged(AllocRecord before, AllocRecord after) {
        if (!leading || after == null || before == null) return;
        if (before.status() != after.status() && after.status().isTerminal()) enqueue(after.jobId());
    }

    @Override
    public void close() {
        leading = false;
        if (ownExecutor != null) ownExecutor.shutdownNow();
    }
}
