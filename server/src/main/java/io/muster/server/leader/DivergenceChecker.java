package io.muster.server.leader;

import io.muster.client.ClusterStatus;
import io.muster.server.raft.LeaderServices;
import io.muster.server.digest.DigestRecorder;
import io.muster.server.state.StateDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader's divergence check, after etcd's compaction hash check: every server keeps the digests of its state at
 * the agreed indexes it applied ({@link DigestRecorder}); the leader periodically asks every other member for theirs
 * ({@code InternalService.StateDigests}, mTLS, server certificates only) and compares them with its own at every index
 * both have. Raft guarantees the same entries in the same order everywhere, so a difference means an apply that is
 * not deterministic, a bug that wrote state outside Raft, or corruption.
 *
 * <p>A mismatch raises an alarm for that pair of servers (the leader and the other one): an ERROR log naming the index,
 * both servers and both digests, the {@link #mismatches()} counter, and an entry of {@code cluster status}'s
 * {@code alarms}. When a majority of the members that reported the index agree on one digest, the server outside it is
 * named the {@code suspect} (it may be the leader). The alarm stays until a later comparison of the same pair matches
 * (the server was rebuilt, or the divergence was overwritten — the ERROR log and counter remain) or this server
 * restarts; it survives a loss of leadership (a new leader detects the same divergence in its first round, as every
 * later digest of a diverged state differs). Alarms of servers no longer members are dropped.
 */
public final class DivergenceChecker implements LeaderServices, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DivergenceChecker.class);
    public static final Duration DEFAULT_PERIOD = Duration.ofSeconds(60);

    /** The other members and their digests. */
    public interface Peers {
        /** Current Raft members other than this server. */
        Collection<Integer> others();

        /** A member's recent digests, index → digest; fails if it cannot be reached. */
        CompletableFuture<SortedMap<Long, StateDigest>> digests(int serverId);
    }

    /** One diverged pair: {@code reference} (the leader that compared) and {@code other}. */
    public record Alarm(long index, long lastIndex, int reference, int other, StateDigest referenceDigest, StateDigest otherDigest,
                        Integer suspect, long lastMatchingIndex, Instant detectedAt) {
        public static final String TYPE = "state_divergence";

        /** As {@code cluster status} shows it: the API client's record. */
        public ClusterStatus.Alarm view() {
            Map<String, String> digests = new LinkedHashMap<>();
            digests.put(Integer.toString(reference), referenceDigest.hex());
            digests.put(Integer.toString(other), otherDigest.hex());
            return new ClusterStatus.Alarm(TYPE, index, List.of(reference, other), digests, suspect, lastIndex,
                    lastMatchingIndex > 0 ? lastMatchingIndex : null, detectedAt.toString(),
                    "servers " + reference + " and " + other + " hold different states after applying index " + index
                            + (suspect == null ? " (no majority: the diverged server is unknown)" : "; server " + suspect + " disagrees with the majority"));
        }
    }

    /** What {@code cluster status} adds: the open alarms (empty when none) and the check's counters. */
    public record StatusFields(List<ClusterStatus.Alarm> alarms, ClusterStatus.DivergenceCheck check) {}

    private final int selfId;
    private final DigestRecorder local;
    private final Peers peers;
    private final Clock clock;
    private volatile Duration period;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "divergence-check");
        t.setDaemon(true);
        return t;
    });
    private ScheduledFuture<?> task;

    // Guarded by this.
    private final Map<Integer, Alarm> alarms = new TreeMap<>();
    private final Map<Integer, Long> lastCompared = new HashMap<>();
    private final Map<Integer, Long> lastMatch = new HashMap<>();

    private final AtomicLong rounds = new AtomicLong();
    private final AtomicLong comparisons = new AtomicLong();
    private final AtomicLong mismatches = new AtomicLong();
    private volatile long lastComparedIndex;

    public DivergenceChecker(int selfId, DigestRecorder local, Peers peers, Duration period, Clock clock) {
        this.selfId = selfId;
        this.local = local;
        this.peers = peers;
        this.clock = clock;
        this.period = positive(period);
    }

    private static Duration positive(Duration d) {
        if (d.isNegative() || d.isZero()) throw new IllegalArgumentException("divergence check period must be positive, not " + io.muster.types.HumanDuration.of(d));
        return d;
    }

    /** How often the leader compares; tests use short ones. Reschedules a running check. */
    public DivergenceChecker period(Duration d) {
        this.period = positive(d);
        synchronized (this) {
            if (task != null) {
                task.cancel(false);
                schedule();
            }
        }
        return this;
    }

    @Override
    public synchronized void startLeading(long term) {
        if (task != null) task.cancel(false);
        schedule();
    }

    private void schedule() {
        long ms = period.toMillis();
        task = timer.scheduleWithFixedDelay(() -> {
            try {
                checkNow().get(ms + 15_000, TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                LOG.warn("divergence check round failed: {}", e.toString()); // a throw would cancel the schedule
            }
        }, ms, ms, TimeUnit.MILLISECONDS);
    }

    @Override
    public synchronized void stopLeading() {
        if (task != null) task.cancel(false);
        task = null;
    }

    /** One round: ask every other member, compare. Completes when compared (members that fail are skipped). */
    public CompletableFuture<Void> checkNow() {
        List<Integer> others = List.copyOf(peers.others());
        Map<Integer, CompletableFuture<SortedMap<Long, StateDigest>>> asked = new LinkedHashMap<>();
        for (int id : others) {
            if (id == selfId) continue;
            CompletableFuture<SortedMap<Long, StateDigest>> f;
            try {
                f = peers.digests(id);
            } catch (RuntimeException e) {
                f = CompletableFuture.failedFuture(e);
            }
            asked.put(id, f.exceptionally(t -> {
                LOG.debug("divergence check: server {} did not answer: {}", id, t.toString());
                return null;
            }));
        }
        return CompletableFuture.allOf(asked.values().toArray(CompletableFuture[]::new)).thenRun(() -> {
            Map<Integer, SortedMap<Long, StateDigest>> theirs = new TreeMap<>();
            asked.forEach((id, f) -> {
                SortedMap<Long, StateDigest> d = f.join();
                if (d != null) theirs.put(id, d);
            });
            compare(local.recent(), theirs, others);
        });
    }

    /** Compares this server's digests with the others' at every index both have and not compared before. */
    synchronized void compare(SortedMap<Long, StateDigest> mine, Map<Integer, SortedMap<Long, StateDigest>> theirs, Collection<Integer> members) {
        rounds.incrementAndGet();
        if (!members.isEmpty()) { // servers removed from the group: their alarms go with them
            alarms.keySet().retainAll(members);
            lastCompared.keySet().retainAll(members);
            lastMatch.keySet().retainAll(members);
        }
        int total = (int) members.stream().filter(id -> id != selfId).count() + 1;
        int quorum = total / 2 + 1;
        for (Map.Entry<Long, StateDigest> e : mine.entrySet()) {
            long index = e.getKey();
            StateDigest own = e.getValue();
            Map<Integer, StateDigest> at = new TreeMap<>();
            at.put(selfId, own);
            theirs.forEach((id, d) -> {
                StateDigest x = d.get(index);
                if (x != null) at.put(id, x);
            });
            if (at.size() == 1) continue;
            StateDigest majority = majority(at, quorum);
            for (Map.Entry<Integer, StateDigest> p : at.entrySet()) {
                int other = p.getKey();
                if (other == selfId || index <= lastCompared.getOrDefault(other, 0L)) continue;
                lastCompared.put(other, index);
                comparisons.incrementAndGet();
                lastComparedIndex = Math.max(lastComparedIndex, index);
                if (own.equals(p.getValue())) {
                    lastMatch.put(other, index);
                    Alarm cleared = alarms.remove(other);
                    if (cleared != null)
                        LOG.warn("state divergence alarm cleared: servers {} and {} agree again at index {} (they differed at index {} to {})",
                                selfId, other, index, cleared.index(), cleared.lastIndex());
                    continue;
                }
                mismatches.incrementAndGet();
                Integer suspect = majority == null ? null : majority.equals(own) ? Integer.valueOf(other)
                        : majority.equals(p.getValue()) ? Integer.valueOf(selfId) : null;
                LOG.error("STATE DIVERGENCE at index {}: server {} (leader) has digest {}, server {} has digest {}; {}", index, selfId,
                        own.hex(), other, p.getValue().hex(), suspect == null
                                ? "no majority of the " + at.size() + " servers that reported this index agrees: the diverged server is unknown"
                                : "server " + suspect + " disagrees with the majority");
                Alarm before = alarms.get(other);
                alarms.put(other, before == null
                        ? new Alarm(index, index, selfId, other, own, p.getValue(), suspect, lastMatch.getOrDefault(other, 0L), clock.instant())
                        : new Alarm(before.index(), index, selfId, other, before.referenceDigest(), before.otherDigest(),
                                suspect != null ? suspect : before.suspect(), before.lastMatchingIndex(), before.detectedAt()));
            }
        }
    }

    /** The digest at least {@code quorum} servers reported, if one is. */
    private static StateDigest majority(Map<Integer, StateDigest> at, int quorum) {
        Map<StateDigest, Integer> counts = new HashMap<>();
        for (StateDigest d : at.values()) counts.merge(d, 1, Integer::sum);
        for (Map.Entry<StateDigest, Integer> c : counts.entrySet()) if (c.getValue() >= quorum) return c.getKey();
        return null;
    }

    /** Open alarms, by the other server's id. */
    public synchronized List<Alarm> alarms() {
        return List.copyOf(alarms.values());
    }

    /** For {@code cluster status}: the alarms (an empty list when none) and the check's counters. */
    public StatusFields statusFields() {
        List<ClusterStatus.Alarm> list = new ArrayList<>();
        for (Alarm a : alarms()) list.add(a.view());
        long compared = lastComparedIndex;
        return new StatusFields(list, new ClusterStatus.DivergenceCheck(local.interval(), period.toMillis(), List.copyOf(local.recent().keySet()),
                rounds.get(), comparisons.get(), mismatches.get(), compared > 0 ? compared : null, local.lastCopyMicros(), local.lastHashMicros()));
    }

    /** The highest index compared with {@code serverId} (0: none yet). */
    public synchronized long lastComparedWith(int serverId) {
        return lastCompared.getOrDefault(serverId, 0L);
    }

    public long comparisons() {
        return comparisons.get();
    }

    /** Comparisons that found different digests (one per pair and index); never reset. */
    public long mismatches() {
        return mismatches.get();
    }

    public long rounds() {
        return rounds.get();
    }

    @Override
    public void close() {
        stopLeading();
        timer.shutdownNow();
    }

    @Override
    public String toString() {
        return "DivergenceChecker[server " + selfId + "]";
    }
}
