package io.muster.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;

/** One entry of {@code GET /v1/node/tokens}: bookkeeping only, never the secret. {@code maxUses} 0 is unlimited. */
public record JoinTokenInfo(String tokenId, String expiresAt, int maxUses, int uses, Map<String, String> labels, boolean revoked,
                            String createdAt, String description, JsonNode json) {

    public static JoinTokenInfo from(JsonNode n) {
        return new JoinTokenInfo(J.str(n, "token_id"), J.str(n, "expires_at"), (int) J.lng(n, "max_uses", 0), (int) J.lng(n, "uses", 0),
                Map.copyOf(J.strMap(n, "labels")), J.bool(n, "revoked"), J.str(n, "created_at"), J.str(n, "description"), n);
    }
}
