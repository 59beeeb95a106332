package io.muster.types.job;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What a job of type {@code operation} does: steps run once over a target, one after the other (GRID's model).
 * Every step is a barrier: no node starts step N+1 before every node of the target ended step N. A step with
 * several tasks is a pipeline phase: each node walks its tasks on its own, and the phase ends when every node has.
 *
 * @param target             which nodes, resolved once when the job is committed and recorded with it
 * @param strategy           what a failure does to the rest of the job
 * @param maxConcurrentNodes at most this many nodes inside one step at once (a rolling batch); 0 = all at once
 * @param retryBackoff       the delay before a failed task's next attempt: base doubled per attempt, at most cap
 * @param steps              at least one, at most {@value JobSpecLimits#MAX_OPERATION_STEPS}
 */
public record OperationSpec(
        OperationTarget target,
        FailureStrategy strategy,
        int maxConcurrentNodes,
        RetryBackoff retryBackoff,
        List<OperationStep> steps) {

    public OperationSpec {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(strategy, "strategy");
        Objects.requireNonNull(retryBackoff, "retryBackoff");
        if (maxConcurrentNodes < 0) throw new IllegalArgumentException("maxConcurrentNodes must be >= 0");
        steps = List.copyOf(steps);
        if (steps.isEmpty()) throw new IllegalArgumentException("an operation needs at least one step");
    }

    /** Every task of every step, in order (pipeline sub-steps in their phase's order). */
    public List<OperationTask> allTasks() {
        List<OperationTask> out = new ArrayList<>();
        steps.forEach(s -> out.addAll(s.tasks()));
        return out;
    }

    /** The backends the operation's action tasks use, in order of first use. */
    public Set<String> backends() {
        Set<String> out = new LinkedHashSet<>();
        for (OperationTask t : allTasks()) if (t.action() != null) out.add(t.action().backend());
        return out;
    }

    /** The drivers the operation's exec and docker tasks use, in order of first use. */
    public Set<String> drivers() {
        Set<String> out = new LinkedHashSet<>();
        for (OperationTask t : allTasks()) if (t.task() != null) out.add(t.task().driver().key());
        return out;
    }

    /**
     * The key of step {@code step}'s task {@code task} in results and allocation groups: {@code "2"} for a
     * one-task (barrier) step, {@code "0.1"} for the second sub-step of a pipeline phase. Steps count from 0.
     */
    public String taskKey(int step, int task) {
        return steps.get(step).pipeline() ? step + "." + task : Integer.toString(step);
    }
}
