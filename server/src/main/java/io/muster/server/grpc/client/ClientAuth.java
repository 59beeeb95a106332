package io.muster.server.grpc.client;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.muster.server.ServerSecurity;
import io.muster.server.acl.AclPolicy;
import io.muster.server.acl.Permission;
import io.muster.server.state.Records.AclTokenRecord;
import io.muster.server.state.Snapshots;
import io.muster.types.config.ServerConfig;
import java.util.Optional;

/**
 * The REST API's ACL check for gRPC calls: the token from {@code authorization: Bearer <token>} (or
 * {@code x-muster-token}), looked up by its hash in the replicated tokens, and its policy against the method's permission
 * ({@link ClientMethods}). No token or an unknown one: UNAUTHENTICATED; a policy without the permission:
 * PERMISSION_DENIED. Error texts never repeat the token. A no-op in dev mode, as the REST guard.
 */
final class ClientAuth implements ServerInterceptor {
    static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    static final Metadata.Key<String> TOKEN = Metadata.Key.of("x-muster-token", Metadata.ASCII_STRING_MARSHALLER);
    /** The caller's {@code authorization} value, passed on when a follower forwards the call to the leader. */
    static final Context.Key<String> CALLER_AUTHORIZATION = Context.key("muster.client.authorization");
    /** The caller's policy (null in dev mode: no ACL), for methods whose answer depends on it (the event topics). */
    static final Context.Key<AclPolicy> CALLER_POLICY = Context.key("muster.client.policy");

    private final ServerConfig config;
    private final Snapshots snapshots;

    ClientAuth(ServerConfig config, Snapshots snapshots) {
        this.config = config;
        this.snapshots = snapshots;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        String method = call.getMethodDescriptor().getFullMethodName();
        String token = token(headers);
        Context ctx = Context.current().withValue(CALLER_AUTHORIZATION, token == null ? null : "Bearer " + token);
        Permission need = ClientMethods.permission(method);
        if (config.dev() || need == Permission.PUBLIC) return Contexts.interceptCall(ctx, call, headers, next);
        if (token == null) {
            return refuse(call, Status.UNAUTHENTICATED.withDescription(snapshots.snapshot().aclBootstrapped()
                    ? "this API needs an ACL token: send metadata 'authorization: Bearer <token>'"
                    : "ACLs are not bootstrapped yet: run 'muster acl bootstrap' once for this cluster"));
        }
        Optional<AclTokenRecord> caller = snapshots.snapshot().aclTokenByHash(ServerSecurity.hashSecret(token));
        if (caller.isEmpty()) return refuse(call, Status.UNAUTHENTICATED.withDescription("the ACL token is not valid for this cluster"));
        AclPolicy policy = caller.get().policy();
        if (!policy.allows(need)) return refuse(call, Status.PERMISSION_DENIED.withDescription("policy " + policy + " does not allow " + need + " (" + method + ")"));
        return Contexts.interceptCall(ctx.withValue(CALLER_POLICY, policy), call, headers, next);
    }

    private static <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, Status status) {
        call.close(status, new Metadata());
        return new ServerCall.Listener<>() {};
    }

    /** From {@code x-muster-token}, else {@code authorization: Bearer}; null when neither is set. */
    static String token(Metadata headers) {
        String token = headers.get(TOKEN);
        String auth = headers.get(AUTHORIZATION);
        if ((token == null || token.isBlank()) && auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) token = auth.substring(7).trim();
        return token == null || token.isBlank() ? null : token;
    }
}
