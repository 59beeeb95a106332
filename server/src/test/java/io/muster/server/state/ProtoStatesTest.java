package io.muster.server.state;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.muster.proto.AllocState;
import io.muster.types.state.AllocStatus;
import io.muster.types.state.NodeStatus;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The protobuf encodings (worker reports, Raft log entries) map to the state enums and back without loss. */
class ProtoStatesTest {
    @Test
    void everyAllocStatusRoundTripsThroughTheProtoEnum() {
        for (AllocStatus s : AllocStatus.values()) assertEquals(s, ProtoStates.allocStatus(ProtoStates.allocState(s)));
        for (AllocState p : AllocState.values()) {
            if (p == AllocState.ALLOC_STATE_UNSPECIFIED || p == AllocState.UNRECOGNIZED) continue;
            assertEquals(p, ProtoStates.allocState(ProtoStates.allocStatus(p)));
        }
    }

    @Test
    void anUnspecifiedOrUnknownReportReadsAsPendingAsItAlwaysHas() {
        assertEquals(AllocStatus.PENDING, ProtoStates.allocStatus(AllocState.ALLOC_STATE_UNSPECIFIED));
        assertEquals(AllocStatus.PENDING, ProtoStates.allocStatus(AllocState.UNRECOGNIZED));
    }

    @Test
    void theProtoNamesMatchTheWireNames() {
        for (AllocStatus s : AllocStatus.values())
            assertEquals("ALLOC_" + s.wire().toUpperCase(), ProtoStates.allocState(s).name());
    }

    @Test
    void loggedNodeStatesAreTheWireNames() {
        for (NodeStatus s : NodeStatus.values()) {
            assertEquals(s.wire(), ProtoStates.nodeState(s));
            assertEquals(Optional.of(s), ProtoStates.nodeStatus(ProtoStates.nodeState(s)));
        }
        // Entries already in logs spell them so; an empty state is a profile-only change.
        assertEquals(Optional.of(NodeStatus.READY), ProtoStates.nodeStatus("ready"));
        assertEquals(Optional.of(NodeStatus.DOWN), ProtoStates.nodeStatus("down"));
        assertEquals(Optional.empty(), ProtoStates.nodeStatus(""));
        // Applying a committed entry must not throw: an unknown name changes nothing.
        assertEquals(Optional.empty(), ProtoStates.nodeStatus("drained"));
    }
}
