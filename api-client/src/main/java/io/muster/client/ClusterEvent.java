package io.muster.client;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One line of {@code GET /v1/events}: a state change ({@code topic} set: Job, Node, Allocation, Deployment, Operation), or
 * a control line ({@code topic} null, {@code type} one of {@code heartbeat}, {@code gap}, {@code lagged}). {@code index}
 * is where to resume after this line ({@code ?index=}). {@code json} is the line as the server sent it.
 */
public record ClusterEvent(long index, String topic, String type, String key, String jobId, Long nodeId, JsonNode payload, JsonNode json) {
    public static final String HEARTBEAT = "heartbeat";
    public static final String GAP = "gap";
    public static final String LAGGED = "lagged";

    public static ClusterEvent from(JsonNode n) {
        JsonNode node = n.get("node_id");
        return new ClusterEvent(n.path("index").asLong(), J.str(n, "topic"), J.str(n, "type"), J.str(n, "key"), J.str(n, "job_id"),
                node == null || node.isNull() ? null : node.asLong(), n.get("payload"), n);
    }

    /** A state change rather than a heartbeat, gap or lagged line. */
    public boolean isChange() {
        return topic != null;
    }

    /** For a gap: the first index the server could replay; otherwise 0. */
    public long oldestIndex() {
        return json.path("oldest_index").asLong();
    }

    /** For a gap or lagged line: why. */
    public String reason() {
        return J.str(json, "reason");
    }
}
