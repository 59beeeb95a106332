package io.muster.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A worker node from {@code GET /v1/nodes} or {@code GET /v1/nodes/{id}}; {@code allocations} is filled only
 * by the latter. {@code state} is one of initializing, ready, draining, down, revoked; {@code drain} is the
 * drain state ("none", "draining", ...).
 */
public record Node(String id, String state, boolean eligible, Map<String, String> labels, String os, String arch,
                   String lastHeartbeat, Long ttlSecs, String drain, String hostname, List<String> drivers, Long cpuMhz,
                   Long memoryMb, Integer allocs, List<Allocation> allocations, JsonNode json) {

    /** An allocation placed on this node. */
    public record Allocation(String id, String jobId, String group, String status, Integer exitCode) {
        static Allocation from(JsonNode n) {
            return new Allocation(J.str(n, "id"), J.str(n, "job_id"), J.str(n, "group"), J.str(n, "status"), J.intOrNull(n, "exit_code"));
        }
    }

    public static Node from(JsonNode n) {
        JsonNode allocs = J.at(n, "allocs");
        return new Node(J.str(n, "id"), J.str(n, "state"), J.bool(n, "eligible"), Map.copyOf(J.strMap(n, "labels")), J.str(n, "os"),
                J.str(n, "arch"), J.str(n, "last_heartbeat"), J.lngOrNull(n, "ttl_secs"), drain(J.at(n, "drain")),
                J.str(n, "hostname"), drivers(J.at(n, "drivers")), J.lngOrNull(n, "cpu_mhz"), J.lngOrNull(n, "memory_mb"),
                allocs.isArray() ? Integer.valueOf(allocs.size()) : J.intOrNull(n, "allocs"),
                List.copyOf(J.list(n, "allocations", Allocation::from)), n);
    }

    public boolean draining() {
        return drain != null && !drain.equals("none");
    }

    /** Text as sent; a boolean or an object (older or richer servers) becomes "draining" or "none". */
    private static String drain(JsonNode d) {
        if (d.isBoolean()) return d.booleanValue() ? "draining" : "none";
        if (d.isObject()) return "draining";
        return d.isMissingNode() || d.isNull() || d.asText().isEmpty() ? null : d.asText();
    }

    /** Drivers come as a list of names or as a map of name to details; either way, the names. */
    private static List<String> drivers(JsonNode d) {
        List<String> out = new ArrayList<>();
        if (d.isArray()) d.forEach(e -> out.add(e.isObject() ? String.valueOf(J.str(e, "name")) : e.asText()));
        else if (d.isObject()) d.fieldNames().forEachRemaining(out::add);
        return List.copyOf(out);
    }
}
