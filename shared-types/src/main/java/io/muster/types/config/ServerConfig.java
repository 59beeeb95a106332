package io.muster.types.config;

import io.muster.types.HeartbeatPolicy;
import java.nio.file.Path;
import java.util.List;

/**
 * A server's resolved configuration: who it is, who its peers are, where it listens.
 * {@code dev} servers serve plain HTTP without ACLs on loopback, like {@code nomad agent -dev}.
 */
public record ServerConfig(
        Path dataDir,
        int serverId,
        List<Peer> peers,
        HostPort workerGrpcAddr,
        HeartbeatPolicy heartbeat,
        boolean dev,
        long snapshotThreshold,
        int maxPendingJobs,
        long workerCertLifetimeSecs,
        List<String> warnings,
        ServerTls tls,
        Gc gc,
        Metrics metrics,
        Operations operations,
        Events events,
        io.muster.types.discovery.DiscoverySettings discovery) {

    /**
     * Garbage collection ({@code gc:} in the server file), integer seconds: how long a stopped or finished job, a
     * terminal allocation, a down node and an expired, used-up or revoked join token are kept, and how often the
     * leader looks. Nomad-like defaults: 4 h, 1 h, 24 h, 1 h, every 5 minutes.
     */
    public record Gc(long jobAfterSecs, long allocAfterSecs, long nodeAfterSecs, long tokenAfterSecs, long intervalSecs) {
        public static final Gc DEFAULTS = new Gc(4 * 3600, 3600, 24 * 3600, 3600, 300);

        public Gc {
            if (jobAfterSecs < 0 || allocAfterSecs < 0 || nodeAfterSecs < 0 || tokenAfterSecs < 0)
                throw new IllegalArgumentException("gc thresholds must be >= 0 seconds");
            if (intervalSecs < 1) throw new IllegalArgumentException("gc interval must be >= 1 second");
        }
    }

    /**
     * The metrics endpoint ({@code metrics:} in the server file): {@code GET /v1/metrics} needs an ACL token with
     * {@code metrics:read} unless {@code public: true} (for a Prometheus that scrapes without credentials).
     */
    public record Metrics(boolean publicEndpoint) {
        public static final Metrics DEFAULTS = new Metrics(false);
    }

    /**
     * The operation queue ({@code operations:} in the server file): at most {@code maxConcurrent} operation jobs run at
     * once; up to {@code maxPending} more wait in the queue (first come, first started); beyond that a submit is
     * refused (HTTP 429). GRID's defaults: 5 and 100.
     */
    public record Operations(int maxConcurrent, int maxPending) {
        public static final Operations DEFAULTS = new Operations(5, 100);

        public Operations {
            if (maxConcurrent < 1) throw new IllegalArgumentException("operations.max_concurrent must be >= 1");
            if (maxPending < 0) throw new IllegalArgumentException("operations.max_pending must be >= 0");
        }
    }

    /**
     * The event stream ({@code events:} in the server file): {@code buffer} events kept for replay (about 200 bytes each,
     * see docs/ARCHITECTURE.md), at most {@code max_subscribers} open streams, a heartbeat line after {@code heartbeat}
     * idle seconds, and a stream whose reader takes nothing for {@code stall_timeout} seconds is ended.
     */
    public record Events(int buffer, int maxSubscribers, long heartbeatSecs, long stallTimeoutSecs) {
        public static final Events DEFAULTS = new Events(65_536, 256, 10, 60);

        public Events {
            if (buffer < 1 || maxSubscribers < 1 || heartbeatSecs < 1 || stallTimeoutSecs < 1)
                throw new IllegalArgumentException("events: buffer, max_subscribers, heartbeat and stall_timeout must be >= 1");
        }
    }

    public ServerConfig {
        if (events == null) events = Events.DEFAULTS;
        if (gc == null) gc = Gc.DEFAULTS;
        if (metrics == null) metrics = Metrics.DEFAULTS;
        if (operations == null) operations = Operations.DEFAULTS;
        if (discovery == null) discovery = io.muster.types.discovery.DiscoverySettings.DEFAULTS;
    }

    /** Without LAN announcements (the default: a server announces only when its file says {@code discovery: {announce: true}}). */
    public ServerConfig(Path dataDir, int serverId, List<Peer> peers, HostPort workerGrpcAddr, HeartbeatPolicy heartbeat,
                        boolean dev, long snapshotThreshold, int maxPendingJobs, long workerCertLifetimeSecs,
                        List<String> warnings, ServerTls tls, Gc gc, Metrics metrics, Operations operations, Events events) {
        this(dataDir, serverId, peers, workerGrpcAddr, heartbeat, dev, snapshotThreshold, maxPendingJobs, workerCertLifetimeSecs,
                warnings, tls, gc, metrics, operations, events, null);
    }

    public ServerConfig(Path dataDir, int serverId, List<Peer> peers, HostPort workerGrpcAddr, HeartbeatPolicy heartbeat,
                        boolean dev, long snapshotThreshold, int maxPendingJobs, long workerCertLifetimeSecs, List<String> warnings,
                        ServerTls tls, Gc gc, Metrics metrics, Operations operations) {
        this(dataDir, serverId, peers, workerGrpcAddr, heartbeat, dev, snapshotThreshold, maxPendingJobs, workerCertLifetimeSecs,
                warnings, tls, gc, metrics, operations, Events.DEFAULTS);
    }

    public ServerConfig(Path dataDir, int serverId, List<Peer> peers, HostPort workerGrpcAddr, HeartbeatPolicy heartbeat,
                        boolean dev, long snapshotThreshold, int maxPendingJobs, long workerCertLifetimeSecs, List<String> warnings,
                        ServerTls tls, Gc gc, Metrics metrics) {
        this(dataDir, serverId, peers, workerGrpcAddr, heartbeat, dev, snapshotThreshold, maxPendingJobs, workerCertLifetimeSecs,
                warnings, tls, gc, metrics, Operations.DEFAULTS);
    }

    public ServerConfig(Path dataDir, int serverId, List<Peer> peers, HostPort workerGrpcAddr, HeartbeatPolicy heartbeat,
                        boolean dev, long snapshotThreshold, int maxPendingJobs, long workerCertLifetimeSecs, List<String> warnings,
                        ServerTls tls, Gc gc) {
        this(dataDir, serverId, peers, workerGrpcAddr, heartbeat, dev, snapshotThreshold, maxPendingJobs, workerCertLifetimeSecs,
                warnings, tls, gc, Metrics.DEFAULTS);
    }

    public ServerConfig(Path dataDir, int serverId, List<Peer> peers, HostPort workerGrpcAddr, HeartbeatPolicy heartbeat,
                        boolean dev, long snapshotThreshold, int maxPendingJobs, long workerCertLifetimeSecs, List<String> warnings) {
        this(dataDir, serverId, peers, workerGrpcAddr, heartbeat, dev, snapshotThreshold, maxPendingJobs, workerCertLifetimeSecs,
                warnings, ServerTls.NONE);
    }

    public ServerConfig(Path dataDir, int serverId, List<Peer> peers, HostPort workerGrpcAddr, HeartbeatPolicy heartbeat,
                        boolean dev, long snapshotThreshold, int maxPendingJobs, long workerCertLifetimeSecs, List<String> warnings,
                        ServerTls tls) {
        this(dataDir, serverId, peers, workerGrpcAddr, heartbeat, dev, snapshotThreshold, maxPendingJobs, workerCertLifetimeSecs,
                warnings, tls, Gc.DEFAULTS);
    }

    public Peer self() {
        return peers.stream().filter(p -> p.id() == serverId).findFirst().orElseThrow();
    }

    public HostPort apiAddr() {
        return self().apiAddr();
    }

    public HostPort raftAddr() {
        return self().raftAddr();
    }

    /** `muster dev`: one server on loopback, plain HTTP API without ACLs, small snapshots. */
    public static ServerConfig dev(Path dataDir, int apiPort, int raftPort, int grpcPort) {
        Peer self = new Peer(1, new HostPort("127.0.0.1", raftPort), new HostPort("127.0.0.1", apiPort));
        return new ServerConfig(dataDir, 1, List.of(self), new HostPort("127.0.0.1", grpcPort), HeartbeatPolicy.DEFAULTS, true,
                10_000, 10_000, 72 * 3600, List.of());
    }

    public ServerConfig withDataDir(Path dir) {
        return new ServerConfig(dir, serverId, peers, workerGrpcAddr, heartbeat, dev, snapshotThreshold,
                maxPendingJobs, workerCertLifetimeSecs, warnings, tls, gc, metrics, operations, events, discovery);
    }

    public ServerConfig withTls(ServerTls t) {
        return new ServerConfig(dataDir, serverId, peers, workerGrpcAddr, heartbeat, dev, snapshotThreshold,
                maxPendingJobs, workerCertLifetimeSecs, warnings, t, gc, metrics, operations, events, discovery);
    }

    public ServerConfig withGc(Gc g) {
        return new ServerConfig(dataDir, serverId, peers, workerGrpcAddr, heartbeat, dev, snapshotThreshold,
                maxPendingJobs, workerCertLifetimeSecs, warnings, tls, g, metrics, operations, events, discovery);
    }

    public ServerConfig withMetrics(Metrics m) {
        return new ServerConfig(dataDir, serverId, peers, workerGrpcAddr, heartbeat, dev, snapshotThreshold,
                maxPendingJobs, workerCertLifetimeSecs, warnings, tls, gc, m, operations, events, discovery);
    }

    public ServerConfig withOperations(Operations o) {
        return new ServerConfig(dataDir, serverId, peers, workerGrpcAddr, heartbeat, dev, snapshotThreshold,
                maxPendingJobs, workerCertLifetimeSecs, warnings, tls, gc, metrics, o, events, discovery);
    }

    public ServerConfig withEvents(Events e) {
        return new ServerConfig(dataDir, serverId, peers, workerGrpcAddr, heartbeat, dev, snapshotThreshold,
                maxPendingJobs, workerCertLifetimeSecs, warnings, tls, gc, metrics, operations, e, discovery);
    }

    public ServerConfig withDiscovery(io.muster.types.discovery.DiscoverySettings d) {
        return new ServerConfig(dataDir, serverId, peers, workerGrpcAddr, heartbeat, dev, snapshotThreshold,
                maxPendingJobs, workerCertLifetimeSecs, warnings, tls, gc, metrics, operations, events, d);
    }
}
