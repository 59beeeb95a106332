package io.muster.server.grpc;

import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.muster.pki.Identity;
import io.muster.pki.tls.WorkerClientTrustManager;
import io.muster.proto.LogsReply;
import io.muster.proto.LogsRequest;
import io.muster.server.Proposer;
import io.muster.server.ServerSecurity;
import io.muster.server.TaskLogs.Follow;
import io.muster.server.leader.Heartbeats;
import io.muster.server.raft.RaftStatus;
import io.muster.server.state.ClusterState;
import io.muster.server.state.Records.ServerRecord;
import io.muster.types.config.HostPort;
import io.muster.types.config.ServerConfig;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker gRPC endpoint ({@code worker_grpc_addr}): TLS with this server's certificate, client
 * certificates requested and checked against the worker CA (or the cluster CA for servers) and the
 * replicated revocation state. Register is the one call allowed without a client certificate.
 */
public final class WorkerGrpcServer implements AutoCloseable, io.muster.server.TaskLogs {
    private static final Logger LOG = LoggerFactory.getLogger(WorkerGrpcServer.class);
    public static final int MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

    private final ServerConfig config;
    private final ClusterState state;
    private final Clock clock;
    private final Proposer proposer;
    private final RaftStatus raft;
    private final Duration workerCertLifetime;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "poll-timer");
        t.setDaemon(true);
        return t;
    });
    private final ExecutorService responders = Executors.newVirtualThreadPerTaskExecutor();
    /**
     * Concurrent calls one connection may have open. A worker uses at most 4 at once (poll, heartbeat, control stream,
     * renewal); a follower relays heartbeats over one stream. grpc-java clients queue calls beyond the limit (it is
     * HTTP/2's MAX_CONCURRENT_STREAMS), others get their extra streams refused: an attack run held 5,000 polls on one.
     */
    static final int MAX_CALLS_PER_CONNECTION = 32;
    /** Registrations and renewals waiting for the crypto threads; a join storm of the load test keeps 256 in flight in all. */
    static final int CRYPTO_QUEUE = 1_024;

    /** Registration and renewal crypto; everything else the handlers do is non-blocking and runs on the network threads. */
    private final CryptoPool crypto = new CryptoPool(Math.max(2, Runtime.getRuntime().availableProcessors()), CRYPTO_QUEUE);
    private final Heartbeats heartbeats;
    private final io.muster.server.metrics.WorkerMetrics metrics;
    private final PollHub polls;
    private final ControlRegistry controls = new ControlRegistry();
    private final NodeCertificates certs;
    /** Created at start, when the cluster id is known; null before. */
    private volatile OpenCalls calls;
    private LeaderForwarder forwarder;
    private volatile io.muster.server.digest.DigestRecorder digests;
    private volatile io.muster.server.secrets.SecretKeyring keyring;
    private WorkerServiceImpl workers;
    private Server server;

    /**
     * @param state              the replicated state: polls wait on its per-node events, revocations end open calls
     * @param proposer           registrations and certificate renewals are committed through it
     * @param raft               the leader heartbeats are relayed to; which servers may call the internal services
     * @param workerCertLifetime how long a worker's certificate is valid
     * @param heartbeats         the leader's lease service, built and registered as a leader service by the composition
     *                           root; this endpoint feeds it the heartbeats it receives
     */
    public WorkerGrpcServer(ServerConfig config, ClusterState state, Clock clock, Proposer proposer, RaftStatus raft,
                            Duration workerCertLifetime, Heartbeats heartbeats) {
        this(config, state, clock, proposer, raft, workerCertLifetime, heartbeats, io.muster.server.metrics.WorkerMetrics.NONE);
    }

    /** @param metrics counts heartbeats, polls and registrations received here */
    public WorkerGrpcServer(ServerConfig config, ClusterState state, Clock clock, Proposer proposer, RaftStatus raft,
                            Duration workerCertLifetime, Heartbeats heartbeats, io.muster.server.metrics.WorkerMetrics metrics) {
        this.metrics = metrics;
        this.config = config;
        this.state = state;
        this.clock = clock;
        this.proposer = proposer;
        this.raft = raft;
        this.workerCertLifetime = workerCertLifetime;
        this.heartbeats = heartbeats;
        this.polls = new PollHub(state, timer, responders, () -> serverAddresses(state), metrics);
        this.certs = new NodeCertificates(state);
        state.addListener(new io.muster.server.state.StateListener() {
            @Override
            public void nodeRevoked(long nodeId) {
                responders.execute(() -> controls.revoke(nodeId));
                recheck(nodeId);
            }

            @Override
            public void nodeChanged(io.muster.server.state.Records.NodeRecord before, io.muster.server.state.Records.NodeRecord after) {
                // A renewal moved the serials on: calls still made with the leaf that fell off the record must end.
                if (before != null && !before.previousCertSerial().equals(after.previousCertSerial())) recheck(after.id());
            }

            @Override
            public void restored() {
                OpenCalls c = calls;
                if (c != null) responders.execute(c::recheckAll);
            }
        });
    }

    /** Called on the apply thread: only hands the work off. */
    private void recheck(long nodeId) {
        OpenCalls c = calls;
        if (c != null) responders.execute(() -> c.recheck(nodeId));
    }

    public PollHub polls() {
        return polls;
    }

    public ControlRegistry controls() {
        return controls;
    }

    /** Every server's worker_grpc_addr, as announced: handed to workers in poll answers and heartbeat acks. */
    public static List<String> serverAddresses(ClusterState state) {
        return state.servers().stream().map(ServerRecord::workerGrpcAddr).filter(a -> !a.isEmpty()).toList();
    }

    /** Starts once the cluster identity exists (the certificate comes from the cluster CA). */
    public void start(ServerSecurity.Material m) throws Exception {
        this.forwarder = new LeaderForwarder(state, m, clock);
        // Per certificate, not per node: a revoked node's leaves, and any leaf whose serial is not on record for its node.
        WorkerClientTrustManager trust = new WorkerClientTrustManager(m.workerCa().certificate(), m.clusterCaCert(), m.clusterId(),
                clock, (Identity id, java.math.BigInteger serial) -> id.kind() == Identity.Kind.NODE
                        && certs.refusal(id.nodeId(), serial.toString(16)).isPresent());
        SslContext ssl = GrpcSslContexts.configure(io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder
                        .forServer(m.keys())) // read per handshake: a renewed certificate is served without a restart
                .clientAuth(ClientAuth.OPTIONAL)
                .trustManager(trust)
                .build();
        workers = new WorkerServiceImpl(config, state, clock, proposer, raft, workerCertLifetime, m, polls, controls, heartbeats, forwarder,
                () -> serverAddresses(state), crypto, metrics);
        if (keyring != null) workers.serveSecrets(new SecretFetch(state, keyring));
        OpenCalls open = new OpenCalls(m.clusterId(), clock, certs, raft::isMember);
        calls = open;
        timer.scheduleAtFixedRate(() -> {
            try {
                open.sweep();
            } catch (RuntimeException e) {
                LOG.warn("ending calls with expired certificates failed: {}", e.toString()); // a throw would cancel the timer
            }
        }, 1, 1, TimeUnit.SECONDS);
        AuthInterceptor auth = new AuthInterceptor(m.clusterId(), open);
        HostPort bind = config.workerGrpcAddr();
        server = NettyServerBuilder.forAddress(bind.toSocketAddress())
                .sslContext(ssl)
                // Handlers never block (crypto has its own pool; Raft and polls answer through futures): running them on
                // the network thread saves a thread hand-off per call, which at thousands of heartbeats a second cost more
                // CPU than the heartbeats themselves.
                .directExecutor()
                .maxInboundMessageSize(MAX_MESSAGE_BYTES)
                .maxConcurrentCallsPerConnection(MAX_CALLS_PER_CONNECTION)
                .permitKeepAliveTime(10, TimeUnit.SECONDS)
                .permitKeepAliveWithoutCalls(true)
                .addService(ServerInterceptors.intercept(workers, auth))
                .addService(ServerInterceptors.intercept(new InternalServiceImpl(config.serverId(), heartbeats, controls,
                        () -> DigestExchange.reply(config.serverId(), state.appliedIndex(), digests)), auth))
                .build()
                .start();
        LOG.info("worker gRPC listening on {} (TLS; mTLS for all but Register)", bind);
    }

    /** The state digests this server answers the leader's divergence check with (set before {@link #start}). */
    /** The keyring FetchSecrets opens values with (set before {@link #start}). */
    public void serveSecrets(io.muster.server.secrets.SecretKeyring keyring) {
        this.keyring = keyring;
    }

    public void serveDigests(io.muster.server.digest.DigestRecorder recorder) {
        this.digests = recorder;
    }

    /** Another server's recent state digests (index → digest), over the internal mTLS channel. */
    public CompletableFuture<java.util.SortedMap<Long, io.muster.server.state.StateDigest>> peerDigests(int serverId) {
        var stub = forwarder == null ? Optional.<io.muster.proto.InternalServiceGrpc.InternalServiceStub>empty() : forwarder.stub(serverId);
        if (stub.isEmpty()) return CompletableFuture.failedFuture(new IllegalStateException("no channel to server " + serverId + " (address unknown or not started)"));
        return DigestExchange.ask(stub.get(), serverId);
    }

    /** Task output of an allocation, from whichever server its worker is connected to. */
    @Override
    public CompletableFuture<LogsReply> fetchLogs(LogsRequest req) {
        Optional<CompletableFuture<LogsReply>> local = controls.fetchLogs(req);
        if (local.isPresent()) return local.get();
        CompletableFuture<LogsReply> result = new CompletableFuture<>();
        List<Integer> others = state.servers().stream().map(ServerRecord::id).filter(id -> id != config.serverId()).toList();
        askNext(req, others, 0, result);
        return result;
    }

    private void askNext(LogsRequest req, List<Integer> servers, int i, CompletableFuture<LogsReply> result) {
        if (i >= servers.size()) {
            result.complete(LogsReply.newBuilder().setAllocId(req.getAllocId()).setFound(false)
                    .setError("node " + req.getNodeId() + " is not connected to any server").build());
            return;
        }
        var stub = forwarder == null ? Optional.<io.muster.proto.InternalServiceGrpc.InternalServiceStub>empty() : forwarder.stub(servers.get(i));
        if (stub.isEmpty()) {
            askNext(req, servers, i + 1, result);
            return;
        }
        stub.get().fetchLogs(req, new io.grpc.stub.StreamObserver<>() {
            @Override
            public void onNext(LogsReply r) {
                if (r.getFound()) result.complete(r);
                else askNext(req, servers, i + 1, result);
            }

            @Override
            public void onError(Throwable t) {
                askNext(req, servers, i + 1, result);
            }

            @Override
            public void onCompleted() {}
        });
    }

    /** True when node {@code nodeId}'s control stream is open to this server. */
    public boolean controlConnected(long nodeId) {
        return controls.connected(nodeId);
    }

    /** The gauge of what log follows hold on this server. */
    public io.muster.server.LogWindow logWindow() {
        return controls.logWindow();
    }

    /**
     * Follows an allocation's output: through this server's own stream to the worker, or relayed by the server the
     * worker is connected to (asked in turn, as {@link #fetchLogs} does). Relayed frames are asked for with gRPC's manual
     * flow control: a window's worth at first, then one more each time one was delivered.
     */
    @Override
    public Follow followLogs(io.muster.proto.LogFollowRequest req, java.util.function.Consumer<io.muster.proto.LogStreamFrame> sink) {
        Optional<Follow> local = controls.follow(req, sink);
        if (local.isPresent()) return local.get();
        List<Integer> others = state.servers().stream().map(ServerRecord::id).filter(id -> id != config.serverId()).toList();
        RelayedFollow f = new RelayedFollow(req, sink, others);
        f.next();
        return f;
    }

    /** A follow relayed by another server. */
    private final class RelayedFollow implements Follow {
        private final io.muster.proto.LogFollowRequest req;
        private final java.util.function.Consumer<io.muster.proto.LogStreamFrame> sink;
        private final List<Integer> servers;
        private final io.muster.server.LogWindow.Share share = controls.logWindow().open();
        private int i;
        private volatile boolean cancelled;
        private volatile io.grpc.stub.ClientCallStreamObserver<io.muster.proto.LogFollowRequest> call;

        RelayedFollow(io.muster.proto.LogFollowRequest req, java.util.function.Consumer<io.muster.proto.LogStreamFrame> sink, List<Integer> servers) {
            this.req = req;
            this.sink = sink;
            this.servers = servers;
        }

        void next() {
            if (cancelled) return;
            if (i >= servers.size()) {
                share.close();
                sink.accept(io.muster.proto.LogStreamFrame.newBuilder().setEnd(true)
                        .setError("node " + req.getNodeId() + " is not connected to any server").build());
                return;
            }
            // No deadline: a follow lasts as long as its task; the reader's going away cancels it.
            var stub = forwarder == null ? Optional.<io.muster.proto.InternalServiceGrpc.InternalServiceStub>empty() : forwarder.streamStub(servers.get(i++));
            if (stub.isEmpty()) {
                next();
                return;
            }
            stub.get().followLogs(req, new io.grpc.stub.ClientResponseObserver<io.muster.proto.LogFollowRequest, io.muster.proto.LogStreamFrame>() {
                boolean tryNext;
                boolean ended;

                @Override
                public void beforeStart(io.grpc.stub.ClientCallStreamObserver<io.muster.proto.LogFollowRequest> s) {
                    // As many frames in flight as the worker's credit allows: one at a time would cost a round trip each.
                    s.disableAutoRequestWithInitial(io.muster.server.LogWindow.BYTES / io.muster.server.LogWindow.FRAME_BYTES);
                    call = s;
                }

                @Override
                public void onNext(io.muster.proto.LogStreamFrame f) {
                    if (f.getNotConnected()) {
                        tryNext = true;
                        return;
                    }
                    share.received(io.muster.server.TaskLogs.dataBytes(f));
                    if (f.getEnd()) {
                        ended = true;
                        share.close();
                    }
                    sink.accept(f);
                }

                @Override
                public void onError(Throwable t) {
                    if (cancelled || ended) return;
                    if (tryNext) {
                        next();
                        return;
                    }
                    share.close();
                    sink.accept(io.muster.proto.LogStreamFrame.newBuilder().setEnd(true)
                            .setError("the server relaying node " + req.getNodeId() + "'s output failed: " + t.getMessage()).build());
                }

                @Override
                public void onCompleted() {
                    if (tryNext) next();
                    else if (!ended && !cancelled) {
                        share.close();
                        sink.accept(io.muster.proto.LogStreamFrame.newBuilder().setEnd(true).setError("the relaying server ended the stream").build());
                    }
                }
            });
        }

        @Override
        public void delivered(int bytes) {
            share.delivered(bytes);
            var c = call;
            if (c != null && !cancelled) c.request(1);
        }

        @Override
        public void cancel() {
            cancelled = true;
            share.close();
            var c = call;
            if (c != null) c.cancel("the reader went away", null);
        }
    }

    /** Ends calls whose client certificate has expired now (the timer does it every second). */
    void expireCertificates() {
        OpenCalls c = calls;
        if (c != null) c.sweep();
    }

    public int port() {
        return server == null ? -1 : server.getPort();
    }

    @Override
    public void close() {
        if (server != null) {
            server.shutdownNow();
            try {
                server.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (workers != null) workers.close();
        if (forwarder != null) forwarder.close();
        timer.shutdownNow();
        responders.shutdownNow();
        crypto.close();
    }
}
