package io.muster.server.leader;

import io.muster.proto.raft.AdvanceOperation;
import io.muster.proto.raft.Command;
import io.muster.proto.raft.CommandResult;
import io.muster.proto.raft.PlannedAlloc;
import io.muster.proto.raft.StoppedAlloc;
import io.muster.scheduler.OperationPlanner;
import io.muster.server.Proposer;
import io.muster.server.raft.LeaderServices;
import io.muster.server.state.ClusterSnapshot;
import io.muster.server.state.ClusterState;
import io.muster.server.state.OperationReads;
import io.muster.server.state.Records.AllocRecord;
import io.muster.server.state.Records.JobRecord;
import io.muster.server.state.Records.NodeRecord;
import io.muster.server.state.StateListener;
import io.muster.types.config.ServerConfig;
import io.muster.types.state.AllocStatus;
import io.muster.types.state.OperationStatus;
import java.time.Clock;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs operation jobs on the leader: starts queued ones while fewer than {@code max_concurrent} run, and turns
 * {@link OperationPlanner}'s decisions (task attempts to start, tasks to stop, the end) into {@link AdvanceOperation}
 * entries. It keeps nothing that a new leader needs: every decision is in the log, and the next leader recomputes
 * where each operation is from the state. Attempt ids are deterministic, so a decision proposed twice (a retried
 * proposal, two leaders in a row) starts nothing twice. One decision is in flight at a time, and a job is decided
 * again only once its previous decision has been applied here.
 *
 * <p>The one thing kept in memory is when each failed attempt was first seen ended: a retry's backoff counts from
 * there on the leader's clock. A new leader starts those backoffs afresh, so a retry may wait up to one backoff longer.
 */
public final class OperationService implements LeaderServices, StateListener, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(OperationService.class);
    /** Task attempts per entry: a 10,000-node step is one entry; more are placed by the next decision. */
    static final int MAX_PLACEMENTS_PER_ENTRY = 10_000;
    static final long RETRY_AFTER_FAILURE_MILLIS = 1_000;

    /** Submits a command through Raft; the future completes with its outcome. */
    @FunctionalInterface
    public interface Submitter {
        CompletableFuture<CommandResult> submit(Command.Builder command);
    }

    private final ClusterState state;
    private final Submitter submitter;
    private final Clock clock;
    private final ServerConfig.Operations limits;
    private final OperationReads reads;
    private final ScheduledExecutorService executor;
    private final JobQueue queue = new JobQueue();
    private final Map<String, Long> failedSeen = new ConcurrentHashMap<>();
    /** The earliest wake-up timer set per job (executor thread only). */
    private final Map<String, Long> wakes = new java.util.HashMap<>();
    /** The job whose decision is in flight, or null; only touched on the executor. */
    private String inFlight;
    private volatile boolean leading;
    private volatile long generation;
    private volatile long decisions;
    private volatile long placed;

    public OperationService(ClusterState state, Proposer proposer, Clock clock, ServerConfig.Operations limits, OperationReads reads) {
        this(state, (Submitter) proposer::propose, clock, limits, reads);
    }

    OperationService(ClusterState state, Submitter submitter, Clock clock, ServerConfig.Operations limits, OperationReads reads) {
        this.state = state;
        this.submitter = submitter;
        this.clock = clock;
        this.limits = limits;
        this.reads = reads;
        this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "operations");
            t.setDaemon(true);
            return t;
        });
        state.addListener(this);
    }

    /** Decisions committed so far on this server (as leader). */
    public long decisions() {
        return decisions;
    }

    /** Task attempts placed so far on this server (as leader). */
    public long placed() {
        return placed;
    }

    @Override
    public void startLeading(long term) {
        generation++;
        failedSeen.clear();
        run(wakes::clear);
        leading = true;
        for (JobRecord j : state.snapshot().jobs()) if (j.hasOperation() && !j.operation().status().isTerminal()) enqueue(j.id());
    }

    @Override
    public void stopLeading() {
        leading = false;
        generation++;
        queue.clear();
    }

    void enqueue(String jobId) {
        if (!leading) return;
        if (queue.add(jobId)) run(this::pump);
    }

    private void run(Runnable task) {
        try {
            executor.execute(task);
        } catch (RejectedExecutionException e) {
            LOG.debug("operation service closed; task dropped");
        }
    }

    private void later(Runnable task, long delayMillis) {
        try {
            executor.schedule(task, Math.max(0, delayMillis), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            LOG.debug("operation service closed; delayed task dropped");
        }
    }

    private void pump() {
        while (leading && inFlight == null) {
            String next = queue.poll();
            if (next == null) return;
            try {
                decide(next);
            } catch (RuntimeException e) {
                inFlight = null;
                LOG.warn("deciding operation {} failed: {}", next, e.toString());
            }
        }
    }

    private void decide(String jobId) {
        ClusterSnapshot snap = state.snapshot();
        JobRecord j = snap.job(jobId).orElse(null);
        if (j == null || !j.hasOperation()) return;
        if (j.operation().status().isTerminal()) {
            failedSeen.keySet().removeIf(id -> id.startsWith(jobId + ".v"));
            startQueued(snap);
            return;
        }
        long now = clock.millis();
        boolean start = false;
        if (j.operation().status() == OperationStatus.QUEUED) {
            if (!admissible(snap, j)) return; // an ending operation enqueues the queued ones again
            start = true;
        }
        OperationPlanner.Progress p = OperationPlanner.plan(reads.input(snap, j, now, a -> seen(a, now)));
        AdvanceOperation.Builder b = AdvanceOperation.newBuilder().setJobId(j.id()).setJobVersion(j.version()).setDecidedUnixMs(now)
                .setStep(p.step());
        if (start) b.setStatus(OperationStatus.RUNNING.wire());
        List<OperationPlanner.Placement> places = p.placements();
        if (places.size() > MAX_PLACEMENTS_PER_ENTRY) places = places.subList(0, MAX_PLACEMENTS_PER_ENTRY);
        for (OperationPlanner.Placement pl : places) {
            b.addPlace(PlannedAlloc.newBuilder().setAllocId(OperationPlanner.allocId(j.id(), j.version(), pl.taskKey(), pl.nodeId(), pl.attempt()))
                    .setJobId(j.id()).setGroup(pl.taskKey()).setNodeId(pl.nodeId()).setAttempt(pl.attempt()));
        }
        String stopReason = p.outcome() != null && p.reason() != null && p.reason().startsWith("timed out") ? "operation " + p.reason()
                : "fail-fast: another node failed this step";
        for (String id : p.stops()) b.addStop(StoppedAlloc.newBuilder().setAllocId(id).setReason(stopReason));
        if (p.outcome() != null) {
            b.setStatus(p.outcome() == OperationPlanner.Outcome.COMPLETE ? OperationStatus.COMPLETE.wire() : OperationStatus.FAILED.wire());
            if (p.reason() != null) b.setReason(p.reason());
        }
        if (p.wakeAt() > 0) wakeAt(jobId, p.wakeAt(), now);
        boolean nothing = !start && p.outcome() == null && b.getPlaceCount() == 0 && b.getStopCount() == 0 && p.step() == j.operation().step();
        if (nothing) return;
        inFlight = jobId;
        long gen = generation;
        CompletableFuture<CommandResult> f;
        try {
            f = submitter.submit(Command.newBuilder().setAdvanceOperation(b));
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        int placing = b.getPlaceCount();
        f.whenComplete((r, err) -> run(() -> committed(jobId, gen, placing, r, err)));
    }

    private void committed(String jobId, long gen, int placing, CommandResult r, Throwable err) {
        if (err != null || !r.getOk()) {
            // Outcome unknown or refused (a cancel, a stale view): decide again from the state as it is.
            LOG.info("decision for operation {} not committed: {}; deciding again", jobId, err != null ? err.toString() : r.getError());
            inFlight = null;
            later(() -> enqueue(jobId), err != null ? RETRY_AFTER_FAILURE_MILLIS : 0);
            pump();
            return;
        }
        decisions++;
        placed += placing;
        state.awaitApplied(r.getIndex()).whenComplete((v, e) -> run(() -> {
            inFlight = null;
            if (gen == generation) enqueue(jobId);
            pump();
        }));
    }

    /**
     * Looks at the job again at {@code at} (a retry's backoff, the job's deadline). One timer per job and time: every
     * decision of a 10,000-node step would otherwise leave its own timer for the same deadline.
     */
    private void wakeAt(String jobId, long at, long now) {
        Long pending = wakes.get(jobId);
        if (pending != null && pending <= at) return;
        wakes.put(jobId, at);
        long gen = generation;
        later(() -> {
            wakes.remove(jobId, at);
            if (gen == generation) enqueue(jobId);
        }, at - now);
    }

    /** Starts queued operations, oldest first, while places are free. */
    private void startQueued(ClusterSnapshot snap) {
        for (JobRecord q : queued(snap)) enqueue(q.id());
    }

    /** Whether {@code j} (queued) is among the oldest queued ones that fit in the free places. */
    private boolean admissible(ClusterSnapshot snap, JobRecord j) {
        long running = snap.jobs().stream().filter(x -> x.hasOperation() && x.operation().status() == OperationStatus.RUNNING).count();
        long free = limits.maxConcurrent() - running;
        if (free <= 0) return false;
        List<JobRecord> queued = queued(snap);
        for (int i = 0; i < queued.size() && i < free; i++) if (queued.get(i).id().equals(j.id())) return true;
        return false;
    }

    private static List<JobRecord> queued(ClusterSnapshot snap) {
        return snap.jobs().stream().filter(x -> x.hasOperation() && x.operation().status() == OperationStatus.QUEUED)
                .sorted(Comparator.comparingLong((JobRecord x) -> x.operation().queuedAt()).thenComparing(JobRecord::id)).toList();
    }

    private long seen(AllocRecord a, long now) {
        if (a.status() == AllocStatus.COMPLETE) return 0;
        return failedSeen.computeIfAbsent(a.id(), k -> now);
    }

    // ---- StateListener (apply thread): only enqueue ----

    @Override
    public void jobChanged(String jobId) {
        if (!leading) return;
        state.snapshot().job(jobId).filter(JobRecord::hasOperation).ifPresent(j -> enqueue(jobId));
    }

    @Override
    public void allocChanged(AllocRecord before, AllocRecord after) {
        if (!leading || after == null || before == null || before.status() == after.status()) return;
        if (!after.status().isTerminal()) return;
        state.snapshot().job(after.jobId()).filter(JobRecord::hasOperation).ifPresent(j -> enqueue(j.id()));
    }

    @Override
    public void nodeChanged(NodeRecord before, NodeRecord after) {
        if (!leading || after == null || (before != null && before.state() == after.state())) return;
        for (JobRecord j : state.snapshot().jobs()) {
            if (j.hasOperation() && j.operation().status() == OperationStatus.RUNNING && j.operation().nodes().contains(after.id())) enqueue(j.id());
        }
    }

    @Override
    public void close() {
        leading = false;
        executor.shutdownNow();
    }
}
