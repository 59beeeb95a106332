package io.muster.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.TreeMap;

/**
 * A {@code POST /v1/node/tokens} body with the API's defaults. Read in one place because both the ACL
 * guard (node-provisioner bounds) and the handler must see the same values.
 */
record JoinTokenRequest(long validForSecs, int maxUses, Map<String, String> labels, String description) {
    static final long DEFAULT_VALID_FOR_SECS = 86_400;

    static JoinTokenRequest from(JsonNode b) {
        long validFor = b.path("valid_for_secs").asLong(DEFAULT_VALID_FOR_SECS);
        int maxUses = b.has("max_uses") ? b.get("max_uses").asInt(-1) : 1;
        Map<String, String> labels = new TreeMap<>();
        b.path("labels").fields().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
        return new JoinTokenRequest(validFor, maxUses, labels, b.path("description").asText(""));
    }
}
