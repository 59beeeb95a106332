package io.muster.server.grpc;

import io.grpc.Status;
import io.muster.server.state.ClusterState;
import io.muster.server.state.Records.NodeRecord;
import io.muster.types.state.NodeStatus;
import java.util.Optional;

/**
 * Which worker leaves the replicated state accepts, per certificate rather than per node: the node must not be
 * revoked, and the serial must be the one on record for it or the one just rotated out. A leaf the worker CA
 * signed but that was superseded twice, or never recorded at all, is refused. Used at the TLS handshake (as the
 * trust manager's revocation check) and on every call, since a connection outlives renewals.
 */
final class NodeCertificates {
    private final ClusterState state;

    NodeCertificates(ClusterState state) {
        this.state = state;
    }

    /** Why node {@code nodeId}'s leaf with serial {@code serialHex} (lower-case hex, as recorded) is refused; empty if accepted. */
    Optional<Status> refusal(long nodeId, String serialHex) {
        NodeRecord n = state.node(nodeId).orElse(null);
        if (n == null) {
            // Registered through another server moments ago and not applied here yet: the handlers wait for that
            // registration (or answer NOT_FOUND). Ids below nextNodeId were assigned here: a node missing below it was
            // garbage-collected (down long enough; revoked nodes are never collected) and its id is never reused.
            if (nodeId >= state.nextNodeId()) return Optional.empty();
            return Optional.of(Status.UNAUTHENTICATED.withDescription("node " + nodeId + " is not registered in this cluster"));
        }
        // Worded as the workers expect ("revoked" with PERMISSION_DENIED): they stop for good on it.
        if (n.state() == NodeStatus.REVOKED) return Optional.of(Status.PERMISSION_DENIED.withDescription("node " + nodeId + " is revoked"));
        if (!n.acceptsSerial(serialHex)) {
            // UNAUTHENTICATED, not "revoked": a worker holding a superseded leaf should use its newer one, not stop.
            return Optional.of(Status.UNAUTHENTICATED.withDescription("certificate serial " + serialHex + " is not on record for node "
                    + nodeId + " (superseded or never issued); use the newest certificate"));
        }
        return Optional.empty();
    }
}
