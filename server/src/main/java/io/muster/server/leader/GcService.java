package io.muster.server.leader;

import io.muster.proto.raft.CollectGarbage;
import io.muster.proto.raft.Command;
import io.muster.proto.raft.CommandResult;
import io.muster.scheduler.Plan;
import io.muster.scheduler.Scheduler;
import io.muster.scheduler.SchedulerContext;
import io.muster.server.Proposer;
import io.muster.server.raft.LeaderServices;
import io.muster.server.state.ClusterState;
import io.muster.server.state.GcApplier;
import io.muster.server.state.GcApplier.Counts;
import io.muster.server.state.Records.AllocRecord;
import io.muster.server.state.Records.JobRecord;
import io.muster.server.state.Records.JoinTokenRecord;
import io.muster.server.state.Records.NodeRecord;
import io.muster.server.state.StateListener;
import io.muster.types.config.ServerConfig;
import io.muster.types.job.JobSpecJson;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Garbage collection, Nomad's core scheduler in small: on the leader, every {@code gc.interval}, reads the state,
 * decides with the leader's clock what has been finished long enough ({@link GcApplier.Check} holds the rules, the
 * same the applier re-checks), and proposes {@code CollectGarbage} entries of at most {@link #MAX_IDS_PER_ENTRY}
 * ids, one after the other (allocations, then jobs, then nodes, then tokens: a node goes only once its allocations
 * have). {@link #collectNow()} ({@code muster system gc}) does the same with every threshold at zero.
 *
 * <p>Time. Job and allocation records carry no "finished at" time the applier could trust, only Raft indexes, so
 * thresholds become index cutoffs through a {@link TimeTable} (Nomad's time table): every server notes, as it
 * applies entries, which index it had reached at what time on its own clock. "Finished more than job_after ago"
 * means "last modified at or below the newest index witnessed at or before now - job_after". The table lives in
 * memory on every server (followers too, so a new leader has one); after a restart it starts empty, which only
 * delays collection. Nodes use their replicated {@code stateChangedAt} and tokens their expiry; when a token was
 * revoked or used up is not recorded, so it counts from when this server first saw it so.
 *
 * <p>Runs are serialized: a run starts when the previous one has finished committing its entries.
 */
public final class GcService implements LeaderServices, StateListener, AutoCloseable, GarbageCollection {
    private static final Logger LOG = LoggerFactory.getLogger(GcService.class);
    /** Ids per CollectGarbage entry; a job counts with its allocations, which go with it. */
    public static final int MAX_IDS_PER_ENTRY = 10_000;

    /** Submits a command through Raft ({@link Proposer#propose}); the future completes with its outcome. */
    @FunctionalInterface
    public interface Submitter {
        CompletableFuture<CommandResult> submit(Command.Builder command);
    }

    /** Thresholds in milliseconds. */
    public record Thresholds(long jobAfterMs, long allocAfterMs, long nodeAfterMs, long tokenAfterMs) {
        public static final Thresholds ZERO = new Thresholds(0, 0, 0, 0);

        public static Thresholds of(ServerConfig.Gc g) {
            return new Thresholds(g.jobAfterSecs() * 1000, g.allocAfterSecs() * 1000, g.nodeAfterSecs() * 1000, g.tokenAfterSecs() * 1000);
        }
    }

    /** What a run removed, over all its entries. */
    public record Outcome(int jobs, int allocs, int nodes, int tokens, int skipped, int entries) {
        public static final Outcome NONE = new Outcome(0, 0, 0, 0, 0, 0);

        static Outcome of(Counts c, int entries) {
            return new Outcome(c.jobs(), c.allocs(), c.nodes(), c.tokens(), c.skipped(), entries);
        }

        /** The JSON the API answers. */
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("jobs", jobs);
            m.put("allocations", allocs);
            m.put("nodes", nodes);
            m.put("tokens", tokens);
            m.put("skipped", skipped);
            m.put("entries", entries);
            return m;
        }
    }

    private final ClusterState state;
    private final Submitter submitter;
    private final Clock clock;
    private final ServerConfig.Gc config;
    private final ScheduledExecutorService executor;
    private final TimeTable table = new TimeTable();
    /** Revoked or used-up join tokens: when this server first saw them so (leader clock). */
    private final Map<String, Long> tokenEndSeen = new ConcurrentHashMap<>();
    private final RandomGenerator random = RandomGenerator.getDefault();
    private CompletableFuture<?> tail = CompletableFuture.completedFuture(null);
    private volatile ScheduledFuture<?> tick;
    private volatile boolean leading;
    private volatile long runs;
    private final java.util.concurrent.atomic.AtomicBoolean periodicInFlight = new java.util.concurrent.atomic.AtomicBoolean();

    public GcService(ClusterState state, Submitter submitter, Clock clock, ServerConfig.Gc config) {
        this.state = state;
        this.submitter = submitter;
        this.clock = clock;
        this.config = config;
        this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "gc");
            t.setDaemon(true);
            return t;
        });
        state.addListener(this);
    }

    @Override
    public void startLeading(long term) {
        leading = true;
        ScheduledFuture<?> old = tick;
        if (old != null) old.cancel(false);
        tick = executor.scheduleWithFixedDelay(this::periodic, config.intervalSecs(), config.intervalSecs(), TimeUnit.SECONDS);
    }

    @Override
    public void stopLeading() {
        leading = false;
        ScheduledFuture<?> t = tick;
        if (t != null) t.cancel(false);
        tick = null;
    }

    public boolean leading() {
        return leading;
    }

    /** Runs completed since start. */
    public long runs() {
        return runs;
    }

    private void periodic() {
        // Never blocks this thread (the run itself is queued on it); a run still committing skips this tick.
        if (!leading || !periodicInFlight.compareAndSet(false, true)) return;
        runOnce().whenComplete((o, e) -> {
            periodicInFlight.set(false);
            if (e != null) LOG.warn("garbage collection failed (next try in {} s): {}", config.intervalSecs(), e.toString());
        });
    }

    /** One collection with the configured thresholds (what the periodic tick runs; tests call it directly). */
    public CompletableFuture<Outcome> runOnce() {
        return collect(Thresholds.of(config), "periodic");
    }

    /** {@code muster system gc}: everything finished, whatever its age. */
    public CompletableFuture<Outcome> collectNow() {
        return collect(Thresholds.ZERO, "system gc");
    }

    /** A collection with these thresholds, after the runs already queued. */
    public synchronized CompletableFuture<Outcome> collect(Thresholds t, String reason) {
        CompletableFuture<Outcome> next = tail.handle((v, e) -> null).thenComposeAsync(v -> run(t, reason), executor);
        tail = next;
        return next;
    }

    /** {@code job stop --purge}: removes the job and every allocation of it now (see {@link GcApplier}). */
    public static Command.Builder purgeCommand(String jobId, long nowMs) {
        return Command.newBuilder().setCollectGarbage(CollectGarbage.newBuilder().addPurgeJobIds(jobId).setNowUnixMs(nowMs).setReason("purge"));
    }

    private CompletableFuture<Outcome> run(Thresholds t, String reason) {
        long applied = state.appliedIndex(); // read before the clock: every entry up to it was applied by `now`
        long now = clock.millis();
        table.witness(applied, now);
        Thresholds configured = Thresholds.of(config);
        table.prune(now - Math.max(configured.jobAfterMs(), configured.allocAfterMs()) - TimeTable.GRANULARITY_MS);
        List<CollectGarbage> entries = plan(t, now, reason);
        if (entries.isEmpty()) {
            runs++;
            return CompletableFuture.completedFuture(Outcome.NONE);
        }
        return submit(entries, 0, Counts.NONE).thenApply(c -> {
            runs++;
            Outcome o = Outcome.of(c, entries.size());
            LOG.info("garbage collection ({}): {} job(s), {} allocation(s), {} node(s), {} token(s) removed in {} entr{}{}", reason,
                    o.jobs(), o.allocs(), o.nodes(), o.tokens(), o.entries(), o.entries() == 1 ? "y" : "ies",
                    o.skipped() > 0 ? " (" + o.skipped() + " no longer collectable)" : "");
            return o;
        });
    }

    private CompletableFuture<Counts> submit(List<CollectGarbage> entries, int i, Counts sum) {
        CompletableFuture<CommandResult> f;
        try {
            f = submitter.submit(Command.newBuilder().setCollectGarbage(entries.get(i)));
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        return f.thenCompose(r -> {
            if (!r.getOk()) throw new IllegalStateException("CollectGarbage refused: " + r.getError());
            Counts total = sum.plus(Counts.parse(r.getValue()));
            return i + 1 < entries.size() ? submit(entries, i + 1, total) : CompletableFuture.completedFuture(total);
        });
    }

    /** The entries of one run, in the order they must apply. Reads the state as it is now; the applier re-checks. */
    List<CollectGarbage> plan(Thresholds t, long now, String reason) {
        long jobCutoff = table.indexAtOrBefore(now - t.jobAfterMs());
        long allocCutoff = table.indexAtOrBefore(now - t.allocAfterMs());
        GcApplier.Check check = new GcApplier.Check(state);
        Set<String> going = new HashSet<>();
        List<String> jobIds = new ArrayList<>();
        List<Integer> jobWeights = new ArrayList<>();
        StateClusterView view = null;
        for (JobRecord j : state.jobs()) {
            if (!check.job(j, jobCutoff)) continue;
            if (!j.stopped()) {
                if (view == null) view = new StateClusterView(state);
                if (!nothingLeftToRun(j, view, now)) continue;
            }
            List<AllocRecord> allocs = state.allocsOfJob(j.id());
            jobIds.add(j.id());
            jobWeights.add(1 + allocs.size());
            for (AllocRecord a : allocs) going.add(a.id());
        }
        List<String> allocIds = new ArrayList<>();
        // Every allocation sits on a node (a node goes only without allocations), so this pass sees them all,
        // those of jobs that no longer exist included.
        for (NodeRecord n : state.nodes()) {
            for (AllocRecord a : state.allocsOnNode(n.id())) {
                if (!going.contains(a.id()) && check.alloc(a, allocCutoff)) {
                    allocIds.add(a.id());
                    going.add(a.id());
                }
            }
        }
        List<Long> nodeIds = new ArrayList<>();
        for (NodeRecord n : state.nodes()) if (check.node(n, now, t.nodeAfterMs(), going)) nodeIds.add(n.id());
        List<String> tokenIds = new ArrayList<>();
        Set<String> present = new HashSet<>();
        for (JoinTokenRecord tk : state.joinTokens()) {
            present.add(tk.id());
            boolean collect = now - t.tokenAfterMs() >= tk.expiresAt();
            if (!collect && (tk.revoked() || tk.exhausted())) collect = now - tokenEndSeen.computeIfAbsent(tk.id(), k -> now) >= t.tokenAfterMs();
            if (collect) tokenIds.add(tk.id());
        }
        tokenEndSeen.keySet().retainAll(present);

        CollectGarbage header = CollectGarbage.newBuilder().setNowUnixMs(now).setNodeAfterMs(t.nodeAfterMs()).setTokenAfterMs(t.tokenAfterMs())
                .setJobIndexCutoff(jobCutoff).setAllocIndexCutoff(allocCutoff).setReason(reason).build();
        Chunker c = new Chunker(header);
        for (String id : allocIds) c.add(1, b -> b.addAllocIds(id));
        for (int i = 0; i < jobIds.size(); i++) {
            String id = jobIds.get(i);
            c.add(jobWeights.get(i), b -> b.addJobIds(id));
        }
        for (Long id : nodeIds) c.add(1, b -> b.addNodeIds(id));
        for (String id : tokenIds) c.add(1, b -> b.addTokenIds(id));
        return c.done();
    }

    /** A live batch/sysbatch job the reconciler would do nothing more for: no placement, stop, failure or delayed reschedule. */
    private boolean nothingLeftToRun(JobRecord j, StateClusterView view, long now) {
        try {
            Plan p = Scheduler.schedule(JobSpecJson.fromJson(j.specJson().getBytes(StandardCharsets.UTF_8)), view,
                    new SchedulerContext(now, random, () -> "gc-probe"));
            return p.placements().isEmpty() && p.stops().isEmpty() && p.failures().isEmpty() && p.nextEvaluationAtMillis().isEmpty();
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Fills entries of at most {@link #MAX_IDS_PER_ENTRY} (weighted) ids each, in order. */
    private static final class Chunker {
        private final CollectGarbage header;
        private final List<CollectGarbage> out = new ArrayList<>();
        private CollectGarbage.Builder current;
        private int weight;

        Chunker(CollectGarbage header) {
            this.header = header;
        }

        void add(int w, java.util.function.Consumer<CollectGarbage.Builder> item) {
            if (current != null && weight + w > MAX_IDS_PER_ENTRY) flush();
            if (current == null) current = header.toBuilder();
            item.accept(current);
            weight += w;
        }

        private void flush() {
            out.add(current.build());
            current = null;
            weight = 0;
        }

        List<CollectGarbage> done() {
            if (current != null) flush();
            return out;
        }
    }

    // ---- StateListener (apply thread): witness the time ----

    @Override
    public void applied(long index) {
        table.witness(index, clock.millis());
    }

    @Override
    public void close() {
        stopLeading();
        executor.shutdownNow();
    }

    /**
     * Which Raft index this server had applied by which time (its own clock): an entry ({@code index}, {@code t})
     * says every entry up to {@code index} was applied at or before {@code t}. One entry per {@link #GRANULARITY_MS}
     * bucket (the newest witness in it); when full, every other entry is dropped (the span stays, the resolution
     * halves). Answers are conservative: an index can only look newer than it is, never older.
     */
    static final class TimeTable {
        static final long GRANULARITY_MS = 10_000;
        static final int CAPACITY = 8_192;
        private long[] index = new long[64];
        private long[] time = new long[64];
        private int size;

        synchronized void witness(long idx, long at) {
            // An older index (a witness read before a newer one was recorded) or an earlier time (the clock went
            // back) adds nothing the table does not already say more safely.
            if (size > 0 && (idx < index[size - 1] || at < time[size - 1])) return;
            if (size > 0 && at / GRANULARITY_MS == time[size - 1] / GRANULARITY_MS) {
                index[size - 1] = idx;
                time[size - 1] = at;
                return;
            }
            if (size == index.length) {
                if (size >= CAPACITY) thin();
                else {
                    index = java.util.Arrays.copyOf(index, size * 2);
                    time = java.util.Arrays.copyOf(time, size * 2);
                }
            }
            index[size] = idx;
            time[size] = at;
            size++;
        }

        private void thin() {
            int w = 0;
            for (int r = 0; r < size; r++) {
                if (r % 2 == 1 || r == size - 1) {
                    index[w] = index[r];
                    time[w] = time[r];
                    w++;
                }
            }
            size = w;
        }

        /** The newest index witnessed at or before {@code t}; 0 when none is. */
        synchronized long indexAtOrBefore(long t) {
            int lo = 0;
            int hi = size - 1;
            int found = -1;
            while (lo <= hi) {
                int mid = (lo + hi) >>> 1;
                if (time[mid] <= t) {
                    found = mid;
                    lo = mid + 1;
                } else {
                    hi = mid - 1;
                }
            }
            return found < 0 ? 0 : index[found];
        }

        /** Drops witnesses older than {@code before}, except the newest of them (still the answer for times after it). */
        synchronized void prune(long before) {
            int firstKept = 0;
            while (firstKept + 1 < size && time[firstKept + 1] < before) firstKept++;
            if (firstKept == 0) return;
            System.arraycopy(index, firstKept, index, 0, size - firstKept);
            System.arraycopy(time, firstKept, time, 0, size - firstKept);
            size -= firstKept;
        }

        synchronized int size() {
            return size;
        }
    }
}
