package io.muster.client;

import com.fasterxml.jackson.databind.JsonNode;

/** {@code POST /v1/acl/bootstrap}: the management token, shown once. */
public record AclToken(String accessorId, String secretId, String type, JsonNode json) {

    public static AclToken from(JsonNode n) {
        return new AclToken(J.str(n, "accessor_id"), J.str(n, "secret_id"), J.str(n, "type"), n);
    }

    /** The secret is a credential: never in logs or exception messages. */
    @Override
    public String toString() {
        return "AclToken[accessorId=" + accessorId + ", type=" + type + ", secretId=<redacted>]";
    }
}
