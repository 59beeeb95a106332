package io.muster.server.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.google.protobuf.ByteString;
import io.muster.proto.NodeProfile;
import io.muster.proto.raft.Command;
import io.muster.proto.raft.CreateJoinToken;
import io.muster.proto.raft.NodeStateBatch;
import io.muster.proto.raft.NodeStateChange;
import io.muster.proto.raft.RegisterNode;
import io.muster.proto.raft.SetNodeDrain;
import io.muster.server.state.ClusterState;
import io.muster.server.state.CommandApplier;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What `node status` says about a drain: the allocations left, and whether anything can take them. */
class DrainStatusTest {
    final ClusterState state = new ClusterState();
    final CommandApplier applier = new CommandApplier(state);
    long index;

    void apply(Command.Builder c) {
        applier.apply(c.setProposedUnixMs(1).build(), ++index, 1);
    }

    void node(int key) {
        apply(Command.newBuilder().setRegisterNode(RegisterNode.newBuilder().setTokenId("t")
                .setPublicKeySha256(ByteString.copyFrom(new byte[] {(byte) key})).setProfile(NodeProfile.newBuilder().setHostname("h" + key))
                .setRegisteredUnixMs(1).setCertSerialHex("c" + key)));
        apply(Command.newBuilder().setNodeStateBatch(NodeStateBatch.newBuilder().addChanges(NodeStateChange.newBuilder()
                .setNodeId(key).setState("ready").setAtUnixMs(1))));
    }

    @Test
    void theLastNodeDrainingSaysNothingCanTakeItsWork() {
        apply(Command.newBuilder().setCreateJoinToken(CreateJoinToken.newBuilder().setTokenId("t").setExpiresUnixMs(Long.MAX_VALUE)));
        node(1);
        var snap = state.snapshot();
        assertNull(NodeApi.drainStatus(snap, snap.node(1).orElseThrow(), List.of()), "not draining: nothing to say");
        apply(Command.newBuilder().setSetNodeDrain(SetNodeDrain.newBuilder().setNodeId(1).setEnabled(true)));
        snap = state.snapshot();
        assertEquals("nothing left on this node; the drain completes at the next heartbeat",
                NodeApi.drainStatus(snap, snap.node(1).orElseThrow(), List.of()));
        var running = new io.muster.server.state.Records.AllocRecord("a", "j", 1, "g", 0, 1, 0, 0, true, "",
                io.muster.types.state.AllocStatus.RUNNING, 0, "", 1, 0, 0, "", 1, 1, "", io.muster.server.state.AllocEvents.EMPTY);
        assertEquals("1 allocation still on this node; no other node is eligible to take them: they stay until a node joins or becomes"
                + " eligible (no drain deadline is set)", NodeApi.drainStatus(snap, snap.node(1).orElseThrow(), List.of(running)));
        node(2);
        snap = state.snapshot();
        assertEquals("1 allocation still on this node; 1 other eligible node can take them; the scheduler is moving them",
                NodeApi.drainStatus(snap, snap.node(1).orElseThrow(), List.of(running)));
    }
}
