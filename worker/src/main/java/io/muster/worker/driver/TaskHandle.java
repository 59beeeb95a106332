package io.muster.worker.driver;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** A started (or re-attached) task. */
public interface TaskHandle {

    String allocId();

    /** The driver's id for the running task: the process id (exec) or the container id (docker). */
    String taskId();

    /**
     * Completes exactly once, when the task has ended (or could not start, or was lost). The
     * returned future is a defensive copy: completing it does not affect the handle.
     */
    CompletableFuture<TaskResult> result();

    /**
     * Asks the task to stop: SIGTERM now, SIGKILL once {@code grace} has passed. Returns at once;
     * {@link #result()} completes with {@link TaskResult.Outcome#STOPPED} when the task is gone.
     * A no-op once the task has ended.
     */
    void stop(Duration grace);

    /** The task's recent stdout/stderr, bounded in memory. */
    OutputBuffer output();

    /** A task that could not start for a reason found before any driver was asked (e.g. its secrets could not be fetched). */
    static TaskHandle failedToStart(String allocId, String message, java.time.Instant attempted, java.time.Instant now) {
        return new CompletedTaskHandle(allocId, "", TaskResult.failedToStart(message, attempted, now), new OutputBuffer(1024));
    }

    /** Brings {@link #output} up to date now, for a reader that follows it (drivers that poll files do it here too). */
    default void refreshOutput() {}
}
