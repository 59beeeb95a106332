package io.muster.server.leader;

import io.muster.proto.NodeProfile;
import io.muster.proto.StatusAck;
import io.muster.proto.StatusReport;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** Where the worker endpoint hands heartbeats: the leader's lease service (it answers only while this server leads). */
public interface Heartbeats {
    /** True while this server is the ready leader and holds the leases. */
    boolean leading();

    /** Renews the node's lease; the ack completes once any status change it carried is committed. */
    CompletableFuture<StatusAck> report(StatusReport report, Optional<NodeProfile> profileChange);
}
