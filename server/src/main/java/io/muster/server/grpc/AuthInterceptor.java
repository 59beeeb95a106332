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
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Optional;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Every call but Register needs a client certificate (already chain-checked by the TLS trust manager);
 * this puts its identity in the call context and, on every call, refuses certificates that have expired or that
 * the replicated state no longer accepts (revoked node, superseded serial) — a TLS connection is checked only
 * once and may outlive both. Accepted calls are tracked by {@link OpenCalls} until they end.
 */
final class AuthInterceptor implements ServerInterceptor {
    private final String clusterId;
    private final OpenCalls calls;

    AuthInterceptor(String clusterId, OpenCalls calls) {
        this.clusterId = clusterId;
        this.calls = calls;
    }

    /** Where a session's peer is kept once derived: every call on a connection has the same peer certificate. */
    private static final String PEER_KEY = "muster.peer";

    /** The peer certificate's identity, serial and expiry, parsed once per TLS session rather than on every call. */
    private static OpenCalls.Peer sessionPeer(SSLSession session) throws SSLPeerUnverifiedException, CertificateException {
        if (session.getValue(PEER_KEY) instanceof OpenCalls.Peer known) return known;
        Certificate[] chain = session.getPeerCertificates();
        if (chain.length == 0 || !(chain[0] instanceof X509Certificate leaf)) return null;
        Identity identity = Identity.fromCertificate(leaf).orElse(null);
        if (identity == null) return null;
        OpenCalls.Peer peer = new OpenCalls.Peer(identity, leaf.getSerialNumber().toString(16), leaf.getNotAfter().toInstant());
        session.putValue(PEER_KEY, peer);
        return peer;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        String method = call.getMethodDescriptor().getFullMethodName();
        OpenCalls.Peer peer = null;
        SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
        if (session != null) {
            try {
                peer = sessionPeer(session);
            } catch (SSLPeerUnverifiedException e) {
                peer = null; // no client certificate: only Register is allowed
            } catch (CertificateException e) {
                call.close(Status.UNAUTHENTICATED.withDescription("unusable client certificate: " + e.getMessage()), new Metadata());
                return new ServerCall.Listener<>() {};
            }
        }
        if (WorkerServiceGrpc.getRegisterMethod().getFullMethodName().equals(method)) return next.startCall(call, headers);
        if (peer == null) {
            call.close(Status.UNAUTHENTICATED.withDescription("a client certificate issued by this cluster's worker CA is required (register first)"), new Metadata());
            return new ServerCall.Listener<>() {};
        }
        if (!peer.identity().clusterId().equals(clusterId)) {
            call.close(Status.UNAUTHENTICATED.withDescription("certificate belongs to cluster " + peer.identity().clusterId()), new Metadata());
            return new ServerCall.Listener<>() {};
        }
        Optional<Status> refused = calls.refusal(peer);
        if (refused.isPresent()) {
            call.close(refused.get(), new Metadata());
            return new ServerCall.Listener<>() {};
        }
        io.grpc.Context ctx = io.grpc.Context.current().withValue(Caller.IDENTITY, peer.identity());
        return calls.track(peer, call, guarded -> Contexts.interceptCall(ctx, guarded, headers, next));
    }
}
