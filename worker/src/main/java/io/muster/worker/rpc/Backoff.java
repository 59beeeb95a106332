package io.muster.worker.rpc;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Exponential backoff with full jitter: the n-th consecutive failure waits a uniformly random time in
 * {@code [0, min(max, initial * 2^n)]}. Full jitter spreads a fleet's retries after a server dies instead of letting
 * every worker reconnect in the same instant. Not thread-safe: one instance per loop.
 */
public final class Backoff {
    private final Duration initial;
    private final Duration max;
    private final RandomGenerator random;
    private int failures;

    public Backoff(Duration initial, Duration max, RandomGenerator random) {
        if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("backoff needs 0 < initial <= max, got " + io.muster.types.HumanDuration.of(initial) + " and " + io.muster.types.HumanDuration.of(max));
        }
        this.initial = initial;
        this.max = max;
        this.random = random;
    }

    /** The wait before the next attempt; each call counts one more failure. */
    public Duration next() {
        Duration ceiling = ceiling();
        if (failures < 62) {
            failures++;
        }
        return Duration.ofNanos(random.nextLong(ceiling.toNanos() + 1));
    }

    /** The current upper bound, {@code min(max, initial * 2^failures)}. */
    public Duration ceiling() {
        long nanos = initial.toNanos();
        long maxNanos = max.toNanos();
        for (int i = 0; i < failures && nanos < maxNanos; i++) {
            nanos = nanos > maxNanos / 2 ? maxNanos : nanos * 2;
        }
        return Duration.ofNanos(Math.min(nanos, maxNanos));
    }

    public int failures() {
        return failures;
    }

    public void reset() {
        failures = 0;
    }
}
