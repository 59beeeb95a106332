package io.muster.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import io.muster.proto.raft.Command;
import io.muster.proto.raft.DeleteSecret;
import io.muster.proto.raft.PutSecret;
import io.muster.server.Proposer;
import io.muster.server.secrets.SecretKeyring;
import io.muster.server.state.Records.SecretRecord;
import io.muster.server.state.Snapshots;
import io.muster.types.job.SecretNames;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code /v1/secrets}: put (the value sealed here, before proposing), list (names, versions, sizes, times: never a
 * value), get (the value: {@code secret:read}, management only) and delete. Values travel base64 in JSON, so any
 * bytes are a value.
 */
public final class SecretApi implements Routes {
    private final Snapshots snapshots;
    private final Proposer proposer;
    private final SecretKeyring keyring;
    private final Clock clock;

    public SecretApi(Snapshots snapshots, Proposer proposer, SecretKeyring keyring, Clock clock) {
        this.snapshots = snapshots;
        this.proposer = proposer;
        this.keyring = keyring;
        this.clock = clock;
    }

    @Override
    public void mount(Router r) {
        r.get("/v1/secrets").handler(this::list);
        r.put("/v1/secrets/:name").handler(this::put);
        r.get("/v1/secrets/:name").handler(this::get);
        r.delete("/v1/secrets/:name").handler(this::delete);
    }

    private static String name(RoutingContext ctx) {
        String name = ctx.pathParam("name");
        if (!SecretNames.valid(name)) throw new ApiException(400, "BAD_REQUEST", "name: '" + name + "' does not match " + SecretNames.SYNTAX);
        return name;
    }

    private void put(RoutingContext ctx) {
        String name = name(ctx);
        JsonNode b = Http.body(ctx);
        if (!b.path("value").isTextual()) throw new ApiException(400, "BAD_REQUEST", "value: the secret's bytes, base64, are required");
        byte[] value;
        try {
            value = Base64.getDecoder().decode(b.get("value").asText());
        } catch (IllegalArgumentException e) {
            throw new ApiException(400, "BAD_REQUEST", "value: not base64"); // never echo the value
        }
        if (value.length == 0) throw new ApiException(400, "BAD_REQUEST", "value: a secret cannot be empty");
        if (value.length > SecretNames.MAX_VALUE_BYTES)
            throw new ApiException(413, "SECRET_TOO_LARGE", "value: at most " + SecretNames.MAX_VALUE_BYTES + " bytes");
        // Sealed here with a fresh nonce: the command, the log and every server's state hold only the ciphertext.
        SecretKeyring.Sealed sealed = keyring.seal(name, value);
        int size = value.length;
        java.util.Arrays.fill(value, (byte) 0);
        proposer.proposeAndApply(Command.newBuilder().setPutSecret(PutSecret.newBuilder().setName(name).setKeyId(sealed.keyId())
                .setSealed(ByteString.copyFrom(sealed.bytes())).setSize(size).setPutUnixMs(clock.millis())), snapshots).whenComplete((r, e) -> {
            if (e != null) Http.failure(ctx, e);
            else if (!r.getOk()) Http.rejected(ctx, r);
            else snapshots.snapshot().secret(name).ifPresentOrElse(x -> Http.ok(ctx, view(x)),
                    () -> Http.error(ctx, 404, "SECRET_NOT_FOUND", "secret " + name + " was deleted meanwhile"));
        });
    }

    private void list(RoutingContext ctx) {
        Http.ok(ctx, snapshots.snapshot().secrets().stream().map(SecretApi::view).toList());
    }

    private void get(RoutingContext ctx) {
        String name = name(ctx);
        SecretRecord x = snapshots.snapshot().secret(name).orElseThrow(() -> new ApiException(404, "SECRET_NOT_FOUND", "no secret named " + name));
        byte[] value;
        try {
            value = keyring.open(name, x.keyId(), x.sealed());
        } catch (GeneralSecurityException e) {
            throw new ApiException(500, "SECRET_UNREADABLE", "secret " + name + " does not open with this server's keyring: " + e.getMessage());
        }
        Map<String, Object> body = view(x);
        body.put("value", Base64.getEncoder().encodeToString(value));
        Http.ok(ctx, body);
    }

    private void delete(RoutingContext ctx) {
        String name = name(ctx);
        proposer.proposeAndApply(Command.newBuilder().setDeleteSecret(DeleteSecret.newBuilder().setName(name)), snapshots).whenComplete((r, e) -> {
            if (e != null) Http.failure(ctx, e);
            else if (!r.getOk()) Http.rejected(ctx, r);
            else Http.ok(ctx, Map.of("name", name, "deleted", true));
        });
    }

    /** A secret without its value (nor its ciphertext). */
    static Map<String, Object> view(SecretRecord x) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", x.name());
        m.put("version", x.version());
        m.put("size", x.size());
        m.put("key_id", x.keyId());
        m.put("created_at", Instant.ofEpochMilli(x.createdAt()).toString());
        m.put("updated_at", Instant.ofEpochMilli(x.updatedAt()).toString());
        return m;
    }
}
