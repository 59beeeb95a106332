package io.muster.server.digest;

import io.muster.server.state.ClusterSnapshot;
import io.muster.server.state.ClusterState;
import io.muster.server.state.StateDigest;
import io.muster.server.state.StateImage;
import io.muster.server.state.StateListener;

import java.util.Collections;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Digests of this server's state at agreed indexes: after applying every index that is a multiple of the interval
 * (default 10,000 entries), every server hashes its state ({@link StateDigest}) and keeps the last few, so that the
 * leader can compare them (see {@code DivergenceChecker}).
 *
 * <p>Where the work runs: on the apply thread only taking the immutable snapshot of that index (O(1)); the copy and the
 * hashing (sorting and SHA-256 of every record) on a thread of its own, so a large state does not stall the apply path.
 *
 * <p>Only applied indexes get a digest: a snapshot install or a restart from a snapshot skips indexes without applying
 * them, and nothing is recorded for those (nor for the snapshot's own index); the next multiple that is applied is.
 * Local only: the digests are never replicated and never persisted (a restart starts with none).
 */
public final class DigestRecorder implements StateListener, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DigestRecorder.class);
    public static final long DEFAULT_INTERVAL = 10_000;
    /** Digests kept: with the default interval, the last 80,000 entries. */
    public static final int KEEP = 8;
    /** Images waiting for the hasher; a slower hasher skips indexes rather than holding more copies. */
    private static final int QUEUE = 2;

    private final ClusterState state;
    private final Executor hasher;
    private final ThreadPoolExecutor ownHasher;
    private volatile long interval;
    private final ConcurrentSkipListMap<Long, StateDigest> recent = new ConcurrentSkipListMap<>();
    private final AtomicLong computed = new AtomicLong();
    private final AtomicLong skipped = new AtomicLong();
    private volatile long lastCopyNanos;
    private volatile long lastHashNanos;
    private volatile boolean closed;

    /** Hashes on a thread of its own. */
    public DigestRecorder(ClusterState state, long interval) {
        this.state = state;
        this.interval = check(interval);
        this.ownHasher = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(QUEUE), r -> {
            Thread t = new Thread(r, "state-digest");
            t.setDaemon(true);
            return t;
        });
        this.hasher = ownHasher;
    }

    /** Hashes on {@code hasher} (tests: a direct executor makes each digest available as soon as its index is applied). */
    public DigestRecorder(ClusterState state, long interval, Executor hasher) {
        this.state = state;
        this.interval = check(interval);
        this.ownHasher = null;
        this.hasher = hasher;
    }

    private static long check(long interval) {
        if (interval < 1) throw new IllegalArgumentException("digest interval must be at least 1 entry, not " + interval);
        return interval;
    }

    /** Entries between digests; tests use small ones. Takes effect at the next applied index. */
    public DigestRecorder interval(long entries) {
        this.interval = check(entries);
        return this;
    }

    public long interval() {
        return interval;
    }

    /** On the apply thread, after every applied index: never blocks on the hash, never throws. */
    @Override
    public void applied(long index) {
        if (closed || index <= 0 || index % interval != 0) return;
        try {
            long t0 = System.nanoTime();
            ClusterSnapshot snap = state.snapshot(); // on the apply thread: the snapshot of exactly this index, O(1)
            lastCopyNanos = System.nanoTime() - t0;
            hasher.execute(() -> {
                try {
                    long t1 = System.nanoTime();
                    StateDigest d = StateDigest.of(snap.image());
                    lastHashNanos = System.nanoTime() - t1;
                    record(index, d);
                } catch (RuntimeException e) {
                    LOG.error("state digest at index {} failed", index, e);
                }
            });
        } catch (RejectedExecutionException e) {
            skipped.incrementAndGet();
            if (!closed) LOG.warn("state digest at index {} skipped: the previous ones are still being computed", index);
        } catch (RuntimeException e) {
            LOG.error("state digest at index {} failed", index, e);
        }
    }

    private void record(long index, StateDigest d) {
        recent.put(index, d);
        computed.incrementAndGet();
        while (recent.size() > KEEP) recent.pollFirstEntry();
        LOG.debug("state digest at index {}: {}", index, d);
    }

    /** The digests kept, by index (ascending). */
    public SortedMap<Long, StateDigest> recent() {
        return Collections.unmodifiableSortedMap(new TreeMap<>(recent));
    }

    public long computed() {
        return computed.get();
    }

    public long skipped() {
        return skipped.get();
    }

    /** The last copy's time on the apply thread and the last hash's time, in microseconds. */
    public long lastCopyMicros() {
        return lastCopyNanos / 1_000;
    }

    public long lastHashMicros() {
        return lastHashNanos / 1_000;
    }

    @Override
    public void close() {
        closed = true;
        if (ownHasher != null) ownHasher.shutdownNow();
    }
}
