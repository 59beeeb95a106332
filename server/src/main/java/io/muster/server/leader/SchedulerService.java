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
import io.muster.server.state.AllocStates;
import io.muster.server.state.ClusterState;
import io.muster.server.state.NodeStates;
import io.muster.server.state.Records.AllocRecord;
import io.muster.server.state.Records.JobRecord;
import io.muster.server.state.Records.NodeRecord;
import io.muster.server.state.StateListener;
import io.muster.types.job.JobSpec;
import io.muster.types.job.JobSpecJson;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Evaluates jobs on the leader: one evaluation at a time, each producing one plan committed as one Raft
 * entry, and the next evaluation waits for that commit so it sees its own placements. Evaluations are
 * triggered by job changes, node changes (lost, drained, new nodes for system jobs) and allocation
 * failures; delayed reschedules come back at their backoff time.
 */
public final class SchedulerService implements LeaderServices, StateListener, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SchedulerService.class);

    private final ClusterState state;
    private final Proposer proposer;
    private final Clock clock;
    private final RandomGenerator random = RandomGenerator.getDefault();
    private final Set<String> queue = new LinkedHashSet<>();
    private final ScheduledExecutorService worker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "scheduler");
        t.setDaemon(true);
        return t;
    });
    private volatile boolean leading;
    private volatile long plansCommitted;
    private volatile long placementsCommitted;

    public SchedulerService(ClusterState state, Proposer proposer, Clock clock) {
        this.state = state;
        this.proposer = proposer;
        this.clock = clock;
        state.addListener(this);
    }

    @Override
    public void startLeading(long term) {
        leading = true;
        for (JobRecord j : state.jobs()) enqueue(j.id());
    }

    @Override
    public void stopLeading() {
        leading = false;
        synchronized (queue) {
            queue.clear();
        }
    }

    public long plansCommitted() {
        return plansCommitted;
    }

    public long placementsCommitted() {
        return placementsCommitted;
    }

    void enqueue(String jobId) {
        if (!leading) return;
        boolean added;
        synchronized (queue) {
            added = queue.add(jobId);
        }
        if (added) worker.execute(this::drain);
    }

    private void drain() {
        while (leading) {
            String next;
            synchronized (queue) {
                var it = queue.iterator();
                if (!it.hasNext()) return;
                next = it.next();
                it.remove();
            }
            try {
                evaluate(next);
            } catch (RuntimeException e) {
                LOG.warn("evaluation of job {} failed: {}", next, e.toString());
            }
        }
    }

    private void evaluate(String jobId) {
        JobRecord job = state.job(jobId).orElse(null);
        if (job == null) return;
        StateClusterView view = new StateClusterView(state);
        Plan plan;
        if (job.stopped()) {
            plan = Scheduler.scheduleStop(jobId, view);
        } else {
            JobSpec spec = JobSpecJson.fromJson(job.specJson().getBytes(StandardCharsets.UTF_8));
            plan = Scheduler.schedule(spec, view, new SchedulerContext(clock.millis(), random, () -> UUID.randomUUID().toString()));
        }
        long nextEval = plan.nextEvaluationAtMillis().orElse(0);
        boolean unchanged = plan.placements().isEmpty() && plan.stops().isEmpty() && nextEval == job.nextEvalAt()
                && plan.failures().size() == job.failures().size() && job.modifyIndex() != 0;
        if (unchanged) return;
        ApplyPlan.Builder b = ApplyPlan.newBuilder().setJobId(jobId).setJobVersion(job.version()).setNextEvalUnixMs(nextEval)
                .setPlannedUnixMs(clock.millis());
        for (Placement p : plan.placements()) {
            b.addPlace(PlacedAlloc(p));
        }
        for (Stop s : plan.stops()) b.addStop(StoppedAlloc.newBuilder().setAllocId(s.allocId()).setReason(s.reason().toString()));
        for (PlacementFailure f : plan.failures()) {
            b.addFailures(GroupFailure.newBuilder().setGroup(f.group()).setUnplaced(f.unplaced())
                    .setNodesEvaluated(f.metric().nodesEvaluated()).putAllFiltered(f.metric().filtered()));
        }
        try {
            CommandResult r = proposer.propose(Command.newBuilder().setApplyPlan(b)).get(30, TimeUnit.SECONDS);
            if (r.getOk()) {
                plansCommitted++;
                placementsCommitted += Long.parseLong(r.getValue().isEmpty() ? "0" : r.getValue());
            } else if (!"STALE_PLAN".equals(r.getErrorCode())) {
                LOG.warn("plan for job {} refused: {}", jobId, r.getError());
            }
        } catch (Exception e) {
            LOG.warn("plan for job {} not committed: {}", jobId, e.toString());
            return;
        }
        if (nextEval > 0) worker.schedule(() -> enqueue(jobId), Math.max(0, nextEval - clock.millis()), TimeUnit.MILLISECONDS);
    }

    private static PlannedAlloc PlacedAlloc(Placement p) {
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
        boolean schedulingChanged = before == null || !before.state().equals(after.state()) || before.eligible() != after.eligible()
                || !before.drain().equals(after.drain());
        if (!schedulingChanged) return;
        for (AllocRecord a : state.allocsOnNode(after.id())) enqueue(a.jobId());
        if (NodeStates.READY.equals(after.state()) && after.schedulable()) {
            // New capacity: system jobs cover it, and jobs waiting for room may now fit.
            for (JobRecord j : state.jobs()) {
                if (!j.stopped() && (j.type().equals("system") || j.type().equals("sysbatch") || !j.failures().isEmpty())) enqueue(j.id());
            }
        }
    }

    @Override
    public void allocChanged(AllocRecord before, AllocRecord after) {
        if (!leading || after == null || before == null) return;
        if (!before.status().equals(after.status()) && AllocStates.isTerminal(after.status())) enqueue(after.jobId());
    }

    @Override
    public void close() {
        leading = false;
        worker.shutdownNow();
    }
}
