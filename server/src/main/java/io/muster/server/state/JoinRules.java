package io.muster.server.state;

import io.muster.server.state.Records.JoinTokenRecord;
import io.muster.server.state.Records.NodeRecord;
import io.muster.types.state.NodeStatus;
import java.util.Optional;

/**
 * What a registration's join token must satisfy. Shared by the applier (authoritative, at the command's
 * proposed time) and the server that receives the registration (a pre-check at its own clock, so that a token
 * that cannot work costs no Raft entry). Pure functions of their arguments.
 */
public final class JoinRules {
    private JoinRules() {}

    /** Why a registration is refused: a stable code (the {@code CommandResult} error code) and one line naming the token id. */
    public record Refusal(String code, String message) {}

    /**
     * A retry of a registration that already committed (same key, same token; the worker never saw the answer):
     * it is the same registration and needs no further use of the token, so the rules below do not apply to it.
     */
    public static boolean isRetry(JoinTokenRecord token, NodeRecord sameKey) {
        return sameKey != null && sameKey.tokenId().equals(token.id()) && sameKey.state() != NodeStatus.REVOKED;
    }

    /** Why {@code token} cannot take one more use at {@code nowMs}, if it cannot. */
    public static Optional<Refusal> refusal(JoinTokenRecord token, long nowMs) {
        if (token.revoked()) return Optional.of(new Refusal("TOKEN_REVOKED", "join token " + token.id() + " was revoked"));
        if (nowMs >= token.expiresAt()) return Optional.of(new Refusal("TOKEN_EXPIRED", "join token " + token.id() + " has expired"));
        if (token.exhausted())
            return Optional.of(new Refusal("TOKEN_EXHAUSTED", "join token " + token.id() + " has no uses left (max " + token.maxUses() + ")"));
        return Optional.empty();
    }
}
