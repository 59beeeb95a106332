package io.muster.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code GET /v1/jobs/{id}} (also the answer to a submit): the job, its allocations and placement failures.
 * Job status is one of pending, running, complete, failed, stopped.
 */
public record JobStatus(String id, String type, long version, String status, List<Allocation> allocations, List<Failure> failures,
                        JsonNode json) {
    private static final Set<String> TERMINAL_JOB = Set.of("complete", "failed", "stopped");
    private static final Set<String> SETTLED_ALLOC = Set.of("running", "complete", "failed", "lost", "stopped");

    public record Allocation(String id, String nodeId, String status, Integer exitCode, String group, Integer index, String message) {
        static Allocation from(JsonNode n) {
            return new Allocation(J.str(n, "id"), J.str(n, "node_id"), J.str(n, "status"), J.intOrNull(n, "exit_code"), J.str(n, "group"),
                    J.intOrNull(n, "index"), J.str(n, "message"));
        }
    }

    /** Why some of a group's allocations could not be placed: {@code filtered} counts nodes per reason. */
    public record Failure(String group, long unplaced, long nodesEvaluated, Map<String, Long> filtered) {
        static Failure from(JsonNode n) {
            return new Failure(J.str(n, "group"), J.lng(n, "unplaced", 0), J.lng(n, "nodes_evaluated", 0), Map.copyOf(J.longMap(n, "filtered")));
        }
    }

    public static JobStatus from(JsonNode n) {
        return new JobStatus(J.str(n, "id"), J.str(n, "type"), J.lng(n, "version", 0), J.str(n, "status"),
                List.copyOf(J.list(n, "allocations", Allocation::from)), List.copyOf(J.list(n, "failures", Failure::from)), n);
    }

    /** Service and system jobs run until stopped; batch and one-shot jobs run to completion. */
    public boolean longRunning() {
        return "service".equals(type) || "system".equals(type);
    }

    public boolean hasPlacementFailures() {
        return failures.stream().anyMatch(f -> f.unplaced() > 0);
    }

    private boolean nothingPending() {
        return allocations.stream().allMatch(a -> SETTLED_ALLOC.contains(a.status()));
    }

    /**
     * Nothing more will happen without outside change: the job itself ended; or (services) every allocation
     * is running or dead; or some allocations could not be placed and none is still starting.
     */
    public boolean isTerminal() {
        if (TERMINAL_JOB.contains(status)) return true;
        if (hasPlacementFailures() && nothingPending()) return true;
        return longRunning() && !allocations.isEmpty() && nothingPending();
    }

    /** Every allocation succeeded (completed with exit 0, or running for services) and every one was placed. */
    public boolean succeeded() {
        if (allocations.isEmpty() || hasPlacementFailures() || "failed".equals(status) || "stopped".equals(status)) return false;
        if (longRunning()) return allocations.stream().allMatch(a -> "running".equals(a.status()));
        return allocations.stream().allMatch(a -> "complete".equals(a.status()) && (a.exitCode() == null || a.exitCode() == 0));
    }

    /** Allocation count per status, in first-seen order. */
    public Map<String, Integer> countsByStatus() {
        Map<String, Integer> out = new LinkedHashMap<>();
        for (Allocation a : allocations) out.merge(String.valueOf(a.status()), 1, Integer::sum);
        return out;
    }
}
