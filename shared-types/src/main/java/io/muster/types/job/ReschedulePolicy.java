package io.muster.types.job;

import java.time.Duration;
import java.util.Objects;

/**
 * Server-side replacement of failed allocations on another node ({@code reschedule:} key).
 *
 * <p>{@code attempts} semantics: {@value #UNLIMITED} (also written {@code unlimited} in specs) means no limit;
 * {@code 0} means a failed allocation is never replaced; {@code n > 0} allows n replacements of each allocation
 * slot. Replacement number {@code k} waits {@code min(maxDelay, delay · 2^(k-1))} after the failure.
 *
 * <p>Defaults: batch and sysbatch {@code attempts: 1, delay: 5s, max_delay: 1m}; service and system
 * {@code attempts: unlimited, delay: 30s, max_delay: 1h}.
 *
 * @param attempts {@value #UNLIMITED} or 0 – {@value JobSpecLimits#MAX_ATTEMPTS}
 * @param delay    first wait, whole seconds
 * @param maxDelay cap on the wait, {@code >= delay}
 */
public record ReschedulePolicy(int attempts, Duration delay, Duration maxDelay) {

    /** The {@code attempts} value meaning "no limit". */
    public static final int UNLIMITED = -1;

    public ReschedulePolicy {
        Objects.requireNonNull(delay, "delay");
        Objects.requireNonNull(maxDelay, "maxDelay");
    }

    public static ReschedulePolicy defaultFor(JobType type) {
        return type.runsToCompletion()
                ? new ReschedulePolicy(1, Duration.ofSeconds(5), Duration.ofMinutes(1))
                : new ReschedulePolicy(UNLIMITED, Duration.ofSeconds(30), Duration.ofHours(1));
    }

    public boolean unlimited() {
        return attempts == UNLIMITED;
    }

    /** Whether a slot that has already been rescheduled {@code done} times may be rescheduled again. */
    public boolean allowsAnother(int done) {
        return unlimited() || done < attempts;
    }

    /** The wait before reschedule number {@code attempt} (1-based), exponential and capped. */
    public Duration delayBefore(int attempt) {
        return Backoff.delayBefore(attempt, delay, maxDelay);
    }
}
