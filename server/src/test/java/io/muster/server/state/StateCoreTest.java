package io.muster.server.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.muster.proto.AllocState;
import io.muster.proto.raft.AllocStatusBatch;
import io.muster.proto.raft.AllocStatusUpdate;
import io.muster.proto.raft.ApplyPlan;
import io.muster.proto.raft.Command;
import io.muster.proto.raft.CommandResult;
import io.muster.proto.raft.KvPut;
import io.muster.proto.raft.PlannedAlloc;
import io.muster.proto.raft.SetNodeDrain;
import io.muster.server.state.Records.AllocRecord;
import io.muster.server.testkit.AppliedState;
import io.muster.types.state.AllocStatus;
import io.muster.types.state.NodeStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The state core: immutable snapshots per applied entry, atomic applies, consistent readers. */
class StateCoreTest {
    private final AppliedState s = new AppliedState();

    @Test
    void aSnapshotNeverChangesAndTheNextEntryPublishesANewOne() {
        s.apply(Command.newBuilder().setKvPut(KvPut.newBuilder().setKey("a")));
        ClusterSnapshot first = s.state.snapshot();
        s.apply(Command.newBuilder().setKvPut(KvPut.newBuilder().setKey("b")));
        ClusterSnapshot second = s.state.snapshot();
        assertTrue(first.kv("b").isEmpty(), "an old snapshot does not see later writes");
        assertTrue(second.kv("a").isPresent() && second.kv("b").isPresent());
        assertEquals(first.index() + 1, second.index());
    }

    @Test
    void aRejectionChangesNothingButTheIndexAndTellsNoListener() {
        List<Long> nodes = s.readyNodes(1, 1000, 1000);
        ClusterSnapshot before = s.state.snapshot();
        List<String> heard = new ArrayList<>();
        s.state.addListener(new StateListener() {
            @Override
            public void nodeChanged(Records.NodeRecord b, Records.NodeRecord a) {
                heard.add("node " + a.id());
            }
        });
        // Completing a drain that never started is a no-op; on an unknown node it is a rejection.
        CommandResult r = s.apply(Command.newBuilder().setSetNodeDrain(SetNodeDrain.newBuilder().setNodeId(999).setEnabled(true)));
        assertFalse(r.getOk());
        ClusterSnapshot after = s.state.snapshot();
        assertEquals(before.index() + 1, after.index());
        assertSame(before.nodes, after.nodes, "a rejection publishes the very same maps");
        assertTrue(heard.isEmpty());
        assertEquals(nodes.size(), after.nodes().size());
    }

    @Test
    void readersSeeWholeCommandsOnlyWhileAnotherThreadApplies() throws Exception {
        List<Long> nodes = s.readyNodes(4, 1_000_000, 1_000_000);
        long version = s.registerJob("big", "batch", 4000, 1, 1);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<String> broken = new AtomicReference<>();
        Thread reader = new Thread(() -> {
            long lastIndex = 0;
            while (!stop.get() && broken.get() == null) {
                ClusterSnapshot snap = s.state.snapshot();
                if (snap.index() < lastIndex) broken.set("index went back from " + lastIndex + " to " + snap.index());
                lastIndex = snap.index();
                // Every placement entry adds 200 allocations with their indexes: a reader sees all of an entry or none.
                List<AllocRecord> ofJob = snap.allocsOfJob("big");
                int onNodes = 0;
                for (long n : nodes) onNodes += snap.allocsOnNode(n).size();
                if (ofJob.size() % 200 != 0 || onNodes != ofJob.size() || snap.allocCount() != ofJob.size())
                    broken.set("torn read at index " + snap.index() + ": " + ofJob.size() + " by job, " + onNodes + " by node, "
                            + snap.allocCount() + " in all");
                long running = ofJob.stream().filter(a -> a.status() == AllocStatus.RUNNING).count();
                if (running % 200 != 0) broken.set("half a status batch visible: " + running + " running");
            }
        });
        reader.start();
        try {
            for (int entry = 0; entry < 20; entry++) {
                ApplyPlan.Builder plan = ApplyPlan.newBuilder().setJobId("big").setJobVersion(version).setPlannedUnixMs(1);
                AllocStatusBatch.Builder statuses = AllocStatusBatch.newBuilder();
                for (int i = 0; i < 200; i++) {
                    int index = entry * 200 + i;
                    long node = nodes.get(index % nodes.size());
                    plan.addPlace(PlannedAlloc.newBuilder().setAllocId("a" + index).setJobId("big").setGroup("g").setIndex(index).setNodeId(node)
                            .setCpu(1).setMemoryMb(1));
                    statuses.addUpdates(AllocStatusUpdate.newBuilder().setNodeId(node)
                            .setStatus(io.muster.proto.AllocStatus.newBuilder().setAllocId("a" + index).setState(AllocState.ALLOC_RUNNING)));
                }
                assertTrue(s.apply(Command.newBuilder().setApplyPlan(plan)).getOk());
                assertEquals("200", s.apply(Command.newBuilder().setAllocStatusBatch(statuses)).getValue());
            }
        } finally {
            stop.set(true);
            reader.join();
        }
        assertEquals(null, broken.get());
        assertEquals(4000, s.state.allocCount());
    }

    @Test
    void writesOfACommandAreInvisibleUntilCommittedAndAnAbandonedOneLeavesNothing() {
        List<Long> nodes = s.readyNodes(2, 1000, 1000);
        ClusterSnapshot before = s.state.snapshot();
        // What the applier does for each command: a transaction over the newest snapshot. An exception half-way through
        // abandons it, as this test does after writing to several maps.
        StateTx tx = new StateTx(before);
        tx.kv.put("x", new Records.KvEntry("x", new byte[0], 99));
        tx.putNode(s.state.node(nodes.get(0)).orElseThrow().withState(NodeStatus.DOWN, 1));
        tx.indexAlloc(new AllocRecord("z", "j", 1, "g", 0, nodes.get(1), 1, 1, true, "", AllocStatus.PENDING, 0, "", 0, 0, 0, "", 99, 99, "", null));
        assertEquals("x", tx.kv.get("x").key(), "the command reads its own writes");
        assertEquals(1, tx.allocsOnNode(nodes.get(1)).size());
        assertSame(before, s.state.snapshot(), "nothing is published before commit");
        assertTrue(s.state.kv("x").isEmpty());
        assertEquals(2, s.state.liveNodeCount());
        assertTrue(s.state.allocsOnNode(nodes.get(1)).isEmpty());
        ClusterSnapshot committed = tx.commit(before.index() + 1, 1);
        assertTrue(before.kv("x").isEmpty() && committed.kv("x").isPresent(), "commit makes a new snapshot; the old one is unchanged");
        assertEquals(1, committed.liveNodeCount());
    }

    @Test
    void listenersThatThrowAreLoggedNotFatalTheStateIsWholeByThen() {
        s.readyNodes(1, 1000, 1000);
        s.state.addListener(new StateListener() {
            @Override
            public void applied(long index) {
                throw new IllegalStateException("a broken listener");
            }
        });
        CommandResult r = s.apply(Command.newBuilder().setKvPut(KvPut.newBuilder().setKey("after")));
        assertTrue(r.getOk());
        assertTrue(s.state.kv("after").isPresent());
    }
}
