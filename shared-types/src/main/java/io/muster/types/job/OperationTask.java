package io.muster.types.job;

import java.time.Duration;

/**
 * One task of an operation step: either an action of a worker backend or an exec/docker task.
 *
 * @param action     the backend action, or {@code null} when {@code task} is set
 * @param task       an exec or docker task (the fields of a group's task), or {@code null} when {@code action} is set
 * @param maxRetries attempts after the first failed one, 0 – {@value JobSpecLimits#MAX_OPERATION_RETRIES}
 * @param timeout    wall-clock limit of one attempt; {@code null} = none
 */
public record OperationTask(ActionCall action, TaskSpec task, int maxRetries, Duration timeout) {
    public OperationTask {
        if ((action == null) == (task == null)) throw new IllegalArgumentException("exactly one of action and task");
        if (maxRetries < 0) throw new IllegalArgumentException("maxRetries must be >= 0");
    }

    /** {@code apt install} or {@code exec echo}: how results and progress name the task. */
    public String describe() {
        if (action != null) return action.backend() + " " + action.action();
        return task.driver().key() + " " + (task.command() != null ? task.command() : task.image());
    }
}
