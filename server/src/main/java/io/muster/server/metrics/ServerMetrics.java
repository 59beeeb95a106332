package io.muster.server.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.muster.server.raft.RaftStatus;
import io.muster.server.state.AllocCounts;
import io.muster.server.state.ClusterSnapshot;
import io.muster.server.state.Records.JobRecord;
import io.muster.server.state.Records.NodeRecord;
import io.muster.server.state.Snapshots;
import io.muster.types.state.AllocStatus;
import io.muster.types.state.JobStatus;
import io.muster.types.state.NodeStatus;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;
import java.util.function.DoubleSupplier;
import java.util.function.IntSupplier;

/**
 * THE place every Muster meter is registered (one Prometheus registry per server, never the global one: tests run
 * several servers in one JVM). Built by the composition root, handed to the layers as {@link WorkerMetrics},
 * {@link SchedulerMetrics}, {@link RaftMetrics} and {@link ApiMetrics}; gauges read Raft and the newest state
 * snapshot at scrape time. Names follow the Prometheus conventions (README, "Metrics"): {@code muster_*_total}
 * counters, {@code *_seconds} timers.
 */
public final class ServerMetrics implements WorkerMetrics, SchedulerMetrics, RaftMetrics, ApiMetrics, AutoCloseable {
    /** Histogram buckets of the timers: 1 ms to 5 minutes (blocking API queries wait up to minutes). */
    private static final Duration[] BUCKETS = {ms(1), ms(5), ms(10), ms(25), ms(50), ms(100), ms(250), ms(500), ms(1000), ms(2500),
            ms(5000), ms(10_000), ms(30_000), ms(60_000), ms(300_000)};

    /** Buckets of the fast paths (a Raft commit, a heartbeat's answer): 0.5 ms to 30 s. */
    private static final Duration[] FAST_BUCKETS = {Duration.ofNanos(500_000), ms(1), Duration.ofNanos(2_500_000), ms(5), ms(10), ms(25), ms(50),
            ms(100), ms(250), ms(500), ms(1000), ms(2500), ms(5000), ms(10_000), ms(30_000)};

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gc = new JvmGcMetrics();

    // Raft
    private final Counter leaderChanges;
    private final Timer snapshotDuration;
    private final AtomicLong snapshotBytes = new AtomicLong();
    private final Timer commitDuration;
    // Worker tier: pre-registered, the hot paths only increment
    private final Counter heartbeats;
    private final Counter polls;
    private final Counter registrationsAccepted;
    private final Counter registrationsRefused;
    private final Timer registrationDuration;
    private final Counter leaseExpiries;
    private final Timer heartbeatDuration;
    private final Counter[] pollAnswers = new Counter[WorkerMetrics.PollAnswer.values().length];
    private final Counter failoverWindows;
    private final Counter failoverLeasesArmed;
    private final Counter failoverExpiries;
    // Scheduler
    private final Counter evaluations;
    private final Counter placements;
    private final Timer planDuration;
    private final Counter blockedEvaluations;
    // API: one counter per (method, route, status), one timer per (method, route); made on first use
    private final Map<String, Counter> apiRequests = new ConcurrentHashMap<>();
    private final Map<String, Timer> apiDurations = new ConcurrentHashMap<>();
    /** The state-derived counts of the newest snapshot, computed at most once per applied index. */
    private volatile StateCounts counts = new StateCounts(-1, new int[NodeStatus.values().length], new int[JobStatus.values().length],
            new long[AllocStatus.values().length], 0, 0);

    public ServerMetrics() {
        MeterRegistry r = registry;
        leaderChanges = Counter.builder("muster.raft.leader.changes").description("Leader changes this server has seen").register(r);
        snapshotDuration = timer("muster.raft.snapshot.duration", "Time to write a state snapshot").register(r);
        Gauge.builder("muster.raft.snapshot.size", snapshotBytes, AtomicLong::get).baseUnit("bytes")
                .description("Size of the last state snapshot this server wrote").register(r);
        commitDuration = Timer.builder("muster.raft.commit.duration").serviceLevelObjectives(FAST_BUCKETS)
                .description("On the leader: time from an entry's proposal reaching the leader to its commit (as the state machine receives it)").register(r);
        heartbeats = Counter.builder("muster.worker.heartbeats").description("Heartbeats received from workers on this server").register(r);
        polls = Counter.builder("muster.worker.polls").description("Long polls received from workers on this server").register(r);
        registrationsAccepted = Counter.builder("muster.worker.registrations").tag("result", "accepted")
                .description("Worker registrations answered on this server").register(r);
        registrationsRefused = Counter.builder("muster.worker.registrations").tag("result", "refused")
                .description("Worker registrations answered on this server").register(r);
        registrationDuration = timer("muster.worker.registration.duration", "Time to answer a worker registration (token, CSR, Raft commit)").register(r);
        leaseExpiries = Counter.builder("muster.worker.lease.expiries").description("Worker leases that expired on the leader (node marked down)").register(r);
        heartbeatDuration = Timer.builder("muster.worker.heartbeat.duration").serviceLevelObjectives(FAST_BUCKETS)
                .description("Time to answer a worker heartbeat received here (lease renewed and any status change committed, through the leader)").register(r);
        for (WorkerMetrics.PollAnswer a : WorkerMetrics.PollAnswer.values())
            pollAnswers[a.ordinal()] = Counter.builder("muster.worker.poll.answers").tag("kind", a.label())
                    .description("Long polls answered on this server: events, a full snapshot, or empty after the wait").register(r);
        failoverWindows = Counter.builder("muster.worker.failover.windows")
                .description("Times this server became leader and gave every live node the failover TTL").register(r);
        failoverLeasesArmed = Counter.builder("muster.worker.failover.leases.armed")
                .description("Leases armed with the failover TTL when this server became leader").register(r);
        failoverExpiries = Counter.builder("muster.worker.failover.expiries")
                .description("Leases that expired still on the failover TTL (the node never heartbeated to this leader)").register(r);
        evaluations = Counter.builder("muster.scheduler.evaluations").description("Job evaluations run by the leader's scheduler").register(r);
        placements = Counter.builder("muster.scheduler.placements").description("Allocations placed (committed plans)").register(r);
        planDuration = timer("muster.scheduler.plan.duration", "Time to compute one job's plan").register(r);
        blockedEvaluations = Counter.builder("muster.scheduler.evaluations.blocked")
                .description("Evaluations whose plan left allocations unplaced for lack of a fitting node").register(r);
        new JvmMemoryMetrics().bindTo(r);
        gc.bindTo(r);
        new JvmThreadMetrics().bindTo(r);
        new ClassLoaderMetrics().bindTo(r);
        new ProcessorMetrics().bindTo(r);
        new UptimeMetrics().bindTo(r);
    }

    private static Duration ms(long n) {
        return Duration.ofMillis(n);
    }

    private static Timer.Builder timer(String name, String description) {
        return Timer.builder(name).description(description).serviceLevelObjectives(BUCKETS);
    }

    /** Raft's term and indexes, and whether this server leads: read at scrape time (NaN while the group is not running). */
    public void bindRaft(RaftStatus raft, Snapshots snapshots) {
        gauge("muster.raft.term", "Current Raft term", () -> raft.term());
        gauge("muster.raft.commit.index", "Raft commit index known to this server", () -> raft.commitIndex());
        gauge("muster.raft.applied.index", "Raft index applied to this server's state", snapshots::appliedIndex);
        gauge("muster.raft.apply.lag", "Committed entries not yet applied here (commit index - applied index)",
                () -> Math.max(0, raft.commitIndex() - snapshots.appliedIndex()));
        gauge("muster.raft.is.leader", "1 if this server is the Raft leader, else 0", () -> raft.isLeader() ? 1 : 0);
    }

    /** On the leader, the leases still on the failover TTL (armed at election, not yet renewed by a heartbeat); 0 elsewhere. */
    public void bindFailoverLeases(IntSupplier onFailoverTtl) {
        gauge("muster.worker.failover.leases", "Leases still on the failover TTL on this leader (no heartbeat since the election)", onFailoverTtl::getAsInt);
    }

    /** The worker endpoint's open connections on this server: control streams and waiting long polls. */
    public void bindWorkerEndpoint(IntSupplier connectedWorkers, IntSupplier pollWaiters) {
        gauge("muster.worker.connected", "Workers with an open control stream to this server", connectedWorkers::getAsInt);
        gauge("muster.worker.poll.waiters", "Long polls waiting on this server", pollWaiters::getAsInt);
    }

    /**
     * Nodes, jobs and allocations by state, from the newest snapshot: nodes are counted (O(nodes)), jobs classified
     * by {@code jobStatus} and allocations summed from the per-job counts the state keeps (O(jobs), never a scan of
     * the allocations), once per applied index however many gauges read them.
     */
    public void bindState(Snapshots snapshots, BiFunction<ClusterSnapshot, JobRecord, JobStatus> jobStatus) {
        for (NodeStatus s : NodeStatus.values())
            Gauge.builder("muster.nodes", () -> counts(snapshots, jobStatus).nodes[s.ordinal()]).tag("state", s.wire())
                    .description("Worker nodes by state (replicated state)").register(registry);
        gauge("muster.nodes.live", "Worker nodes neither down nor revoked", () -> snapshots.snapshot().liveNodeCount());
        for (JobStatus s : JobStatus.values())
            Gauge.builder("muster.jobs", () -> counts(snapshots, jobStatus).jobs[s.ordinal()]).tag("status", s.wire())
                    .description("Jobs by status (replicated state)").register(registry);
        for (AllocStatus s : AllocStatus.values())
            Gauge.builder("muster.allocations", () -> counts(snapshots, jobStatus).allocs[s.ordinal()]).tag("status", s.wire())
                    .description("Allocations by client status (replicated state)").register(registry);
        gauge("muster.scheduler.blocked.evaluations", "Jobs waiting for capacity: their last plan left allocations unplaced (replicated state)",
                () -> counts(snapshots, jobStatus).blockedJobs());
        gauge("muster.scheduler.unplaced.allocations", "Allocations the last plans could not place, summed over the jobs waiting for capacity",
                () -> counts(snapshots, jobStatus).unplaced());
    }

    private void gauge(String name, String description, DoubleSupplier value) {
        Gauge.builder(name, () -> {
            try {
                return value.getAsDouble();
            } catch (RuntimeException e) {
                return Double.NaN; // e.g. the Raft group is not running (yet, or any more)
            }
        }).description(description).register(registry);
    }

    private record StateCounts(long index, int[] nodes, int[] jobs, long[] allocs, int blockedJobs, long unplaced) {}

    private StateCounts counts(Snapshots snapshots, BiFunction<ClusterSnapshot, JobRecord, JobStatus> jobStatus) {
        ClusterSnapshot snap = snapshots.snapshot();
        StateCounts c = counts;
        if (c.index() == snap.index()) return c;
        int[] nodes = new int[NodeStatus.values().length];
        for (NodeRecord n : snap.nodes()) nodes[n.state().ordinal()]++;
        int[] jobs = new int[JobStatus.values().length];
        long[] allocs = new long[AllocStatus.values().length];
        int blocked = 0;
        long unplaced = 0;
        for (JobRecord j : snap.jobs()) {
            jobs[jobStatus.apply(snap, j).ordinal()]++;
            if (!j.stopped() && j.failures() != null && !j.failures().isEmpty()) {
                blocked++;
                for (var f : j.failures()) unplaced += f.unplaced();
            }
            AllocCounts a = snap.allocCounts(j.id());
            allocs[AllocStatus.PENDING.ordinal()] += a.pending();
            allocs[AllocStatus.RUNNING.ordinal()] += a.running();
            allocs[AllocStatus.COMPLETE.ordinal()] += a.complete();
            allocs[AllocStatus.FAILED.ordinal()] += a.failed();
            allocs[AllocStatus.LOST.ordinal()] += a.lost();
            allocs[AllocStatus.STOPPED.ordinal()] += a.stopped();
        }
        c = new StateCounts(snap.index(), nodes, jobs, allocs, blocked, unplaced);
        counts = c;
        return c;
    }

    /** Every meter in the Prometheus text format (version 0.0.4). */
    public String scrape() {
        return registry.scrape();
    }

    /** The registry itself (tests, or a binder of one's own). */
    public MeterRegistry registry() {
        return registry;
    }

    // ---- RaftMetrics ----

    @Override
    public void leaderChanged() {
        leaderChanges.increment();
    }

    @Override
    public void snapshotTaken(long nanos, long bytes) {
        snapshotDuration.record(nanos, TimeUnit.NANOSECONDS);
        snapshotBytes.set(bytes);
    }

    @Override
    public void committed(long nanos) {
        commitDuration.record(nanos, TimeUnit.NANOSECONDS);
    }

    // ---- WorkerMetrics ----

    @Override
    public void heartbeat() {
        heartbeats.increment();
    }

    @Override
    public void poll() {
        polls.increment();
    }

    @Override
    public void registration(boolean accepted, long nanos) {
        (accepted ? registrationsAccepted : registrationsRefused).increment();
        registrationDuration.record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void leaseExpired() {
        leaseExpiries.increment();
    }

    @Override
    public void heartbeatAnswered(long nanos) {
        heartbeatDuration.record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void pollAnswered(PollAnswer kind) {
        pollAnswers[kind.ordinal()].increment();
    }

    @Override
    public void failoverWindow(int leases) {
        failoverWindows.increment();
        failoverLeasesArmed.increment(leases);
    }

    @Override
    public void failoverLeaseExpired() {
        failoverExpiries.increment();
    }

    // ---- SchedulerMetrics ----

    @Override
    public void evaluation() {
        evaluations.increment();
    }

    @Override
    public void planned(long nanos) {
        planDuration.record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void placements(int count) {
        if (count > 0) placements.increment(count);
    }

    @Override
    public void blocked() {
        blockedEvaluations.increment();
    }

    // ---- ApiMetrics ----

    @Override
    public void request(String method, String route, int status, long nanos) {
        String key = method + ' ' + route;
        apiRequests.computeIfAbsent(key + ' ' + status, k -> Counter.builder("muster.api.requests")
                .tags(Tags.of("method", method, "route", route, "status", Integer.toString(status)))
                .description("REST API requests answered by this server, by route template and status").register(registry)).increment();
        apiDurations.computeIfAbsent(key, k -> timer("muster.api.request.duration", "Time to answer a REST API request, by route template")
                .tags(Tags.of("method", method, "route", route)).register(registry)).record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void close() {
        gc.close();
        registry.close();
    }
}
