package io.muster.server.grpc;

import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.muster.pki.Identity;
import io.muster.proto.WorkerServiceGrpc;
import io.muster.server.state.ClusterState;
import io.muster.server.state.NodeStates;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Every call but Register needs a client certificate (already chain-checked by the TLS trust manager);
 * this puts its identity in the call context and refuses revoked nodes before any handler runs.
 */
final class AuthInterceptor implements ServerInterceptor {
    private final ClusterState state;
    private final String clusterId;

    AuthInterceptor(ClusterState state, String clusterId) {
        this.state = state;
        this.clusterId = clusterId;
    }

    /** Where a session's identity is kept once derived: every call on a connection has the same peer certificate. */
    private static final String IDENTITY_KEY = "muster.identity";

    /** The identity in the session's peer certificate, parsed once per TLS session rather than on every call. */
    private static Identity sessionIdentity(SSLSession session) throws SSLPeerUnverifiedException, CertificateException {
        if (session.getValue(IDENTITY_KEY) instanceof Identity known) return known;
        Certificate[] chain = session.getPeerCertificates();
        Identity identity = chain.length > 0 && chain[0] instanceof X509Certificate leaf ? Identity.fromCertificate(leaf).orElse(null) : null;
        if (identity != null) session.putValue(IDENTITY_KEY, identity);
        return identity;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        String method = call.getMethodDescriptor().getFullMethodName();
        Identity identity = null;
        SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
        if (session != null) {
            try {
                identity = sessionIdentity(session);
            } catch (SSLPeerUnverifiedException e) {
                identity = null; // no client certificate: only Register is allowed
            } catch (CertificateException e) {
                call.close(Status.UNAUTHENTICATED.withDescription("unusable client certificate: " + e.getMessage()), new Metadata());
                return new ServerCall.Listener<>() {};
            }
        }
        if (WorkerServiceGrpc.getRegisterMethod().getFullMethodName().equals(method)) return next.startCall(call, headers);
        if (identity == null) {
            call.close(Status.UNAUTHENTICATED.withDescription("a client certificate issued by this cluster's worker CA is required (register first)"), new Metadata());
            return new ServerCall.Listener<>() {};
        }
        if (!identity.clusterId().equals(clusterId)) {
            call.close(Status.UNAUTHENTICATED.withDescription("certificate belongs to cluster " + identity.clusterId()), new Metadata());
            return new ServerCall.Listener<>() {};
        }
        if (identity.kind() == Identity.Kind.NODE) {
            var node = state.node(identity.nodeId());
            if (node.isPresent() && NodeStates.REVOKED.equals(node.get().state())) {
                call.close(Status.PERMISSION_DENIED.withDescription("node " + identity.nodeId() + " is revoked"), new Metadata());
                return new ServerCall.Listener<>() {};
            }
        }
        return Contexts.interceptCall(io.grpc.Context.current().withValue(Caller.IDENTITY, identity), call, headers, next);
    }
}
