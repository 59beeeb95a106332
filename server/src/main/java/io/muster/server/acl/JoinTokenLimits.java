package io.muster.server.acl;

import java.util.Optional;

/**
 * The bounds on worker join tokens that a policy may mint. A node-provisioner token typically lives in a
 * provisioning pipeline, so the tokens it mints stay small: at most {@code maxUses} workers each (never
 * 0 = unlimited) and valid for at most {@code maxValidForSecs}.
 */
public record JoinTokenLimits(int maxUses, long maxValidForSecs) {
    /** 100 workers per token, one day: enough for a provisioning batch, small enough to bound a leak. */
    public static final JoinTokenLimits PROVISIONER = new JoinTokenLimits(100, 86_400);

    /** The first bound the request breaks, as "field: why", or empty when it is within bounds. */
    public Optional<String> violation(long validForSecs, int maxUses) {
        if (maxUses == 0) return Optional.of("max_uses must be between 1 and " + this.maxUses + " (0 = unlimited is not allowed)");
        if (maxUses < 1 || maxUses > this.maxUses) return Optional.of("max_uses must be between 1 and " + this.maxUses + ", got " + maxUses);
        if (validForSecs > maxValidForSecs) return Optional.of("valid_for must be at most " + maxValidForSecs + " seconds, got " + validForSecs);
        return Optional.empty();
    }
}
