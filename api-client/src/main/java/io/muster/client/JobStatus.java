package io.muster.client;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code GET /v1/jobs/{id}} (also the answer to a submit): the job, its allocations and placement failures.
 * Job status is one of pending, running, complete, failed, stopped, cancelled (operations). Times are ISO-8601 instants
 * as text. An operation job's answer also has {@code operation} and {@code results} (left out for other types).
 *
 * <p>The server writes its job answers from this record (the names are the JSON's, in the JSON's order), so the client
 * and the server share one shape. {@code next_eval_at} is left out of the JSON when null; {@code json} is the answer as
 * received and never written.
 */
public record JobStatus(String id, String type, long version, String status, @JsonProperty("submitted_at") String submittedAt,
                        @JsonProperty("next_eval_at") @JsonInclude(JsonInclude.Include.NON_NULL) String nextEvalAt,
                        List<Allocation> allocations, List<Failure> failures,
                        @JsonInclude(JsonInclude.Include.NON_NULL) OperationView operation,
                        @JsonInclude(JsonInclude.Include.NON_NULL) Map<String, Map<String, OperationView.TaskResult>> results,
                        @JsonIgnore JsonNode json) {
    private static final Set<String> TERMINAL_JOB = Set.of("complete", "failed", "stopped", "cancelled");
    private static final Set<String> TERMINAL_OPERATION = Set.of("complete", "failed", "cancelled");
    private static final Set<String> SETTLED_ALLOC = Set.of("running", "complete", "failed", "lost", "stopped");

    /**
     * One allocation (also {@code GET /v1/allocations/{id}} and a node detail's {@code allocations}). {@code desired} is
     * "run" or "stop" (null if the server did not say); {@code attempt} counts reschedules of the same slot (group and
     * index). {@code exit_code} is always written, null unless the task ended by itself; {@code started_at} and
     * {@code finished_at} are left out when null. {@code events} is the allocation's history, oldest first (a job's
     * answer holds only the newest few of each allocation); {@code events_total} counts every event it ever had, so
     * the n-th event of the list is event number {@code events_total - events.size() + n}.
     */
    public record Allocation(String id, @JsonProperty("node_id") long nodeId, String status, @JsonProperty("exit_code") Integer exitCode,
                             @JsonProperty("job_id") String jobId, String group, Integer index, String desired, String message, int attempt,
                             @JsonProperty("job_version") long jobVersion,
                             @JsonProperty("started_at") @JsonInclude(JsonInclude.Include.NON_NULL) String startedAt,
                             @JsonProperty("finished_at") @JsonInclude(JsonInclude.Include.NON_NULL) String finishedAt,
                             @JsonInclude(JsonInclude.Include.NON_EMPTY) List<AllocEvent> events,
                             @JsonProperty("events_total") long eventsTotal) {
        public Allocation {
            events = events == null ? List.of() : List.copyOf(events);
        }

        /** Without events (a server older than events, or a test that needs none). */
        public Allocation(String id, long nodeId, String status, Integer exitCode, String jobId, String group, Integer index, String desired,
                          String message, int attempt, long jobVersion, String startedAt, String finishedAt) {
            this(id, nodeId, status, exitCode, jobId, group, index, desired, message, attempt, jobVersion, startedAt, finishedAt, List.of(), 0);
        }

        /** {@code GET /v1/allocations/{id}}'s answer. */
        public static Allocation of(JsonNode n) {
            return from(n);
        }

        static Allocation from(JsonNode n) {
            return new Allocation(J.str(n, "id"), J.lng(n, "node_id", 0), J.str(n, "status"), J.intOrNull(n, "exit_code"), J.str(n, "job_id"),
                    J.str(n, "group"), J.intOrNull(n, "index"), J.str(n, "desired"), J.str(n, "message"), (int) J.lng(n, "attempt", 0),
                    J.lng(n, "job_version", 0), J.str(n, "started_at"), J.str(n, "finished_at"), J.list(n, "events", AllocEvent::from),
                    J.lng(n, "events_total", 0));
        }

        /** The newest event, or null. */
        public AllocEvent latestEvent() {
            return events.isEmpty() ? null : events.getLast();
        }

        String slot() {
            return group == null || index == null ? "alloc:" + id : group + "#" + index;
        }
    }

    /** Why some of a group's allocations could not be placed: {@code filtered} counts nodes per reason, in the server's order. */
    public record Failure(String group, long unplaced, @JsonProperty("nodes_evaluated") long nodesEvaluated, Map<String, Long> filtered) {
        public Failure {
            filtered = filtered == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(filtered));
        }

        static Failure from(JsonNode n) {
            return new Failure(J.str(n, "group"), J.lng(n, "unplaced", 0), J.lng(n, "nodes_evaluated", 0), J.longMap(n, "filtered"));
        }
    }

    /** Also the constructor Jackson reads the answer with ({@link MusterClient#jobStreamed}): lists are never null. */
    public JobStatus {
        results = results == null ? null : Collections.unmodifiableMap(new LinkedHashMap<>(results));
        allocations = allocations == null ? List.of() : List.copyOf(allocations);
        failures = failures == null ? List.of() : List.copyOf(failures);
    }

    public static JobStatus from(JsonNode n) {
        return new JobStatus(J.str(n, "id"), J.str(n, "type"), J.lng(n, "version", 0), J.str(n, "status"), J.str(n, "submitted_at"),
                J.str(n, "next_eval_at"), List.copyOf(J.list(n, "allocations", Allocation::from)), List.copyOf(J.list(n, "failures", Failure::from)),
                OperationView.from(n.get("operation")), OperationView.resultsFrom(n.get("results")), n);
    }

    /** An operation job ({@code type: operation}): it ends complete, failed or cancelled, and has no allocations. */
    public boolean operationJob() {
        return "operation".equals(type) || operation != null;
    }

    /** Service and system jobs run until stopped; batch and one-shot jobs run to completion. */
    public boolean longRunning() {
        return "service".equals(type) || "system".equals(type);
    }

    public boolean hasPlacementFailures() {
        return failures.stream().anyMatch(f -> f.unplaced() > 0);
    }

    /**
     * The newest allocation of each slot (group and index) that is meant to run: the list holds every version and
     * every reschedule in creation order, and only the latest attempt says how a slot is doing.
     */
    public List<Allocation> latestPerSlot() {
        Map<String, Allocation> latest = new LinkedHashMap<>();
        for (Allocation a : allocations) if (a.desired() == null || "run".equals(a.desired())) latest.put(a.slot(), a);
        return List.copyOf(latest.values());
    }

    private boolean nothingPending() {
        return latestPerSlot().stream().allMatch(a -> SETTLED_ALLOC.contains(a.status()));
    }

    /**
     * Nothing more will happen without outside change: the job ended (batch jobs end complete or failed, any job
     * can be stopped, an operation ends complete, failed or cancelled, as the job or its operation section says,
     * and no placement question ends it); or (services) every slot's allocation is running or dead; or some allocations could not
     * be placed and none is still starting.
     */
    @JsonIgnore // derived here, not a field of the answer
    public boolean isTerminal() {
        if (operationJob()) return TERMINAL_JOB.contains(status) || operation != null && TERMINAL_OPERATION.contains(operation.status());
        if (TERMINAL_JOB.contains(status)) return true;
        if (hasPlacementFailures() && nothingPending()) return true;
        return longRunning() && !latestPerSlot().isEmpty() && nothingPending();
    }

    /**
     * Every allocation succeeded and every one was placed. Batch: the server's "complete", which means each slot's
     * final attempt completed. Services: each slot's allocation is running. Operations: the server's "complete" (the
     * operation section's while the job's own status has not caught up).
     */
    public boolean succeeded() {
        if (operationJob())
            return TERMINAL_JOB.contains(status) ? "complete".equals(status) : operation != null && "complete".equals(operation.status());
        if (hasPlacementFailures() || "failed".equals(status) || "stopped".equals(status) || allocations.isEmpty()) return false;
        if (!longRunning()) return "complete".equals(status);
        List<Allocation> latest = latestPerSlot();
        return !latest.isEmpty() && latest.stream().allMatch(a -> "running".equals(a.status()));
    }

    /** Allocation count per status, in first-seen order. */
    public Map<String, Integer> countsByStatus() {
        Map<String, Integer> out = new LinkedHashMap<>();
        for (Allocation a : allocations) out.merge(String.valueOf(a.status()), 1, Integer::sum);
        return out;
    }
}
