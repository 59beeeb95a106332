package io.muster.server.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.muster.proto.NodeProfile;
import io.muster.proto.raft.Command;
import io.muster.proto.raft.CommandResult;
import io.muster.proto.raft.CreateJoinToken;
import io.muster.proto.raft.NodeStateBatch;
import io.muster.proto.raft.NodeStateChange;
import io.muster.proto.raft.RegisterNode;
import io.muster.proto.raft.RegisterNodeBatch;
import io.muster.proto.raft.RevokeNode;
import io.muster.types.state.NodeStatus;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Registrations applied to the state directly, without Raft: batches, retries, the key index and the live count. */
class RegistrationApplyTest {
    static final long NOW = 1_800_000_000_000L;

    final ClusterState state = new ClusterState();
    final CommandApplier applier = new CommandApplier(state);
    long index;

    CommandResult apply(Command.Builder c) {
        return applier.apply(c.setProposedUnixMs(NOW).build(), ++index, 1);
    }

    void token(String id, int maxUses) {
        assertTrue(apply(Command.newBuilder().setCreateJoinToken(CreateJoinToken.newBuilder().setTokenId(id).setMaxUses(maxUses)
                .setExpiresUnixMs(NOW + 3_600_000).setCreatedUnixMs(NOW))).getOk());
    }

    static RegisterNode reg(String token, int key, String serial) {
        return RegisterNode.newBuilder().setTokenId(token).setProfile(NodeProfile.newBuilder().setHostname("h" + key))
                .setPublicKeySha256(ByteString.copyFrom(new byte[] {(byte) key, 1, 2, 3})).setRegisteredUnixMs(NOW)
                .setCertSerialHex(serial).setCertNotAfterUnixMs(NOW + 86_400_000).build();
    }

    CommandResult batch(RegisterNode... regs) {
        return apply(Command.newBuilder().setRegisterNodeBatch(RegisterNodeBatch.newBuilder().addAllNodes(List.of(regs))));
    }

    @Test
    void aBatchAppliesEachRegistrationOnItsOwnInOrder() {
        token("t1", 2);
        token("t2", 0);
        CommandResult r = batch(reg("t1", 1, "a1"), reg("t1", 2, "a2"), reg("t1", 3, "a3"), reg("nope", 4, "a4"), reg("t2", 5, "a5"));
        assertTrue(r.getOk());
        assertEquals(5, r.getItemsCount());
        assertEquals(List.of(true, true, false, false, true), r.getItemsList().stream().map(CommandResult::getOk).toList());
        assertEquals("TOKEN_EXHAUSTED", r.getItems(2).getErrorCode(), "the third use of a 2-use token is refused, the others stand");
        assertEquals("TOKEN_UNKNOWN", r.getItems(3).getErrorCode());
        assertEquals(List.of(1L, 2L, 0L, 0L, 3L), r.getItemsList().stream().map(CommandResult::getNodeId).toList());
        assertEquals(2, state.joinToken("t1").orElseThrow().uses());
        assertEquals(3, state.nodes().size());
        assertEquals(4, state.nextNodeId());
        // The certificate is recorded with the registration: no second write.
        assertEquals("a5", state.node(3).orElseThrow().certSerial());
        assertEquals(NOW + 86_400_000, state.node(3).orElseThrow().certNotAfter());
    }

    @Test
    void aRetriedRegistrationIsTheSameNodeAndRecordsTheNewLeaf() {
        token("t1", 1);
        assertEquals(1, batch(reg("t1", 7, "first")).getItems(0).getNodeId());
        CommandResult again = batch(reg("t1", 7, "second"));
        assertTrue(again.getItems(0).getOk(), "a retry is not a second use: " + again);
        assertEquals(1, again.getItems(0).getNodeId());
        assertEquals("second", state.node(1).orElseThrow().certSerial());
        assertEquals(1, state.nodes().size());
        // The same key once revoked registers as a new node (if the token allows it): the index follows the newest.
        apply(Command.newBuilder().setRevokeNode(RevokeNode.newBuilder().setNodeId(1).setReason("test")));
        assertEquals("TOKEN_EXHAUSTED", batch(reg("t1", 7, "third")).getItems(0).getErrorCode());
        token("t3", 1);
        assertEquals(2, batch(reg("t3", 7, "fourth")).getItems(0).getNodeId());
        assertEquals(2, state.nodeByPublicKey("07010203").orElseThrow().id());
    }

    @Test
    void renewalsKeepTheCurrentAndThePreviousSerialOnly() {
        token("t", 0);
        batch(reg("t", 1, "s1"));
        record(1, "s2");
        NodeRecordAssert.serials(state, 1, "s2", "s1");
        record(1, "s2"); // recorded again (a retried proposal): nothing moves
        NodeRecordAssert.serials(state, 1, "s2", "s1");
        record(1, "s3");
        NodeRecordAssert.serials(state, 1, "s3", "s2");
        var n = state.node(1).orElseThrow();
        assertTrue(n.acceptsSerial("s3") && n.acceptsSerial("s2"));
        assertFalse(n.acceptsSerial("s1"), "the serial two renewals back");
        assertFalse(n.acceptsSerial("ff"), "a serial never recorded");
        // A snapshot carries both.
        ClusterState restored = new ClusterState();
        restored.restore(state.image());
        NodeRecordAssert.serials(restored, 1, "s3", "s2");
        // A revoked node gets no new certificate on record.
        apply(Command.newBuilder().setRevokeNode(RevokeNode.newBuilder().setNodeId(1).setReason("x")));
        assertEquals("NODE_REVOKED", record(1, "s4").getErrorCode());
    }

    CommandResult record(long nodeId, String serial) {
        return apply(Command.newBuilder().setRecordCertificate(io.muster.proto.raft.RecordCertificate.newBuilder().setNodeId(nodeId)
                .setSerialHex(serial).setNotAfterUnixMs(NOW + 86_400_000)));
    }

    static final class NodeRecordAssert {
        static void serials(ClusterState s, long id, String current, String previous) {
            var n = s.node(id).orElseThrow();
            assertEquals(current, n.certSerial());
            assertEquals(previous, n.previousCertSerial());
        }
    }

    @Test
    void liveNodeCountFollowsEveryTransitionAndSurvivesARestore() {
        token("t", 0);
        batch(reg("t", 1, "s1"), reg("t", 2, "s2"), reg("t", 3, "s3"));
        assertEquals(3, state.liveNodeCount(), "initializing nodes count");
        apply(Command.newBuilder().setNodeStateBatch(NodeStateBatch.newBuilder()
                .addChanges(NodeStateChange.newBuilder().setNodeId(1).setState(NodeStatus.READY.wire()).setAtUnixMs(NOW))
                .addChanges(NodeStateChange.newBuilder().setNodeId(2).setState(NodeStatus.DOWN.wire()).setAtUnixMs(NOW))));
        assertEquals(2, state.liveNodeCount());
        apply(Command.newBuilder().setNodeStateBatch(NodeStateBatch.newBuilder()
                .addChanges(NodeStateChange.newBuilder().setNodeId(2).setState(NodeStatus.READY.wire()).setAtUnixMs(NOW))));
        assertEquals(3, state.liveNodeCount(), "down and back");
        apply(Command.newBuilder().setRevokeNode(RevokeNode.newBuilder().setNodeId(3).setReason("x")));
        assertEquals(2, state.liveNodeCount());
        assertEquals(expectedLive(state), state.liveNodeCount());

        ClusterState restored = new ClusterState();
        restored.restore(state.image());
        assertEquals(2, restored.liveNodeCount());
        assertEquals(2, restored.nodeByPublicKey("02010203").orElseThrow().id());
        assertEquals(4, restored.nextNodeId());
    }

    @Test
    void aPollForANodeNotAppliedYetWaitsForItsRegistration() {
        token("t", 0);
        var waiting = state.awaitNodeId(2);
        assertTrue(state.awaitNodeId(0).isDone(), "ids below the next id are known");
        batch(reg("t", 1, "s1"));
        assertFalse(waiting.isDone(), "node 1 applied, node 2 not yet");
        batch(reg("t", 2, "s2"));
        assertTrue(waiting.isDone());
    }

    static long expectedLive(ClusterState s) {
        return s.nodes().stream().filter(n -> !n.state().isLost()).count();
    }
}
