package io.muster.types.job;

import java.time.Duration;
import java.util.Objects;

/**
 * Worker-local restarts of a failed task, inside its allocation on the same node ({@code restart:} key).
 *
 * <p>After a task exits unsuccessfully the worker restarts it up to {@code attempts} times, waiting
 * {@code delay}, then {@code 2·delay}, {@code 4·delay}, … capped at {@code maxDelay}. When the attempts are used
 * up, {@link RestartMode#FAIL} fails the allocation (the server may then reschedule it, see
 * {@link ReschedulePolicy}) while {@link RestartMode#DELAY} keeps restarting every {@code maxDelay}.
 *
 * <p>Defaults: service and system {@code attempts: 2}, batch and sysbatch {@code attempts: 3}; all
 * {@code delay: 15s, max_delay: 5m, mode: fail}.
 *
 * @param attempts 0 – {@value JobSpecLimits#MAX_ATTEMPTS}
 * @param delay    first wait, whole seconds, 0 – {@value JobSpecLimits#MAX_DURATION_SECONDS} s
 * @param maxDelay cap on the wait, {@code >= delay}
 * @param mode     what happens once attempts are exhausted
 */
public record RestartPolicy(int attempts, Duration delay, Duration maxDelay, RestartMode mode) {

    public RestartPolicy {
        Objects.requireNonNull(delay, "delay");
        Objects.requireNonNull(maxDelay, "maxDelay");
        Objects.requireNonNull(mode, "mode");
    }

    public static RestartPolicy defaultFor(JobType type) {
        int attempts = type.runsToCompletion() ? 3 : 2;
        return new RestartPolicy(attempts, Duration.ofSeconds(15), Duration.ofMinutes(5), RestartMode.FAIL);
    }

    /** The wait before restart number {@code attempt} (1-based), exponential and capped. */
    public Duration delayBefore(int attempt) {
        return Backoff.delayBefore(attempt, delay, maxDelay);
    }
}
