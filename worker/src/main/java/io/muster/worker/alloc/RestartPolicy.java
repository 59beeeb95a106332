package io.muster.worker.alloc;

import io.muster.worker.driver.TaskResult;
import java.time.Duration;

/**
 * Worker-local restarts of a task inside its allocation: after an exit that calls for a restart, wait {@code delay},
 * then {@code 2 x delay}, ... capped at {@code maxDelay}, up to {@code attempts} times. Then mode {@code fail} ends
 * the task (and the allocation) while mode {@code delay} keeps restarting every {@code maxDelay}.
 *
 * <p>Which exits call for a restart depends on the job type: batch and sysbatch tasks are meant to finish, so only a
 * failure restarts them; service and system tasks are meant to run forever, so any exit does.
 */
public record RestartPolicy(int attempts, Duration delay, Duration maxDelay, boolean keepRestarting) {

    static final Duration DEFAULT_DELAY = Duration.ofSeconds(15);
    static final Duration DEFAULT_MAX_DELAY = Duration.ofMinutes(5);
    static final Duration MIN_ENDLESS_DELAY = Duration.ofSeconds(1);

    /** What to do after a task's run ended. */
    public sealed interface Decision {
        /** The task is over; {@code success} says whether it ended well. */
        record Finish(boolean success) implements Decision {}

        record Restart(Duration after) implements Decision {}
    }

    /** The group's policy with the job spec's defaults filled in (service/system 2 attempts, batch 3; 15 s; 5 min). */
    public static RestartPolicy of(GroupSpec.Restart spec, boolean runsToCompletion) {
        int defaultAttempts = runsToCompletion ? 3 : 2;
        if (spec == null) {
            return new RestartPolicy(defaultAttempts, DEFAULT_DELAY, DEFAULT_MAX_DELAY, false);
        }
        int attempts = spec.attempts() != null ? Math.max(0, spec.attempts()) : defaultAttempts;
        Duration delay = spec.delay() != null ? Duration.ofSeconds(Math.max(0, spec.delay())) : DEFAULT_DELAY;
        Duration max = spec.maxDelay() != null ? Duration.ofSeconds(Math.max(0, spec.maxDelay())) : DEFAULT_MAX_DELAY;
        if (max.compareTo(delay) < 0) {
            max = delay;
        }
        return new RestartPolicy(attempts, delay, max, "delay".equals(spec.mode()));
    }

    /** The wait before restart number {@code restart} (1-based). */
    public Duration delayBefore(int restart) {
        if (delay.isZero()) {
            return Duration.ZERO;
        }
        int shift = Math.min(Math.max(0, restart - 1), 40);
        long seconds = delay.toSeconds();
        long scaled = seconds > (Long.MAX_VALUE >> shift) ? Long.MAX_VALUE : seconds << shift;
        return Duration.ofSeconds(Math.min(scaled, maxDelay.toSeconds()));
    }

    /**
     * @param restartsSoFar restarts of this task already made
     * @param runsToCompletion batch or sysbatch job
     */
    public Decision decide(TaskResult result, int restartsSoFar, boolean runsToCompletion) {
        boolean success = succeeded(result);
        if (runsToCompletion && success) {
            return new Decision.Finish(true);
        }
        if (restartsSoFar < attempts) {
            return new Decision.Restart(delayBefore(restartsSoFar + 1));
        }
        if (keepRestarting) {
            // Never a tight loop, even with max_delay 0: this branch repeats forever.
            return new Decision.Restart(maxDelay.compareTo(MIN_ENDLESS_DELAY) < 0 ? MIN_ENDLESS_DELAY : maxDelay);
        }
        return new Decision.Finish(success);
    }

    /**
     * Exit status 0 and nothing else. An unknown exit code (a task re-attached after a worker restart) does not
     * count as success: reporting a run as complete that nobody saw complete could silently lose work, while
     * running a batch task again only repeats it.
     */
    static boolean succeeded(TaskResult result) {
        return result.outcome() == TaskResult.Outcome.EXITED && result.exitCode() == 0;
    }
}
