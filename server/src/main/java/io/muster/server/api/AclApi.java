package io.muster.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.muster.pki.Secrets;
import io.muster.proto.raft.AclBootstrap;
import io.muster.proto.raft.Command;
import io.muster.proto.raft.CreateAclToken;
import io.muster.proto.raft.RevokeAclToken;
import io.muster.server.Proposer;
import io.muster.server.ServerSecurity;
import io.muster.server.acl.AclPolicy;
import io.muster.server.state.Records.AclTokenRecord;
import io.muster.server.state.Snapshots;
import io.muster.types.config.ServerConfig;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Operator tokens. Outside dev mode every API call carries a token (header {@code X-Muster-Token} or
 * {@code Authorization: Bearer}) whose policy {@link AclGuard} checks; tokens are stored as SHA-256 hashes
 * in the replicated state, so any server checks them and none can reveal them. A secret is generated here
 * and shown once, in the answer that creates it.
 */
public final class AclApi implements Routes {
    static final int MAX_DESCRIPTION = 256;
    private final ServerConfig config;
    private final Snapshots snapshots;
    private final Proposer proposer;
    private final Clock clock;

    public AclApi(ServerConfig config, Snapshots snapshots, Proposer proposer, Clock clock) {
        this.config = config;
        this.snapshots = snapshots;
        this.proposer = proposer;
        this.clock = clock;
    }

    @Override
    public void mount(Router r) {
        r.post("/v1/acl/bootstrap").handler(this::bootstrap);
        r.post("/v1/acl/tokens").handler(this::create);
        r.get("/v1/acl/tokens").handler(this::list);
        r.delete("/v1/acl/tokens/:accessor_id").handler(this::revoke);
    }

    private boolean disabled(RoutingContext ctx) {
        if (!config.dev()) return false;
        Http.error(ctx, 400, "ACL_DISABLED", "dev mode has no ACLs: every call is allowed");
        return true;
    }

    private void bootstrap(RoutingContext ctx) {
        if (disabled(ctx)) return;
        if (snapshots.snapshot().aclBootstrapped()) {
            Http.error(ctx, 409, "ACL_ALREADY_BOOTSTRAPPED", "ACLs were already bootstrapped for this cluster");
            return;
        }
        String secret = Secrets.newSecret();
        String accessor = UUID.randomUUID().toString();
        proposer.propose(Command.newBuilder().setAclBootstrap(AclBootstrap.newBuilder()
                .setAccessorId(accessor).setSecretSha256(ServerSecurity.hashSecret(secret)))).whenComplete((r, e) -> {
            if (e != null) Http.failure(ctx, e);
            else if (!r.getOk()) Http.rejected(ctx, r);
            else {
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("accessor_id", accessor);
                body.put("secret_id", secret); // shown once, stored only as a hash
                body.put("type", "management");
                body.put("policy", AclPolicy.MANAGEMENT.wireName());
                Http.ok(ctx, body);
            }
        });
    }

    private void create(RoutingContext ctx) {
        if (disabled(ctx)) return;
        JsonNode b = Http.body(ctx);
        AclPolicy policy = AclPolicy.parse(b.path("policy").asText("")).orElseThrow(() ->
                new ApiException(400, "BAD_REQUEST", "policy: one of " + AclPolicy.names() + " is required"));
        String description = b.path("description").asText("");
        if (description.length() > MAX_DESCRIPTION) throw new ApiException(400, "BAD_REQUEST", "description: at most " + MAX_DESCRIPTION + " characters");
        String secret = Secrets.newSecret();
        String accessor = UUID.randomUUID().toString();
        long now = clock.millis();
        // Applied here before answering: the new token then works at once on the server that issued it.
        proposer.proposeAndApply(Command.newBuilder().setCreateAclToken(CreateAclToken.newBuilder().setAccessorId(accessor)
                .setSecretSha256(ServerSecurity.hashSecret(secret)).setPolicy(policy.wireName()).setDescription(description)
                .setCreatedUnixMs(now)), snapshots).whenComplete((r, e) -> {
            if (e != null) Http.failure(ctx, e);
            else if (!r.getOk()) Http.rejected(ctx, r);
            else {
                Map<String, Object> body = view(new AclTokenRecord(accessor, "", policy, description, now));
                body.put("secret_id", secret); // shown once, stored only as a hash
                Http.ok(ctx, body);
            }
        });
    }

    private void list(RoutingContext ctx) {
        if (disabled(ctx)) return;
        Http.ok(ctx, snapshots.snapshot().aclTokens().stream().map(AclApi::view).toList());
    }

    private void revoke(RoutingContext ctx) {
        if (disabled(ctx)) return;
        String id = ctx.pathParam("accessor_id");
        proposer.proposeAndApply(Command.newBuilder().setRevokeAclToken(RevokeAclToken.newBuilder().setAccessorId(id)), snapshots)
                .whenComplete((r, e) -> {
                    if (e != null) Http.failure(ctx, e);
                    else if (!r.getOk()) Http.rejected(ctx, r);
                    else Http.ok(ctx, Map.of("accessor_id", id, "revoked", true));
                });
    }

    /** A token without its secret or hash. */
    static Map<String, Object> view(AclTokenRecord t) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("accessor_id", t.accessorId());
        m.put("policy", t.policy().wireName());
        m.put("description", t.description());
        m.put("created_at", Instant.ofEpochMilli(t.createdAt()).toString());
        return m;
    }
}
