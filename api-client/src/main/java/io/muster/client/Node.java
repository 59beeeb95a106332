package io.muster.client;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A worker node from {@code GET /v1/nodes} or {@code GET /v1/nodes/{id}}; {@code allocations} is filled only
 * by the latter (null in the list). {@code state} is one of initializing, ready, draining, down, revoked; {@code drain} is the
 * drain state ("none", "draining", ...). Times are ISO-8601 instants as text.
 *
 * <p>The server writes its node answers from this record (the names are the JSON's), so the client and the server
 * share one shape. {@code drainDeadline}, {@code certNotAfter}, {@code revokedReason} and {@code allocations} are
 * left out of the JSON when null; {@code json} is the answer as received and never written.
 */
public record Node(long id, String state, boolean eligible, Map<String, String> labels, String os, String arch,
                   @JsonProperty("last_heartbeat") String lastHeartbeat, @JsonProperty("ttl_secs") Long ttlSecs, String drain,
                   String hostname, List<String> drivers, @JsonProperty("cpu_mhz") Long cpuMhz, @JsonProperty("memory_mb") Long memoryMb,
                   Integer allocs, @JsonProperty("registered_at") String registeredAt, @JsonProperty("state_changed_at") String stateChangedAt,
                   @JsonProperty("cpu_cores") Integer cpuCores, String version,
                   @JsonProperty("drain_deadline") @JsonInclude(JsonInclude.Include.NON_NULL) String drainDeadline,
                   @JsonProperty("cert_not_after") @JsonInclude(JsonInclude.Include.NON_NULL) String certNotAfter,
                   @JsonProperty("revoked_reason") @JsonInclude(JsonInclude.Include.NON_NULL) String revokedReason,
                   @JsonInclude(JsonInclude.Include.NON_NULL) List<Allocation> allocations,
                   @JsonIgnore JsonNode json) {

    /** An allocation placed on this node (the detail answer carries more fields; these are the ones read here). */
    public record Allocation(String id, @JsonProperty("job_id") String jobId, String group, String status,
                             @JsonProperty("exit_code") Integer exitCode) {
        static Allocation from(JsonNode n) {
            return new Allocation(J.str(n, "id"), J.str(n, "job_id"), J.str(n, "group"), J.str(n, "status"), J.intOrNull(n, "exit_code"));
        }
    }

    public static Node from(JsonNode n) {
        JsonNode allocs = J.at(n, "allocs");
        return new Node(J.lng(n, "id", 0), J.str(n, "state"), J.bool(n, "eligible"), Map.copyOf(J.strMap(n, "labels")), J.str(n, "os"),
                J.str(n, "arch"), J.str(n, "last_heartbeat"), J.lngOrNull(n, "ttl_secs"), drain(J.at(n, "drain")),
                J.str(n, "hostname"), drivers(J.at(n, "drivers")), J.lngOrNull(n, "cpu_mhz"), J.lngOrNull(n, "memory_mb"),
                allocs.isArray() ? Integer.valueOf(allocs.size()) : J.intOrNull(n, "allocs"), J.str(n, "registered_at"),
                J.str(n, "state_changed_at"), J.intOrNull(n, "cpu_cores"), J.str(n, "version"), J.str(n, "drain_deadline"),
                J.str(n, "cert_not_after"), J.str(n, "revoked_reason"),
                J.at(n, "allocations").isArray() ? List.copyOf(J.list(n, "allocations", Allocation::from)) : null, n);
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
