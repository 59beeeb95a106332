package io.muster.types.job;

import java.time.Duration;
import java.util.Objects;

/**
 * The delay before the next attempt of a failed operation task: {@code base * 2^(attempt-1)}, at most {@code cap}.
 *
 * @param base the delay after the first failed attempt (default 1s)
 * @param cap  the longest delay (default 1m)
 */
public record RetryBackoff(Duration base, Duration cap) {
    public static final RetryBackoff DEFAULT = new RetryBackoff(Duration.ofSeconds(1), Duration.ofMinutes(1));

    public RetryBackoff {
        Objects.requireNonNull(base, "base");
        Objects.requireNonNull(cap, "cap");
        if (base.isNegative() || cap.compareTo(base) < 0) throw new IllegalArgumentException("need 0 <= base <= cap");
    }

    /** The delay after failed attempt {@code failedAttempt} (1 = the first run). */
    public Duration after(int failedAttempt) {
        long ms = base.toMillis();
        for (int i = 1; i < failedAttempt && ms < cap.toMillis(); i++) ms *= 2;
        return Duration.ofMillis(Math.min(ms, cap.toMillis()));
    }
}
