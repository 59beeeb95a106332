package io.muster.server.api;

import io.muster.pki.Secrets;
import io.muster.proto.raft.AclBootstrap;
import io.muster.proto.raft.Command;
import io.muster.server.ServerContext;
import io.muster.server.ServerSecurity;
import io.vertx.core.Handler;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Operator authentication. Outside dev mode every API call carries a management token (header
 * {@code X-Muster-Token} or {@code Authorization: Bearer}); tokens are stored as SHA-256 hashes in the
 * replicated state, so any server checks them and none can reveal them.
 */
final class AclApi implements Routes {
    static final String HEADER = "x-muster-token";
    private final ServerContext sc;

    AclApi(ServerContext sc) {
        this.sc = sc;
    }

    @Override
    public void mount(Router r) {
        r.post("/v1/acl/bootstrap").handler(this::bootstrap);
    }

    /** Checks the caller's token before any other handler (no-op in dev mode). */
    Handler<RoutingContext> guard() {
        return ctx -> {
            String path = ctx.normalizedPath();
            if (sc.config().dev() || !path.startsWith("/v1/") || path.equals("/v1/acl/bootstrap") || path.equals("/v1/health")) {
                ctx.next();
                return;
            }
            String token = ctx.request().getHeader(HEADER);
            String auth = ctx.request().getHeader("authorization");
            if ((token == null || token.isBlank()) && auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) token = auth.substring(7).trim();
            if (token == null || token.isBlank()) {
                Http.error(ctx, 401, "ACL_TOKEN_MISSING", sc.state().aclBootstrapped()
                        ? "this API needs an ACL token: set MUSTER_ACL_TOKEN (or pass --acl-token)"
                        : "ACLs are not bootstrapped yet: run 'muster acl bootstrap' once for this cluster");
                return;
            }
            if (sc.state().aclTokenByHash(ServerSecurity.hashSecret(token)).isEmpty()) {
                Http.error(ctx, 403, "ACL_TOKEN_INVALID", "the ACL token is not valid for this cluster");
                return;
            }
            ctx.next();
        };
    }

    private void bootstrap(RoutingContext ctx) {
        if (sc.config().dev()) {
            Http.error(ctx, 400, "ACL_DISABLED", "dev mode has no ACLs: every call is allowed");
            return;
        }
        if (sc.state().aclBootstrapped()) {
            Http.error(ctx, 409, "ACL_ALREADY_BOOTSTRAPPED", "ACLs were already bootstrapped for this cluster");
            return;
        }
        String secret = Secrets.newSecret();
        String accessor = UUID.randomUUID().toString();
        sc.proposer().propose(Command.newBuilder().setAclBootstrap(AclBootstrap.newBuilder()
                .setAccessorId(accessor).setSecretSha256(ServerSecurity.hashSecret(secret)))).whenComplete((r, e) -> {
            if (e != null) Http.failure(ctx, e);
            else if (!r.getOk()) Http.rejected(ctx, r);
            else {
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("accessor_id", accessor);
                body.put("secret_id", secret); // shown once, stored only as a hash
                body.put("type", "management");
                Http.ok(ctx, body);
            }
        });
    }
}
