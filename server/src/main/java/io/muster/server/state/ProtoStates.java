package io.muster.server.state;

import io.muster.proto.AllocState;
import io.muster.types.state.AllocStatus;
import io.muster.types.state.NodeStatus;
import java.util.Optional;

/**
 * The one place where the state enums meet the protobuf messages: the worker protocol's {@link AllocState} and the
 * Raft log's node state changes (a string field, holding {@link NodeStatus#wire()}). Log entries and worker reports
 * keep their encoding; only this class translates.
 */
public final class ProtoStates {
    private ProtoStates() {}

    /** A worker's reported allocation state; unspecified (or a value newer than this server) reads as pending, as always. */
    public static AllocStatus allocStatus(AllocState s) {
        return switch (s) {
            case ALLOC_RUNNING -> AllocStatus.RUNNING;
            case ALLOC_COMPLETE -> AllocStatus.COMPLETE;
            case ALLOC_FAILED -> AllocStatus.FAILED;
            case ALLOC_LOST -> AllocStatus.LOST;
            case ALLOC_STOPPED -> AllocStatus.STOPPED;
            case ALLOC_PENDING, ALLOC_STATE_UNSPECIFIED, UNRECOGNIZED -> AllocStatus.PENDING;
        };
    }

    public static AllocState allocState(AllocStatus s) {
        return switch (s) {
            case PENDING -> AllocState.ALLOC_PENDING;
            case RUNNING -> AllocState.ALLOC_RUNNING;
            case COMPLETE -> AllocState.ALLOC_COMPLETE;
            case FAILED -> AllocState.ALLOC_FAILED;
            case LOST -> AllocState.ALLOC_LOST;
            case STOPPED -> AllocState.ALLOC_STOPPED;
        };
    }

    /**
     * The target state of a logged {@code NodeStateChange}: empty for "no state change" (the field is empty when only
     * the profile changed) and for a name this server does not know. Applying a committed entry must not throw, so an
     * unknown name is skipped rather than rejected; the proposers only write {@link #nodeState}.
     */
    public static Optional<NodeStatus> nodeStatus(String logged) {
        return NodeStatus.findWire(logged);
    }

    /** What a {@code NodeStateChange} (and a worker's {@code StatusAck.node_state}) carries for {@code s}. */
    public static String nodeState(NodeStatus s) {
        return s.wire();
    }
}
