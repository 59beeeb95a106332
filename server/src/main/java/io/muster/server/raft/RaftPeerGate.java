package io.muster.server.raft;

import io.muster.pki.Identity;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.apache.ratis.thirdparty.io.grpc.Grpc;
import org.apache.ratis.thirdparty.io.grpc.Metadata;
import org.apache.ratis.thirdparty.io.grpc.ServerCall;
import org.apache.ratis.thirdparty.io.grpc.ServerCallHandler;
import org.apache.ratis.thirdparty.io.grpc.ServerInterceptor;
import org.apache.ratis.thirdparty.io.grpc.Status;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every call on the Raft port — replication, votes, client proposals, admin operations — must come from a current
 * member of this cluster: the TLS handshake already proved a server certificate of the cluster CA; this checks that
 * the server id it names is one Ratis knows now (voters, listeners, the previous configuration while a change is in
 * flight). A removed server's certificate stops working the moment its removal is committed.
 */
final class RaftPeerGate implements ServerInterceptor {
    private static final Logger LOG = LoggerFactory.getLogger(RaftPeerGate.class);
    private final String clusterId;
    private final Supplier<Set<String>> members;

    RaftPeerGate(String clusterId, Supplier<Set<String>> members) {
        this.clusterId = clusterId;
        this.members = members;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        Optional<String> refusal = refusal(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
        if (refusal.isPresent()) {
            LOG.warn("refused Raft call {} from {}: {}", call.getMethodDescriptor().getFullMethodName(),
                    call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR), refusal.get());
            call.close(Status.PERMISSION_DENIED.withDescription(refusal.get()), new Metadata());
            return new ServerCall.Listener<>() {};
        }
        return next.startCall(call, headers);
    }

    /** Why a caller is refused, or empty if it is a member. */
    Optional<String> refusal(SSLSession session) {
        if (session == null) return Optional.of("the Raft port accepts only mutual TLS");
        Certificate[] peer;
        try {
            peer = session.getPeerCertificates();
        } catch (SSLPeerUnverifiedException e) {
            return Optional.of("no client certificate");
        }
        if (peer.length == 0 || !(peer[0] instanceof X509Certificate leaf)) return Optional.of("no client certificate");
        Identity id;
        try {
            id = Identity.require(leaf);
        } catch (CertificateException e) {
            return Optional.of(e.getMessage());
        }
        if (id.kind() != Identity.Kind.SERVER || !id.clusterId().equals(clusterId)) return Optional.of(id + " is not a server of this cluster");
        if (!members.get().contains(id.id())) return Optional.of(id + " is not a member of the Raft group");
        return Optional.empty();
    }
}
