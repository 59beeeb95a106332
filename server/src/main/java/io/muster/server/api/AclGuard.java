package io.muster.server.api;

import io.muster.server.ServerSecurity;
import io.muster.server.acl.AclPolicy;
import io.muster.server.acl.Permission;
import io.muster.server.state.Records.AclTokenRecord;
import io.muster.server.state.Snapshots;
import io.muster.types.config.ServerConfig;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import java.util.Optional;

/**
 * Checks the caller's token and its policy before any other handler (a no-op in dev mode). It runs on
 * whichever server receives the call, against the replicated tokens, before a follower proxies or
 * redirects to the leader; the leader checks the forwarded token again.
 */
final class AclGuard implements Handler<RoutingContext> {
    static final String HEADER = "x-muster-token";
    /** The caller's policy, for {@link #bodyChecks()}. */
    private static final String POLICY = "muster.acl.policy";
    private final ServerConfig config;
    private final Snapshots snapshots;

    AclGuard(ServerConfig config, Snapshots snapshots) {
        this.config = config;
        this.snapshots = snapshots;
    }

    @Override
    public void handle(RoutingContext ctx) {
        String path = ctx.normalizedPath();
        if (config.dev() || !path.startsWith("/v1/")) {
            ctx.next();
            return;
        }
        Permission need = AccessTable.permission(ctx.request().method(), path);
        if (need == Permission.PUBLIC || need == Permission.METRICS_READ && config.metrics().publicEndpoint()) {
            ctx.next();
            return;
        }
        String token = token(ctx);
        if (token == null) {
            Http.error(ctx, 401, "ACL_TOKEN_MISSING", snapshots.snapshot().aclBootstrapped()
                    ? "this API needs an ACL token: set MUSTER_ACL_TOKEN (or pass --acl-token)"
                    : "ACLs are not bootstrapped yet: run 'muster acl bootstrap' once for this cluster");
            return;
        }
        Optional<AclTokenRecord> caller = snapshots.snapshot().aclTokenByHash(ServerSecurity.hashSecret(token));
        if (caller.isEmpty()) {
            Http.error(ctx, 403, "ACL_TOKEN_INVALID", "the ACL token is not valid for this cluster");
            return;
        }
        AclPolicy policy = caller.get().policy();
        String what = ctx.request().method() + " " + ctx.request().path();
        if (!policy.allows(need)) {
            Http.error(ctx, 403, "ACL_PERMISSION_DENIED", "policy " + policy + " does not allow " + need + " (" + what + ")");
            return;
        }
        ctx.put(POLICY, policy);
        ctx.next();
    }

    /**
     * The checks that need the request body (a node-provisioner's join-token bounds): mounted after the body handler,
     * which itself runs only for callers this guard let through, so a refused caller's body is never read.
     */
    static Handler<RoutingContext> bodyChecks() {
        return ctx -> {
            AclPolicy policy = ctx.get(POLICY);
            if (policy != null && policy.joinTokenLimits().isPresent()
                    && AccessTable.permission(ctx.request().method(), ctx.normalizedPath()) == Permission.TOKEN_CREATE) {
                JoinTokenRequest req = JoinTokenRequest.from(Http.body(ctx));
                Optional<String> bad = policy.joinTokenLimits().get().violation(req.validForSecs(), req.maxUses());
                if (bad.isPresent()) {
                    Http.error(ctx, 403, "ACL_PERMISSION_DENIED", "policy " + policy + ": " + bad.get() + " ("
                            + ctx.request().method() + " " + ctx.request().path() + ")");
                    return;
                }
            }
            ctx.next();
        };
    }

    /** The policy of the caller this guard let through; null in dev mode (no ACL) and for public routes. */
    static AclPolicy policy(RoutingContext ctx) {
        return ctx.get(POLICY);
    }

    /** From {@code X-Muster-Token}, else {@code Authorization: Bearer}; null when neither is set. */
    static String token(RoutingContext ctx) {
        String token = ctx.request().getHeader(HEADER);
        String auth = ctx.request().getHeader("authorization");
        if ((token == null || token.isBlank()) && auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) token = auth.substring(7).trim();
        return token == null || token.isBlank() ? null : token;
    }
}
