package io.muster.server.state;

import io.muster.proto.AllocState;
import io.muster.types.state.AllocEventType;
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

    /** A reported event's type; null for unspecified or a type newer than this server (the event is skipped). */
    public static AllocEventType allocEventType(io.muster.proto.AllocEventType t) {
        return switch (t) {
            case ALLOC_EVENT_PLACED -> AllocEventType.PLACED;
            case ALLOC_EVENT_RECEIVED -> AllocEventType.RECEIVED;
            case ALLOC_EVENT_TASK_STARTED -> AllocEventType.TASK_STARTED;
            case ALLOC_EVENT_TASK_EXITED -> AllocEventType.TASK_EXITED;
            case ALLOC_EVENT_TIMED_OUT -> AllocEventType.TIMED_OUT;
            case ALLOC_EVENT_RESTARTING -> AllocEventType.RESTARTING;
            case ALLOC_EVENT_DEADLINE -> AllocEventType.DEADLINE;
            case ALLOC_EVENT_OOM_KILLED -> AllocEventType.OOM_KILLED;
            case ALLOC_EVENT_NODE_LOST -> AllocEventType.NODE_LOST;
            case ALLOC_EVENT_RESCHEDULED -> AllocEventType.RESCHEDULED;
            case ALLOC_EVENT_STOP_REQUESTED -> AllocEventType.STOP_REQUESTED;
            case ALLOC_EVENT_STOPPED -> AllocEventType.STOPPED;
            case ALLOC_EVENT_FAILED -> AllocEventType.FAILED;
            case ALLOC_EVENT_COMPLETED -> AllocEventType.COMPLETED;
            case ALLOC_EVENT_SETUP_FAILED -> AllocEventType.SETUP_FAILED;
            case ALLOC_EVENT_TYPE_UNSPECIFIED, UNRECOGNIZED -> null;
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
