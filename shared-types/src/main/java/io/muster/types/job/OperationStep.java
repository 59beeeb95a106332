package io.muster.types.job;

import java.util.List;
import java.util.Objects;

/**
 * One step of an operation.
 *
 * @param condition when it runs
 * @param pipeline  true for a pipeline phase (written as a nested {@code tasks:} list, even of one task): each node
 *                  walks the tasks on its own; false for a leaf step (one task, written inline)
 * @param tasks     one for a leaf step, 1 – {@value JobSpecLimits#MAX_OPERATION_STEPS} for a phase
 */
public record OperationStep(StepCondition condition, boolean pipeline, List<OperationTask> tasks) {
    public OperationStep {
        Objects.requireNonNull(condition, "condition");
        tasks = List.copyOf(tasks);
        if (tasks.isEmpty()) throw new IllegalArgumentException("a step needs at least one task");
        if (!pipeline && tasks.size() != 1) throw new IllegalArgumentException("a leaf step has exactly one task");
    }
}
