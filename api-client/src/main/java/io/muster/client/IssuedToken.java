package io.muster.client;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code POST /v1/node/tokens}: a new worker join token, the servers' worker addresses (as data, for tools that write a
 * worker config), the labels it allows and the command line that uses them. The server writes its answer from this
 * record; {@code json} is the answer as received and never written.
 */
public record IssuedToken(String token, @JsonProperty("token_id") String tokenId, @JsonProperty("expires_at") String expiresAt,
                          @JsonProperty("max_uses") int maxUses, List<String> servers, Map<String, String> labels,
                          @JsonProperty("join_command") String joinCommand, @JsonIgnore JsonNode json) {

    public static IssuedToken from(JsonNode n) {
        List<String> servers = new ArrayList<>();
        n.path("servers").forEach(s -> servers.add(s.asText()));
        return new IssuedToken(J.str(n, "token"), J.str(n, "token_id"), J.str(n, "expires_at"), (int) J.lng(n, "max_uses", 0),
                List.copyOf(servers), java.util.Collections.unmodifiableMap(J.strMap(n, "labels")), J.str(n, "join_command"), n);
    }

    /** The token (and the join command, which embeds it) are bearer secrets. */
    @Override
    public String toString() {
        return "IssuedToken[tokenId=" + tokenId + ", expiresAt=" + expiresAt + ", maxUses=" + maxUses + ", token=<redacted>]";
    }
}
