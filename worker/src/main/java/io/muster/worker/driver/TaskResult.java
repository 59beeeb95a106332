package io.muster.worker.driver;

import java.time.Instant;
import java.util.Objects;

/**
 * How a task ended.
 *
 * @param outcome what happened
 * @param exitCode the task's exit code ({@code 128 + signal} when killed by a signal), or
 *     {@link #UNKNOWN_EXIT_CODE} when it could not be known (never started, lost, re-attached
 *     exec task that is not the worker's child)
 * @param message human-readable explanation, never null
 * @param startedAt when the task started (for a failed start: when it was attempted)
 * @param finishedAt when the end was observed
 */
public record TaskResult(Outcome outcome, int exitCode, String message, Instant startedAt, Instant finishedAt) {

    public static final int UNKNOWN_EXIT_CODE = -1;

    public enum Outcome {
        /** The task ended by itself; see {@link #exitCode()}. */
        EXITED,
        /** The task ran past {@link TaskRequest#timeout()} and was stopped. */
        TIMED_OUT,
        /** The task was stopped by {@link TaskHandle#stop}. */
        STOPPED,
        /** The task never ran (bad command, missing image, engine error...). */
        FAILED_TO_START,
        /** The driver knew the task but it vanished while nobody watched (e.g. worker restart). */
        LOST,
        /** The driver was closed while the task still ran; the task may still be recovered. */
        DETACHED
    }

    public TaskResult {
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(startedAt, "startedAt");
        Objects.requireNonNull(finishedAt, "finishedAt");
    }

    static TaskResult failedToStart(String message, Instant attemptedAt, Instant finishedAt) {
        return new TaskResult(Outcome.FAILED_TO_START, UNKNOWN_EXIT_CODE, message, attemptedAt, finishedAt);
    }

    /** Exited by itself with status 0. */
    public boolean success() {
        return outcome == Outcome.EXITED && exitCode == 0;
    }

    /** What a driver appends to the message of a task the kernel killed for its memory limit. */
    public static final String OOM_NOTE = "killed for exceeding its memory limit (OOM)";

    /** The driver could tell the task was killed for running out of memory. */
    public boolean oomKilled() {
        return message.contains(OOM_NOTE);
    }

    public boolean timedOut() {
        return outcome == Outcome.TIMED_OUT;
    }

    public boolean stopped() {
        return outcome == Outcome.STOPPED;
    }

    public boolean failedToStart() {
        return outcome == Outcome.FAILED_TO_START;
    }
}
