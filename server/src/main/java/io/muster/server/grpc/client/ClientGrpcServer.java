package io.muster.server.grpc.client;

import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.muster.server.ServerSecurity;
import io.muster.server.TaskLogs;
import io.muster.server.service.ClusterInfoService;
import io.muster.server.service.JobsService;
import io.muster.server.service.NodesService;
import io.muster.server.state.Snapshots;
import io.muster.types.config.HostPort;
import io.muster.types.config.ServerConfig;
import java.time.Clock;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client gRPC API on {@code client_grpc_addr}: {@code api_addr}'s host at its port + {@value #PORT_OFFSET} (3671
 * next to the default 3669), so every server's is known from the API addresses the cluster already replicates and a
 * follower can forward leader-only reads without new state. TLS with this server's certificate from the cluster CA
 * (clients trust {@code <data_dir>/ca.pem}, as for the HTTPS API); plaintext on loopback in dev mode, as the REST API.
 * Authenticated per call with the REST API's ACL tokens ({@link ClientAuth}). Reflection and health are served too.
 */
public final class ClientGrpcServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClientGrpcServer.class);
    public static final int PORT_OFFSET = 2;
    /** The REST API's body limit: a job spec, the largest request, fits many times over. */
    public static final int MAX_MESSAGE_BYTES = 4 * 1024 * 1024;
    /** Concurrent calls on one connection (HTTP/2 MAX_CONCURRENT_STREAMS): grpc-java clients queue beyond it, others are refused. */
    public static final int MAX_CALLS_PER_CONNECTION = 64;
    /** Log streams this server serves at once, over all connections; each may hold up to one log window per allocation. */
    public static final int MAX_LOG_STREAMS = 256;
    /** Request metadata (the token and gRPC's own headers) a client may send. */
    static final int MAX_HEADER_BYTES = 16 * 1024;

    private final ServerConfig config;
    private final Snapshots snapshots;
    private final JobGrpc jobs;
    private final NodeGrpc nodes;
    private final ClusterGrpc cluster;
    private final LeaderCalls leader;
    private final HealthStatusManager health = new HealthStatusManager();
    /** The one blocking handler (the Raft log, read from disk) runs here; every other one on the network threads. */
    private final ExecutorService blocking = Executors.newVirtualThreadPerTaskExecutor();
    private Server server;
    private final EventGrpc events;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    public ClientGrpcServer(ServerConfig config, Snapshots snapshots, Clock clock, JobsService jobsService, NodesService nodesService,
                            ClusterInfoService clusterInfo, TaskLogs logs, io.muster.server.events.EventBroker events) {
        this.config = config;
        this.events = new EventGrpc(events);
        this.snapshots = snapshots;
        this.leader = new LeaderCalls(config, clusterInfo.raft(), clusterInfo, clock);
        this.jobs = new JobGrpc(jobsService, logs, MAX_LOG_STREAMS);
        this.nodes = new NodeGrpc(nodesService, leader);
        this.cluster = new ClusterGrpc(clusterInfo, leader, blocking);
    }

    /** A server's client gRPC address, from its {@code api_addr}. */
    public static HostPort clientAddress(HostPort apiAddr) {
        return new HostPort(apiAddr.host(), apiAddr.port() + PORT_OFFSET);
    }

    public HostPort address() {
        return clientAddress(config.apiAddr());
    }

    /** Starts once the cluster identity exists (the certificate comes from the cluster CA). */
    public void start(ServerSecurity.Material m) throws Exception {
        leader.start(m);
        HostPort bind = address();
        NettyServerBuilder b = NettyServerBuilder.forAddress(bind.toSocketAddress())
                // Handlers read a snapshot, or start a Raft write or a forwarded call and answer from its future: none
                // blocks, so they run on the network thread, which saves a thread hand-off per call (as on the worker port).
                .directExecutor()
                .maxInboundMessageSize(MAX_MESSAGE_BYTES)
                .maxInboundMetadataSize(MAX_HEADER_BYTES)
                .maxConcurrentCallsPerConnection(MAX_CALLS_PER_CONNECTION)
                .handshakeTimeout(10, TimeUnit.SECONDS)
                .permitKeepAliveTime(10, TimeUnit.SECONDS);
        // Read per handshake: a renewed certificate is served without a restart. No client certificate: callers are
        // people and tools, who authenticate with their ACL token.
        if (!config.dev()) b.sslContext(GrpcSslContexts.configure(io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder.forServer(m.keys())).build());
        ClientAuth auth = new ClientAuth(config, snapshots);
        ServerInterceptor forwarded = new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
                io.grpc.Context ctx = io.grpc.Context.current().withValue(LeaderCalls.WAS_FORWARDED, headers.containsKey(LeaderCalls.FORWARDED));
                return Contexts.interceptCall(ctx, call, headers, next);
            }
        };
        server = b.addService(ServerInterceptors.intercept(jobs, auth, forwarded))
                .addService(ServerInterceptors.intercept(nodes, auth, forwarded))
                .addService(ServerInterceptors.intercept(cluster, auth, forwarded))
                .addService(ServerInterceptors.intercept(events, auth)) // every server answers from its own journal: never forwarded
                .addService(ServerInterceptors.intercept(health.getHealthService(), auth))
                .addService(ServerInterceptors.intercept(ProtoReflectionServiceV1.newInstance(), auth))
                .addService(ServerInterceptors.intercept(reflectionV1Alpha(), auth))
                .build()
                .start();
        health.setStatus("", HealthCheckResponse.ServingStatus.SERVING);
        LOG.info("client gRPC API listening on {} ({})", bind, config.dev() ? "plaintext, dev mode" : "TLS");
    }

    /** The pre-1.0 reflection service too: grpcurl before 1.8.8 (still what some distributions ship) asks only for it. */
    @SuppressWarnings("deprecation")
    private static io.grpc.BindableService reflectionV1Alpha() {
        return io.grpc.protobuf.services.ProtoReflectionService.newInstance();
    }

    /** Log streams open now. */
    public int openLogStreams() {
        return jobs.openLogStreams();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) return;
        health.enterTerminalState();
        Server s = server;
        if (s != null) {
            s.shutdownNow();
            try {
                s.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        leader.close();
        blocking.shutdownNow();
    }
}
