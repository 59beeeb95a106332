package io.muster.types.job;

import java.time.Duration;

/** Exponential backoff shared by restart and reschedule policies: delay, 2·delay, 4·delay, … capped at max. */
final class Backoff {
    private Backoff() {
    }

    /** The wait before try number {@code attempt} (1-based): {@code min(max, delay · 2^(attempt-1))}. */
    static Duration delayBefore(int attempt, Duration delay, Duration max) {
        if (attempt < 1) {
            throw new IllegalArgumentException("attempt must be >= 1: " + attempt);
        }
        if (delay.isZero()) {
            return Duration.ZERO;
        }
        // Shifting past ~62 bits overflows; any exponent that large is far beyond max anyway.
        int shift = Math.min(attempt - 1, 40);
        long seconds = delay.toSeconds();
        long scaled = seconds > (Long.MAX_VALUE >> shift) ? Long.MAX_VALUE : seconds << shift;
        return Duration.ofSeconds(Math.min(scaled, max.toSeconds()));
    }
}
