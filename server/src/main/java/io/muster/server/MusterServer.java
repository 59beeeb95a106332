package io.muster.server;

import io.muster.server.api.ApiServer;
import io.muster.server.leader.ClusterBootstrapper;
import io.muster.server.leader.ServerAnnouncer;
import io.muster.server.raft.RaftNode;
import io.muster.server.raft.RaftStatus;
import io.muster.server.tls.ServerCredentials;
import io.muster.server.state.ClusterState;
import io.muster.types.config.ServerConfig;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One Muster server: Raft member, leader services, worker gRPC endpoint and REST API. */
public final class MusterServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MusterServer.class);

    /** How to start: join an existing cluster (empty Raft group, wait to be added) or form/resume one. */
    public record Options(boolean join, Clock clock, com.github.benmanes.caffeine.cache.Ticker ticker,
                          org.apache.ratis.thirdparty.io.grpc.ServerInterceptor raftInterceptor) {
        public Options(boolean join, Clock clock) {
            this(join, clock, com.github.benmanes.caffeine.cache.Ticker.systemTicker(), null);
        }

        public Options(boolean join, Clock clock, com.github.benmanes.caffeine.cache.Ticker ticker) {
            this(join, clock, ticker, null);
        }

        public static Options defaults() {
            return new Options(false, Clock.systemUTC());
        }
    }

    private final ServerConfig config;
    private final ClusterState state = new ClusterState();
    private final ServerCredentials credentials;
    private final ClusterBootstrapper bootstrapper;
    private final java.util.concurrent.ScheduledExecutorService renewals = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "server-cert-renewal");
        t.setDaemon(true);
        return t;
    });
    private final RaftNode raft;
    private final Proposer proposer;
    private final ServerSecurity security;
    private final ApiServer api;
    private final ServerAnnouncer announcer;
    private final JoinTokenService joinTokens;
    private final io.muster.server.grpc.WorkerGrpcServer grpc;
    /** The client gRPC API ({@code client_grpc_addr}); started with the worker endpoint, once the cluster identity exists. */
    private final io.muster.server.grpc.client.ClientGrpcServer clientGrpc;
    private final io.muster.server.leader.StatusBatcher batcher;
    private final io.muster.server.leader.HeartbeatService heartbeats;
    /** Where the lease service completes heartbeat answers and hands lease-expiry notices: never the caller's thread. */
    private final java.util.concurrent.ExecutorService leaseNotices = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor();
    private final io.muster.server.leader.SchedulerService scheduler;
    private final io.muster.server.leader.OperationService operations;
    private final io.muster.server.state.OperationReads operationReads = new io.muster.server.state.OperationReads();
    private final io.muster.server.leader.GcService gc;
    private final io.muster.server.digest.DigestRecorder digests;
    private final io.muster.server.leader.DivergenceChecker divergence;
    private final io.muster.server.metrics.ServerMetrics metrics;
    private final io.muster.server.events.EventBroker events;
    private final List<AutoCloseable> closeables = new ArrayList<>();
    /** LAN announcements, only with {@code discovery: {announce: true}}. */
    private final io.muster.server.discovery.LanAnnouncer lanAnnouncer;
    private volatile boolean closed;

    /**
     * The composition root: builds the Raft node, the leader services and the layers, and hands each class the narrow
     * dependencies it uses (the proposer, the state's snapshots, the Raft status/admin/log views, the lease interfaces).
     * Only this class and the leader package build leader services (checked by ArchitectureTest).
     */
    public MusterServer(ServerConfig config, Options options) throws Exception {
        this.config = config;
        Clock clock = options.clock();
        // Every meter is registered here, in one registry per server; the layers get the narrow interfaces of it.
        this.metrics = new io.muster.server.metrics.ServerMetrics();
        closeables.add(metrics);
        this.credentials = ServerCredentials.open(config, clock);
        this.raft = new RaftNode(config, state, options.join(), clock, credentials, options.raftInterceptor());
        // Secret values are sealed under keys derived from the cluster secret, which every server holds (dev mode too).
        io.muster.server.secrets.SecretKeyring keyring = new io.muster.server.secrets.SecretKeyring(credentials.secret());
        this.proposer = raft.proposer();
        RaftStatus raftStatus = raft.status();
        raft.stateMachine().setMetrics(metrics);
        metrics.bindRaft(raftStatus, state);
        metrics.bindState(state, io.muster.server.api.MetricsApi::jobStatus);
        this.security = new ServerSecurity(config, state, clock, credentials);
        this.bootstrapper = new ClusterBootstrapper(state, proposer, credentials::pendingInit);
        closeables.add(bootstrapper);
        this.api = new ApiServer(config, security, state, raftStatus, clock, metrics);
        this.announcer = new ServerAnnouncer(config, state, proposer);
        // Says only what a worker's server list says anyway; nothing until the cluster identity exists.
        this.lanAnnouncer = !config.discovery().enabled() ? null : new io.muster.server.discovery.LanAnnouncer(config.discovery(),
                () -> security.material().map(m -> new io.muster.types.discovery.Announcement(m.clusterId(), config.serverId(),
                        List.of(config.workerGrpcAddr()))),
                java.util.random.RandomGenerator.getDefault());
        this.joinTokens = new JoinTokenService(security, proposer, clock);
        // Leader services are built here and handed to the layers that feed or read them: the heartbeat leases (fed by
        // the worker endpoint through Heartbeats, read by the REST API through Leases) and the status batcher they use.
        this.batcher = new io.muster.server.leader.StatusBatcher(proposer, 20);
        this.heartbeats = new io.muster.server.leader.HeartbeatService(state, proposer, config.heartbeat(), options.ticker(),
                com.github.benmanes.caffeine.cache.Scheduler.systemScheduler(), leaseNotices, clock,
                java.util.random.RandomGenerator.getDefault(), batcher, () -> io.muster.server.grpc.WorkerGrpcServer.serverAddresses(state),
                metrics);
        raft.stateMachine().addLeaderServices(heartbeats);
        metrics.bindFailoverLeases(heartbeats::failoverLeaseCount);
        // Closed in reverse: the worker endpoint first, then the leases (dropping them hands removal notices to their
        // executor), the batcher, and that executor last.
        closeables.add(leaseNotices::shutdownNow);
        closeables.add(batcher);
        closeables.add(heartbeats::stopLeading);
        this.grpc = new io.muster.server.grpc.WorkerGrpcServer(config, state, clock, proposer, raftStatus, security.workerCertLifetime(),
                heartbeats, metrics);
        grpc.serveSecrets(keyring);
        closeables.add(grpc);
        metrics.bindWorkerEndpoint(grpc.controls()::connectedCount, grpc.polls()::waitingCount);
        this.scheduler = new io.muster.server.leader.SchedulerService(state, proposer, clock, metrics);
        raft.stateMachine().addLeaderServices(scheduler);
        closeables.add(scheduler);
        this.operations = new io.muster.server.leader.OperationService(state, proposer, clock, config.operations(), operationReads);
        raft.stateMachine().addLeaderServices(operations);
        closeables.add(operations);
        this.gc = new io.muster.server.leader.GcService(state, proposer::propose, clock, config.gc());
        raft.stateMachine().addLeaderServices(gc);
        closeables.add(gc);
        // The event stream: recorded from every applied entry (added before Raft applies any), served by any server.
        this.events = new io.muster.server.events.EventBroker(state, io.muster.server.events.EventBroker.Settings.of(config.events()), clock);
        state.addListener(events.listener());
        closeables.add(events);
        // Divergence detection: digests at agreed indexes on every server, compared by the leader (docs/RELIABILITY.md).
        this.digests = new io.muster.server.digest.DigestRecorder(state, io.muster.server.digest.DigestRecorder.DEFAULT_INTERVAL);
        state.addListener(digests);
        closeables.add(digests);
        grpc.serveDigests(digests);
        this.divergence = new io.muster.server.leader.DivergenceChecker(config.serverId(), digests, new io.muster.server.leader.DivergenceChecker.Peers() {
            @Override
            public java.util.Collection<Integer> others() {
                try {
                    return raftStatus.peerIds().stream().filter(id -> id != config.serverId()).toList();
                } catch (RuntimeException e) {
                    return List.of(); // the group is not running
                }
            }

            @Override
            public java.util.concurrent.CompletableFuture<java.util.SortedMap<Long, io.muster.server.state.StateDigest>> digests(int serverId) {
                return grpc.peerDigests(serverId);
            }
        }, io.muster.server.leader.DivergenceChecker.DEFAULT_PERIOD, clock);
        raft.stateMachine().addLeaderServices(divergence);
        closeables.add(divergence);
        // The REST endpoint groups, in mount order after the ACL guard and health.
        // The service layer: what the REST routes and the client gRPC API both do, each only reading and writing its wire form.
        var jobsService = new io.muster.server.service.JobsService(config, state, proposer, clock);
        var nodesService = new io.muster.server.service.NodesService(state, proposer, clock, heartbeats);
        var clusterInfo = new io.muster.server.service.ClusterInfoService(config, state, raftStatus, raft.log(), divergence::statusFields);
        this.clientGrpc = new io.muster.server.grpc.client.ClientGrpcServer(config, state, clock, jobsService, nodesService, clusterInfo, grpc, events);
        closeables.add(clientGrpc);
        api.add(new io.muster.server.api.AclApi(config, state, proposer, clock))
                .add(new io.muster.server.api.ClusterApi(config, api.vertx(), state, proposer, raftStatus, raft.admin(), clusterInfo))
                .add(new io.muster.server.api.NodeApi(nodesService, state, proposer, clock, joinTokens))
                .add(new io.muster.server.api.JobApi(jobsService, state, grpc))
                .add(new io.muster.server.api.GcApi(config, state, gc))
                .add(new io.muster.server.api.SecretApi(state, proposer, keyring, clock))
                .add(new io.muster.server.api.MetricsApi(metrics::scrape))
                .add(new io.muster.server.api.OpenApiDoc())
                .add(new io.muster.server.api.EventApi(events));
    }

    /** This server's state digests at agreed indexes (tests set a small interval). */
    public io.muster.server.digest.DigestRecorder digests() {
        return digests;
    }

    /** The leader's divergence check (runs while this server leads; its alarms stay here). */
    public io.muster.server.leader.DivergenceChecker divergence() {
        return divergence;
    }

    /** Proposes commands through this server's Raft client, stamped with its clock. */
    public Proposer proposer() {
        return proposer;
    }

    public ServerSecurity security() {
        return security;
    }

    public ClusterState state() {
        return state;
    }

    public RaftNode raft() {
        return raft;
    }

    public ServerConfig config() {
        return config;
    }

    public JoinTokenService joinTokens() {
        return joinTokens;
    }

    /** Completes when the cluster identity exists and this server holds its certificate. */
    public java.util.concurrent.CompletableFuture<ServerSecurity.Material> ready() {
        return security.ready();
    }

    public io.muster.server.leader.OperationService operations() {
        return operations;
    }

    public io.muster.server.leader.SchedulerService scheduler() {
        return scheduler;
    }

    public io.muster.server.leader.GcService gc() {
        return gc;
    }

    public io.muster.server.leader.HeartbeatService heartbeats() {
        return heartbeats;
    }

    public io.muster.server.grpc.WorkerGrpcServer grpc() {
        return grpc;
    }

    public io.muster.server.events.EventBroker events() {
        return events;
    }

    public ApiServer api() {
        return api;
    }

    /** The client gRPC API. */
    public io.muster.server.grpc.client.ClientGrpcServer clientGrpc() {
        return clientGrpc;
    }

    /** This server's meters (what GET /v1/metrics serves). */
    public io.muster.server.metrics.ServerMetrics metrics() {
        return metrics;
    }

    public MusterServer start() throws Exception {
        for (String w : config.warnings()) LOG.warn("config: {}", w);
        // Raft speaks mutual TLS only: this server needs its certificate first (from disk, signed here by the server
        // `muster server init` ran on, or fetched from another server through a CSR).
        credentials.ensureCertificate();
        raft.start();
        // The API starts at once: it serves the certificate endpoint joining servers need before there is a quorum;
        // calls that need the replicated state answer 503 until it exists.
        api.start();
        credentials.onRotation(api::reloadCertificate);
        bootstrapper.start(java.time.Duration.ofMillis(500));
        announcer.start();
        if (lanAnnouncer != null) {
            try {
                lanAnnouncer.start();
            } catch (java.io.IOException e) {
                // Discovery is a convenience: a server whose workers can be given addresses still works without it.
                LOG.warn("discovery.announce is on but no multicast socket could be opened: {}", e.getMessage());
            }
        }
        security.ready().thenAccept(m -> {
            try {
                grpc.start(m);
            } catch (Exception e) {
                LOG.error("worker gRPC endpoint failed to start on {}: {}", config.workerGrpcAddr(), e.getMessage());
            }
            try {
                clientGrpc.start(m);
            } catch (Exception e) {
                LOG.error("client gRPC API failed to start on {}: {}", clientGrpc.address(), e.getMessage());
            }
        });
        renewals.scheduleWithFixedDelay(() -> {
            try {
                credentials.renewIfDue();
            } catch (Exception e) {
                LOG.warn("server certificate renewal failed (will retry): {}", e.getMessage());
            }
        }, 10, 10, java.util.concurrent.TimeUnit.MINUTES);
        return this;
    }

    public ServerCredentials credentials() {
        return credentials;
    }

    /** Graceful stop: a leader hands leadership over first. */
    public void shutdown() {
        if (closed) return;
        closed = true;
        LOG.info("server {} shutting down", config.serverId());
        stopLocal();
        raft.shutdown();
    }

    /** Abrupt stop, as a crash would (tests): no leadership hand-over. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        stopLocal();
        raft.close();
    }

    private void stopLocal() {
        renewals.shutdownNow();
        announcer.close();
        if (lanAnnouncer != null) lanAnnouncer.close();
        api.close();
        for (AutoCloseable c : closeables.reversed()) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.debug("closing {}", c, e);
            }
        }
    }
}
