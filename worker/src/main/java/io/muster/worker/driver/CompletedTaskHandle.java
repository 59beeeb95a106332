package io.muster.worker.driver;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** Handle for a task that is already over when the handle is made: failed start, or lost. */
final class CompletedTaskHandle implements TaskHandle {

    private final String allocId;
    private final String taskId;
    private final TaskResult result;
    private final OutputBuffer output;

    CompletedTaskHandle(String allocId, String taskId, TaskResult result, OutputBuffer output) {
        this.allocId = allocId;
        this.taskId = taskId;
        this.result = result;
        this.output = output;
    }

    @Override
    public String allocId() {
        return allocId;
    }

    @Override
    public String taskId() {
        return taskId;
    }

    @Override
    public CompletableFuture<TaskResult> result() {
        return CompletableFuture.completedFuture(result);
    }

    @Override
    public void stop(Duration grace) {
        // Nothing runs.
    }

    @Override
    public OutputBuffer output() {
        return output;
    }
}
