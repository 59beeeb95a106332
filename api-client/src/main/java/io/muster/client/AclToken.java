package io.muster.client;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A new ACL token, secret included, as {@code POST /v1/acl/bootstrap} or {@code POST /v1/acl/tokens}
 * answer it: the only time the secret is shown. Bootstrap answers {@code type} too; both carry {@code policy}.
 */
public record AclToken(String accessorId, String secretId, String policy, String description, String createdAt, JsonNode json) {

    public static AclToken from(JsonNode n) {
        String policy = J.str(n, "policy");
        return new AclToken(J.str(n, "accessor_id"), J.str(n, "secret_id"), policy != null ? policy : J.str(n, "type"),
                J.str(n, "description"), J.str(n, "created_at"), n);
    }

    /** The secret is a credential: never in logs or exception messages. */
    @Override
    public String toString() {
        return "AclToken[accessorId=" + accessorId + ", policy=" + policy + ", secretId=<redacted>]";
    }
}
