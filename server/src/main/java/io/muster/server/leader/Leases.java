package io.muster.server.leader;

import java.util.Optional;

/** What readers may know of the heartbeat leases: a node's last heartbeat and TTL (on the leader; empty elsewhere). */
public interface Leases {
    Optional<HeartbeatService.Beat> lastBeat(long nodeId);

    /**
     * The node's allocations' usage from its tasks' cgroups as its worker last sampled it, by allocation id (on the
     * leader; empty elsewhere, and for nodes without cgroups).
     */
    default java.util.Map<String, io.muster.proto.AllocUsage> allocUsage(long nodeId) {
        return java.util.Map.of();
    }
}
