package io.muster.client;

import com.fasterxml.jackson.databind.JsonNode;

/** {@code POST /v1/node/tokens}: a new worker bootstrap token and the command line that uses it. */
public record IssuedToken(String token, String tokenId, String expiresAt, int maxUses, String joinCommand, JsonNode json) {

    public static IssuedToken from(JsonNode n) {
        return new IssuedToken(J.str(n, "token"), J.str(n, "token_id"), J.str(n, "expires_at"), (int) J.lng(n, "max_uses", 0),
                J.str(n, "join_command"), n);
    }

    /** The token (and the join command, which embeds it) are bearer secrets. */
    @Override
    public String toString() {
        return "IssuedToken[tokenId=" + tokenId + ", expiresAt=" + expiresAt + ", maxUses=" + maxUses + ", token=<redacted>]";
    }
}
