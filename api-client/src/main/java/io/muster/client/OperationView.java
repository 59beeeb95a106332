package io.muster.client;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code operation} section of an operation job's answer ({@code GET /v1/jobs/{id}}): where the operation is,
 * its steps and its resolved target. The per-task, per-node results are the answer's {@code results}
 * ({@link JobStatus#results()}). Times are ISO-8601 instants as text, left out when not yet known.
 *
 * @param status   queued | running | complete | failed | cancelled
 * @param strategy fail-fast | continue
 * @param target   all | group:NAME | node:ID, as submitted
 * @param step     the index of the step the operation is in (the last one it was in once it ended)
 * @param nodes    the target, resolved when the job was committed
 * @param excluded nodes the target named that cannot run it (down, or lacking a backend or driver), with the reason
 * @param reason   why it ended failed or cancelled ({@code null} otherwise)
 */
public record OperationView(String status, String strategy, String target, int step, List<Step> steps, List<TargetNode> nodes,
                            List<TargetNode> excluded,
                            @JsonProperty("queued_at") @JsonInclude(JsonInclude.Include.NON_NULL) String queuedAt,
                            @JsonProperty("started_at") @JsonInclude(JsonInclude.Include.NON_NULL) String startedAt,
                            @JsonProperty("ended_at") @JsonInclude(JsonInclude.Include.NON_NULL) String endedAt,
                            @JsonInclude(JsonInclude.Include.NON_NULL) String reason) {

    public OperationView {
        steps = steps == null ? List.of() : List.copyOf(steps);
        nodes = nodes == null ? List.of() : List.copyOf(nodes);
        excluded = excluded == null ? List.of() : List.copyOf(excluded);
    }

    /**
     * One step. {@code state}: pending | running | done | skipped (its condition did not hold, or fail-fast ended the
     * normal flow).
     *
     * @param condition always | on_success | on_failure
     * @param pipeline  a pipeline phase (each node walks its tasks on its own) rather than a leaf step
     */
    public record Step(int index, String condition, boolean pipeline, String state, List<StepTask> tasks) {
        public Step {
            tasks = tasks == null ? List.of() : List.copyOf(tasks);
        }

        static Step from(JsonNode n) {
            return new Step((int) J.lng(n, "index", 0), J.str(n, "condition"), J.bool(n, "pipeline"), J.str(n, "state"),
                    J.list(n, "tasks", StepTask::from));
        }
    }

    /**
     * A task of a step.
     *
     * @param key  its key in {@link JobStatus#results()}: {@code "2"} for a leaf step, {@code "0.1"} for a phase's second task
     * @param task what it runs: {@code apt install}, {@code exec sh}
     */
    public record StepTask(String key, String task) {
        static StepTask from(JsonNode n) {
            return new StepTask(J.str(n, "key"), J.str(n, "task"));
        }
    }

    /** A node of the target: id, name (hostname or {@code name} label), and for an excluded one the reason. */
    public record TargetNode(long id, String name, @JsonInclude(JsonInclude.Include.NON_NULL) String reason) {
        static TargetNode from(JsonNode n) {
            return new TargetNode(J.lng(n, "id", 0), J.str(n, "name"), J.str(n, "reason"));
        }
    }

    /**
     * How one task did on one node (its latest attempt).
     *
     * @param status   pending | running | retrying (an attempt failed, the next waits for its backoff) | success | failed |
     *                 stopped (cancelled, or stopped by fail-fast)
     * @param output   the end of the task's output (at most 1 KiB), as the worker reported it
     * @param duration milliseconds the latest attempt ran (0 while it has not started)
     * @param attempts attempts made so far (1 = no retry)
     * @param message  the worker's or server's one line (exit code, timeout, node lost)
     */
    public record TaskResult(String node, String status, String output, @JsonProperty("duration_ms") long duration, int attempts,
                             String message) {
        static TaskResult from(JsonNode n) {
            return new TaskResult(J.str(n, "node"), J.str(n, "status"), J.str(n, "output"), J.lng(n, "duration_ms", 0),
                    (int) J.lng(n, "attempts", 0), J.str(n, "message"));
        }
    }

    static OperationView from(JsonNode n) {
        if (n == null || n.isNull() || n.isMissingNode()) return null;
        return new OperationView(J.str(n, "status"), J.str(n, "strategy"), J.str(n, "target"), (int) J.lng(n, "step", 0),
                J.list(n, "steps", Step::from), J.list(n, "nodes", TargetNode::from), J.list(n, "excluded", TargetNode::from),
                J.str(n, "queued_at"), J.str(n, "started_at"), J.str(n, "ended_at"), J.str(n, "reason"));
    }

    /** {@code results}: task key -> node id -> result, in step order and node order. */
    static Map<String, Map<String, TaskResult>> resultsFrom(JsonNode n) {
        if (n == null || !n.isObject()) return null;
        Map<String, Map<String, TaskResult>> out = new LinkedHashMap<>();
        n.fields().forEachRemaining(step -> {
            Map<String, TaskResult> byNode = new LinkedHashMap<>();
            step.getValue().fields().forEachRemaining(node -> byNode.put(node.getKey(), TaskResult.from(node.getValue())));
            out.put(step.getKey(), byNode);
        });
        return out;
    }
}
