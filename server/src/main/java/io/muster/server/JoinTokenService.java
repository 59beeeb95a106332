package io.muster.server;

import io.muster.pki.token.JoinTokens;
import io.muster.pki.token.TokenClaims;
import io.muster.proto.raft.Command;
import io.muster.proto.raft.CreateJoinToken;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Issues join tokens: signs the claims with the cluster's token key and records the token (id,
 * expiry, uses) in the replicated state, so use counts hold across servers and leader changes.
 */
public final class JoinTokenService {
    public static final Duration DEFAULT_VALIDITY = Duration.ofSeconds(86_400);
    public static final Duration MAX_VALIDITY = Duration.ofDays(365);

    public record IssuedToken(String token, String tokenId, Instant expiresAt, int maxUses) {
        @Override
        public String toString() {
            return "IssuedToken[" + tokenId + ", expires " + expiresAt + ", max uses " + maxUses + "]"; // never the token
        }
    }

    private final ServerSecurity security;
    private final Proposer proposer;
    private final java.time.Clock clock;

    public JoinTokenService(ServerSecurity security, Proposer proposer, java.time.Clock clock) {
        this.security = security;
        this.proposer = proposer;
        this.clock = clock;
    }

    public CompletableFuture<IssuedToken> create(Duration validFor, int maxUses, Map<String, String> labels, String description) {
        if (validFor.isNegative() || validFor.isZero() || validFor.compareTo(MAX_VALIDITY) > 0)
            return CompletableFuture.failedFuture(new IllegalArgumentException("valid_for: must be between 1 second and " + MAX_VALIDITY.toDays() + " days"));
        if (maxUses < 0) return CompletableFuture.failedFuture(new IllegalArgumentException("max_uses: must be >= 0 (0 = unlimited)"));
        var material = security.material();
        if (material.isEmpty()) return CompletableFuture.failedFuture(new IllegalStateException("the cluster identity is not initialized yet"));
        var m = material.get();
        TokenClaims claims;
        try {
            claims = TokenClaims.create(m.clusterId(), clock.instant(), validFor, labels, m.caPin());
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("labels: " + e.getMessage()));
        }
        String token = JoinTokens.encode(claims, m.tokenKey());
        return proposer.propose(Command.newBuilder().setCreateJoinToken(CreateJoinToken.newBuilder()
                .setTokenId(claims.tokenId()).setExpiresUnixMs(claims.expiresAt().toEpochMilli()).setMaxUses(maxUses)
                .putAllLabels(labels).setCreatedUnixMs(clock.millis()).setDescription(description == null ? "" : description)))
                .thenApply(r -> {
                    if (!r.getOk()) throw new CompletionException(new IllegalStateException(r.getError()));
                    return new IssuedToken(token, claims.tokenId(), claims.expiresAt(), maxUses);
                });
    }
}
