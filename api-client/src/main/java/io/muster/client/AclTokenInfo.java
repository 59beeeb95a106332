package io.muster.client;

import com.fasterxml.jackson.databind.JsonNode;

/** One entry of {@code GET /v1/acl/tokens}: who may do what, never the secret. */
public record AclTokenInfo(String accessorId, String policy, String description, String createdAt, JsonNode json) {

    public static AclTokenInfo from(JsonNode n) {
        return new AclTokenInfo(J.str(n, "accessor_id"), J.str(n, "policy"), J.str(n, "description"), J.str(n, "created_at"), n);
    }
}
