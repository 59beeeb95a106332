package io.muster.client;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * {@code POST /v1/node/tokens}: a new worker join token, the servers' worker addresses (as data, for tools that write a
 * worker config) and the command line that uses them.
 */
public record IssuedToken(String token, String tokenId, String expiresAt, int maxUses, java.util.List<String> servers, String joinCommand,
                          JsonNode json) {

    public static IssuedToken from(JsonNode n) {
        java.util.List<String> servers = new java.util.ArrayList<>();
        n.path("servers").forEach(s -> servers.add(s.asText()));
        return new IssuedToken(J.str(n, "token"), J.str(n, "token_id"), J.str(n, "expires_at"), (int) J.lng(n, "max_uses", 0),
                java.util.List.copyOf(servers), J.str(n, "join_command"), n);
    }

    /** The token (and the join command, which embeds it) are bearer secrets. */
    @Override
    public String toString() {
        return "IssuedToken[tokenId=" + tokenId + ", expiresAt=" + expiresAt + ", maxUses=" + maxUses + ", token=<redacted>]";
    }
}
