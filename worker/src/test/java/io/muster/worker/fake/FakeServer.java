package io.muster.worker.fake;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerCredentials;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.muster.pki.CertificateIssuer;
import io.muster.pki.CsrException;
import io.muster.pki.Csrs;
import io.muster.pki.Identity;
import io.muster.pki.Keys;
import io.muster.pki.pem.Pem;
import io.muster.pki.tls.WorkerClientTrustManager;
import io.muster.pki.token.JoinTokens;
import io.muster.pki.token.TokenClaims;
import io.muster.pki.token.TokenException;
import io.muster.proto.ControlReply;
import io.muster.proto.ControlRequest;
import io.muster.proto.PollRequest;
import io.muster.proto.PollResponse;
import io.muster.proto.RegisterRequest;
import io.muster.proto.RegisterResponse;
import io.muster.proto.RenewRequest;
import io.muster.proto.RenewResponse;
import io.muster.proto.StatusAck;
import io.muster.proto.StatusReport;
import io.muster.proto.WorkerServiceGrpc;
import io.muster.types.config.HostPort;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * One in-process fake Muster server: the real worker protocol over real TLS on 127.0.0.1, backed by a shared
 * {@link FakeCluster}. Register is served without a client certificate; every other call needs the worker's mTLS
 * leaf and must name the certificate's own node id, as the real servers will.
 */
public final class FakeServer implements AutoCloseable {
    private static final Context.Key<Identity> PEER = Context.key("peer");
    private static final Context.Key<X509Certificate> PEER_CERT = Context.key("peer-cert");

    private final FakeCluster cluster;
    private final String serverId;
    private final Server server;
    private final HostPort address;
    private volatile boolean dead;
    private final Supplier<List<String>> advertised;
    /** When set, polls carrying a revision are refused with FAILED_PRECONDITION ("behind"). */
    public volatile boolean behind;
    /** When set, Register answers with this status. */
    public volatile Status registerRefusal;
    public final AtomicInteger pollCount = new AtomicInteger();
    public final AtomicInteger reportCount = new AtomicInteger();

    public FakeServer(FakeCluster cluster, String serverId, Supplier<List<String>> advertised) throws IOException {
        this.cluster = cluster;
        this.serverId = serverId;
        this.advertised = advertised;
        this.server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0), credentials())
                .addService(ServerInterceptors.intercept(new Service(), new PeerInterceptor()))
                .build()
                .start();
        this.address = new HostPort("127.0.0.1", server.getPort());
    }

    public HostPort address() {
        return address;
    }

    public boolean alive() {
        return !dead;
    }

    /** The server dies: connections drop, calls in flight fail. */
    public void kill() {
        dead = true;
        server.shutdownNow();
    }

    @Override
    public void close() throws InterruptedException {
        server.shutdownNow();
        server.awaitTermination(5, TimeUnit.SECONDS);
    }

    private ServerCredentials credentials() throws IOException {
        try {
            KeyPair key = Keys.generateP256();
            // No DNS or IP names at all: workers must trust the server by its cluster identity, never by hostname.
            X509Certificate leaf = CertificateIssuer.issueServerLeaf(cluster.clusterCa, FakeCluster.CLUSTER_ID, serverId,
                    key.getPublic(), List.of(), cluster.clock.instant(), Duration.ofDays(365));
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            char[] password = "test".toCharArray();
            store.setKeyEntry("server", key.getPrivate(), password,
                    new X509Certificate[] {leaf, cluster.clusterCa.certificate()});
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(store, password);
            return TlsServerCredentials.newBuilder()
                    .keyManager(kmf.getKeyManagers())
                    .trustManager(new WorkerClientTrustManager(cluster.workerCa.certificate(),
                            cluster.clusterCa.certificate(), FakeCluster.CLUSTER_ID, cluster.clock,
                            // As the real servers: a revoked node's certificate fails every new handshake.
                            (identity, serial) -> identity.kind() == Identity.Kind.NODE && cluster.isRevoked(identity.nodeId())))
                    .clientAuth(TlsServerCredentials.ClientAuth.OPTIONAL) // Register comes without a certificate
                    .build();
        } catch (java.security.GeneralSecurityException e) {
            throw new IOException(e);
        }
    }

    /** Puts the verified client identity (if any) into the call's context. */
    private static final class PeerInterceptor implements ServerInterceptor {
        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                          ServerCallHandler<Q, R> next) {
            Context ctx = Context.current();
            SSLSession ssl = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
            if (ssl != null) {
                try {
                    X509Certificate leaf = (X509Certificate) ssl.getPeerCertificates()[0];
                    ctx = ctx.withValues(PEER, Identity.require(leaf), PEER_CERT, leaf);
                } catch (SSLPeerUnverifiedException e) {
                    // no client certificate: only Register accepts that
                } catch (java.security.cert.CertificateException e) {
                    call.close(Status.UNAUTHENTICATED.withDescription(e.getMessage()), new Metadata());
                    return new ServerCall.Listener<>() {};
                }
            }
            return Contexts.interceptCall(ctx, call, headers, next);
        }
    }

    private final java.util.Map<String, Long> registeredKeys = new java.util.concurrent.ConcurrentHashMap<>();

    private final class Service extends WorkerServiceGrpc.WorkerServiceImplBase {
        @Override
        public void register(RegisterRequest request, StreamObserver<RegisterResponse> out) {
            Status refusal = registerRefusal;
            if (refusal != null) {
                out.onError(refusal.asRuntimeException());
                return;
            }
            TokenClaims claims;
            try {
                claims = JoinTokens.verify(request.getToken(), cluster.tokenKey, FakeCluster.CLUSTER_ID,
                        cluster.clock.instant(), Duration.ofMinutes(1));
            } catch (TokenException e) {
                out.onError(Status.UNAUTHENTICATED.withDescription("join token rejected: " + e.getMessage()).asRuntimeException());
                return;
            }
            PublicKey key;
            try {
                key = Csrs.parseAndVerify(request.getCsrDer().toByteArray());
            } catch (CsrException e) {
                out.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
                return;
            }
            // Like the real server: a retry with the same key and token (the worker never saw the answer) is the
            // same registration and uses nothing more.
            String retryKey = claims.tokenId() + "/" + java.util.HexFormat.of().formatHex(key.getEncoded());
            Long known = registeredKeys.get(retryKey);
            if (known == null && !cluster.useToken(claims.tokenId())) {
                out.onError(Status.PERMISSION_DENIED.withDescription("join token " + claims.tokenId()
                        + " has no uses left").asRuntimeException());
                return;
            }
            cluster.registrations.add(request);
            long nodeId = known != null ? known : cluster.newNodeId();
            registeredKeys.put(retryKey, nodeId);
            out.onNext(RegisterResponse.newBuilder()
                    .setNodeId(nodeId)
                    .setClusterId(FakeCluster.CLUSTER_ID)
                    .setCertificatePem(Pem.encodeCertificate(cluster.issueWorker(nodeId, key)))
                    .setCaPem(Pem.encodeCertificates(List.of(cluster.clusterCa.certificate(), cluster.workerCa.certificate())))
                    .setHeartbeatTtlSecs(cluster.ttlSecs)
                    .setHeartbeatGraceSecs(5)
                    .addAllServers(advertised.get())
                    .build());
            out.onCompleted();
        }

        @Override
        public void renewCertificate(RenewRequest request, StreamObserver<RenewResponse> out) {
            if (!authorized(request.getNodeId(), out)) {
                return;
            }
            PublicKey key;
            try {
                key = Csrs.parseAndVerify(request.getCsrDer().toByteArray());
            } catch (CsrException e) {
                out.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
                return;
            }
            cluster.renewals.add(request.getNodeId());
            out.onNext(RenewResponse.newBuilder()
                    .setCertificatePem(Pem.encodeCertificate(cluster.issueWorker(request.getNodeId(), key)))
                    .setCaPem(Pem.encodeCertificates(List.of(cluster.clusterCa.certificate(), cluster.workerCa.certificate())))
                    .build());
            out.onCompleted();
        }

        @Override
        public void poll(PollRequest request, StreamObserver<PollResponse> out) {
            if (!authorized(request.getNodeId(), out)) {
                return;
            }
            cluster.polls.add(request);
            cluster.pollCertSerials.add(PEER_CERT.get().getSerialNumber().toString(16));
            pollCount.incrementAndGet();
            if (behind && request.getLastRevision() > 0) {
                out.onError(Status.FAILED_PRECONDITION.withDescription("server " + serverId
                        + " is behind revision " + request.getLastRevision()).asRuntimeException());
                return;
            }
            Context ctx = Context.current();
            try {
                FakeCluster.PollAnswer answer = cluster.awaitEvents(request.getNodeId(), request.getLastRevision(),
                        Duration.ofSeconds(Math.max(1, Math.min(60, request.getMaxWaitSecs()))),
                        () -> ctx.isCancelled() || cluster.isRevoked(request.getNodeId()));
                if (ctx.isCancelled()) {
                    return;
                }
                if (cluster.isRevoked(request.getNodeId())) {
                    out.onError(Status.PERMISSION_DENIED.withDescription("node " + request.getNodeId() + " was revoked")
                            .asRuntimeException());
                    return;
                }
                out.onNext(PollResponse.newBuilder()
                        .setRevision(answer.revision())
                        .addAllEvents(answer.events())
                        .setFullSnapshot(answer.fullSnapshot())
                        .addAllServers(advertised.get())
                        .build());
                out.onCompleted();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                out.onError(Status.CANCELLED.asRuntimeException());
            }
        }

        @Override
        public void reportStatus(StatusReport request, StreamObserver<StatusAck> out) {
            if (!authorized(request.getNodeId(), out)) {
                return;
            }
            reportCount.incrementAndGet();
            cluster.recordReport(request);
            out.onNext(StatusAck.newBuilder()
                    .setNextTtlSecs(cluster.ttlSecs)
                    .setGraceSecs(5)
                    .setNodeState(request.getDrainComplete() ? "drained" : "ready")
                    .addAllServers(advertised.get())
                    .build());
            out.onCompleted();
        }

        @Override
        public StreamObserver<ControlReply> control(StreamObserver<ControlRequest> out) {
            Identity peer = PEER.get();
            if (peer == null || peer.kind() != Identity.Kind.NODE) {
                out.onError(Status.UNAUTHENTICATED.withDescription("a worker certificate is required").asRuntimeException());
                return new StreamObserver<>() {
                    public void onNext(ControlReply value) {}
                    public void onError(Throwable t) {}
                    public void onCompleted() {}
                };
            }
            long nodeId = peer.nodeId();
            return new StreamObserver<>() {
                @Override
                public void onNext(ControlReply reply) {
                    switch (reply.getKindCase()) {
                        case HELLO_NODE_ID -> {
                            if (reply.getHelloNodeId() == nodeId) {
                                cluster.controlOpened(nodeId, out);
                            } else {
                                out.onError(Status.PERMISSION_DENIED.withDescription("hello names another node").asRuntimeException());
                            }
                        }
                        case LOGS -> cluster.logsReplied(reply.getRequestId(), reply.getLogs());
                        default -> { }
                    }
                }

                @Override
                public void onError(Throwable t) {
                    cluster.controlClosed(nodeId, out);
                }

                @Override
                public void onCompleted() {
                    cluster.controlClosed(nodeId, out);
                    out.onCompleted();
                }
            };
        }

        private boolean authorized(long nodeId, StreamObserver<?> out) {
            Identity peer = PEER.get();
            if (peer == null) {
                out.onError(Status.UNAUTHENTICATED.withDescription("a worker certificate is required").asRuntimeException());
                return false;
            }
            if (peer.kind() != Identity.Kind.NODE || peer.nodeId() != nodeId) {
                out.onError(Status.PERMISSION_DENIED.withDescription(peer + " may not speak for node " + nodeId).asRuntimeException());
                return false;
            }
            if (cluster.isRevoked(nodeId)) {
                out.onError(Status.PERMISSION_DENIED.withDescription("node " + nodeId + " is revoked").asRuntimeException());
                return false;
            }
            return true;
        }
    }
}
