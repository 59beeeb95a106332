package io.muster.server.leader;

import java.util.Optional;

/** What readers may know of the heartbeat leases: a node's last heartbeat and TTL (on the leader; empty elsewhere). */
public interface Leases {
    Optional<HeartbeatService.Beat> lastBeat(long nodeId);
}
