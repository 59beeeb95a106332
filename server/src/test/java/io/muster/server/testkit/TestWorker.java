package io.muster.server.testkit;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.muster.pki.Csrs;
import io.muster.pki.Keys;
import io.muster.pki.pem.Pem;
import io.muster.pki.tls.ClusterServerTrustManager;
import io.muster.pki.tls.PinnedServerTrustManager;
import io.muster.pki.token.JoinTokens;
import io.muster.pki.token.TokenClaims;
import io.muster.proto.NodeProfile;
import io.muster.proto.PollRequest;
import io.muster.proto.PollResponse;
import io.muster.proto.RegisterRequest;
import io.muster.proto.RegisterResponse;
import io.muster.proto.StatusAck;
import io.muster.proto.StatusReport;
import io.muster.proto.WorkerServiceGrpc;
import io.muster.types.config.HostPort;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A minimal protocol-level worker for server tests: registers with a real CSR, then speaks mTLS. */
public final class TestWorker implements AutoCloseable {
    public final KeyPair key = Keys.generateP256();
    public long nodeId;
    public String clusterId;
    public X509Certificate cert;
    public List<X509Certificate> caBundle;
    private ManagedChannel channel;

    public static NodeProfile profile(String host, Map<String, String> labels) {
        return NodeProfile.newBuilder().setOs("linux").setArch("amd64").putAllLabels(labels).setCpuCores(4).setCpuMhz(4000)
                .setMemoryMb(8192).setVersion("test").addDrivers("exec").setHostname(host).build();
    }

    public RegisterResponse register(HostPort server, String token, NodeProfile profile) throws Exception {
        TokenClaims claims = JoinTokens.decode(token);
        SslContext ssl = GrpcSslContexts.forClient().trustManager(new PinnedServerTrustManager(claims.caPin(), claims.clusterId(), Clock.systemUTC())).build();
        ManagedChannel ch = NettyChannelBuilder.forAddress(server.host(), server.port()).sslContext(ssl).build();
        try {
            RegisterResponse r = WorkerServiceGrpc.newBlockingStub(ch).withDeadlineAfter(30, TimeUnit.SECONDS).register(RegisterRequest.newBuilder()
                    .setToken(token).setCsrDer(ByteString.copyFrom(Csrs.create(key, "worker"))).setProfile(profile).build());
            nodeId = r.getNodeId();
            clusterId = r.getClusterId();
            cert = Pem.decodeCertificates(r.getCertificatePem()).get(0);
            caBundle = Pem.decodeCertificates(r.getCaPem());
            return r;
        } finally {
            ch.shutdownNow();
        }
    }

    public WorkerServiceGrpc.WorkerServiceBlockingStub connect(HostPort server) throws Exception {
        if (channel != null) channel.shutdownNow();
        SslContext ssl = GrpcSslContexts.forClient().keyManager(key.getPrivate(), cert)
                .trustManager(new ClusterServerTrustManager(caBundle.get(0), clusterId, Clock.systemUTC())).build();
        channel = NettyChannelBuilder.forAddress(server.host(), server.port()).sslContext(ssl).build();
        return WorkerServiceGrpc.newBlockingStub(channel);
    }

    /** A channel of its own (not closed by {@link #connect}) speaking with the given key and certificate. */
    public ManagedChannel channel(HostPort server, KeyPair withKey, X509Certificate withCert) throws Exception {
        SslContext ssl = GrpcSslContexts.forClient().keyManager(withKey.getPrivate(), withCert)
                .trustManager(new ClusterServerTrustManager(caBundle.get(0), clusterId, Clock.systemUTC())).build();
        return NettyChannelBuilder.forAddress(server.host(), server.port()).sslContext(ssl).build();
    }

    /** A renewed key and leaf, asked for over {@code stub}'s connection. */
    public record Renewed(KeyPair key, X509Certificate cert) {}

    public Renewed renew(WorkerServiceGrpc.WorkerServiceBlockingStub stub) throws Exception {
        KeyPair k = Keys.generateP256();
        var r = stub.withDeadlineAfter(30, TimeUnit.SECONDS).renewCertificate(io.muster.proto.RenewRequest.newBuilder()
                .setNodeId(nodeId).setCsrDer(ByteString.copyFrom(Csrs.create(k, "worker"))).build());
        return new Renewed(k, Pem.decodeCertificates(r.getCertificatePem()).get(0));
    }

    public PollResponse poll(WorkerServiceGrpc.WorkerServiceBlockingStub stub, long lastRevision, int waitSecs) {
        return stub.withDeadlineAfter(waitSecs + 30L, TimeUnit.SECONDS)
                .poll(PollRequest.newBuilder().setNodeId(nodeId).setLastRevision(lastRevision).setMaxWaitSecs(waitSecs).build());
    }

    public StatusAck beat(WorkerServiceGrpc.WorkerServiceBlockingStub stub) {
        return stub.withDeadlineAfter(30, TimeUnit.SECONDS).reportStatus(StatusReport.newBuilder().setNodeId(nodeId).build());
    }

    @Override
    public void close() {
        if (channel != null) channel.shutdownNow();
    }
}
