package io.muster.types.config;

import io.muster.types.HeartbeatPolicy;
import java.util.List;
import java.util.Map;

/** How a daemon takes part in the cluster: the ZLayer ClusterMode shape. */
public sealed interface ClusterMode {

    record SingleNode() implements ClusterMode {}

    record Raft(int nodeId, List<Peer> peers) implements ClusterMode {}

    /** Parsed so the error can name it; Muster refuses it (no consensus log means racing writers). */
    record Static(int nodeId) implements ClusterMode {}

    record WorkerTierServer(int nodeId, List<Peer> peers, HostPort workerGrpcAddr, String workerCaDir,
                            HeartbeatPolicy heartbeat, Map<String, String> labels) implements ClusterMode {}

    record WorkerTierWorker(List<String> servers, String tokenFile, String identityDir,
                            HeartbeatPolicy heartbeat, Map<String, String> labels, List<String> backends,
                            boolean discover) implements ClusterMode {}
}
