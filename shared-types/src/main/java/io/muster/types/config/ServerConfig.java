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
        ServerTls tls) {

    public ServerConfig(Path dataDir, int serverId, List<Peer> peers, HostPort workerGrpcAddr, HeartbeatPolicy heartbeat,
                        boolean dev, long snapshotThreshold, int maxPendingJobs, long workerCertLifetimeSecs, List<String> warnings) {
        this(dataDir, serverId, peers, workerGrpcAddr, heartbeat, dev, snapshotThreshold, maxPendingJobs, workerCertLifetimeSecs,
                warnings, ServerTls.NONE);
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
                maxPendingJobs, workerCertLifetimeSecs, warnings, tls);
    }

    public ServerConfig withTls(ServerTls t) {
        return new ServerConfig(dataDir, serverId, peers, workerGrpcAddr, heartbeat, dev, snapshotThreshold,
                maxPendingJobs, workerCertLifetimeSecs, warnings, t);
    }
}
