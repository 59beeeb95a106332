package io.muster.server.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.muster.proto.AllocState;
import io.muster.proto.raft.ApplyPlan;
import io.muster.proto.raft.Command;
import io.muster.proto.raft.CommandResult;
import io.muster.proto.raft.NodeStateBatch;
import io.muster.proto.raft.NodeStateChange;
import io.muster.proto.raft.PlannedAlloc;
import io.muster.proto.raft.StoppedAlloc;
import io.muster.server.state.Records.AllocRecord;
import io.muster.server.testkit.AppliedState;
import io.muster.types.state.AllocStatus;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** {@code ApplyPlan} never gives one slot of a job two live allocations, whatever order plans commit in. */
class ApplyPlanSlotTest {
    private static final long PLANNED_AT = 5_000;

    private final AppliedState s = new AppliedState();
    private final List<Long> nodes = s.readyNodes(3, 16_000, 65_536);

    private static PlannedAlloc place(String allocId, String job, int index, long node) {
        return place(allocId, job, index, node, 0, "");
    }

    private static PlannedAlloc place(String allocId, String job, int index, long node, int attempt, String previous) {
        return PlannedAlloc.newBuilder().setAllocId(allocId).setJobId(job).setGroup("g").setIndex(index).setNodeId(node)
                .setCpu(10).setMemoryMb(10).setAttempt(attempt).setPreviousAllocId(previous).build();
    }

    private CommandResult plan(String job, long version, List<PlannedAlloc> places, List<String> stops) {
        ApplyPlan.Builder b = ApplyPlan.newBuilder().setJobId(job).setJobVersion(version).setPlannedUnixMs(PLANNED_AT).addAllPlace(places);
        for (String id : stops) b.addStop(StoppedAlloc.newBuilder().setAllocId(id).setReason("test"));
        CommandResult r = s.apply(Command.newBuilder().setApplyPlan(b));
        assertTrue(r.getOk(), r.getError());
        return r;
    }

    private Set<String> liveIds(String job) {
        return s.live(job).stream().map(AllocRecord::id).collect(Collectors.toSet());
    }

    @Test
    void aSecondPlanForLiveSlotsPlacesNothing() {
        long v = s.registerJob("web", "service", 3, 10, 10);
        CommandResult first = plan("web", v, List.of(place("a0", "web", 0, nodes.get(0)), place("a1", "web", 1, nodes.get(1)),
                place("a2", "web", 2, nodes.get(2))), List.of());
        assertEquals("3", first.getValue());
        assertEquals(0, s.state.job("web").orElseThrow().nextEvalAt());

        // An evaluation that did not see the first plan: same slots, other nodes and ids.
        CommandResult dup = plan("web", v, List.of(place("b0", "web", 0, nodes.get(2)), place("b1", "web", 1, nodes.get(0)),
                place("b2", "web", 2, nodes.get(1))), List.of());
        assertEquals("0", dup.getValue());
        assertEquals(Set.of("a0", "a1", "a2"), liveIds("web"));
        assertEquals(3, s.state.allocsOfJob("web").size());
        // Counted as skipped like the others: the job is due for another evaluation.
        assertEquals(PLANNED_AT, s.state.job("web").orElseThrow().nextEvalAt());
    }

    @Test
    void oneSlotTwiceInOnePlanIsPlacedOnce() {
        long v = s.registerJob("web", "service", 2, 10, 10);
        CommandResult r = plan("web", v, List.of(place("a0", "web", 0, nodes.get(0)), place("b0", "web", 0, nodes.get(1)),
                place("a1", "web", 1, nodes.get(1))), List.of());
        assertEquals("2", r.getValue());
        assertEquals(Set.of("a0", "a1"), liveIds("web"));
    }

    @Test
    void aReplacementForAFailedLostOrStoppedAllocationIsPlaced() {
        long v = s.registerJob("web", "service", 3, 10, 10);
        plan("web", v, List.of(place("a0", "web", 0, nodes.get(0)), place("a1", "web", 1, nodes.get(1)),
                place("a2", "web", 2, nodes.get(2))), List.of());

        // Slot 0 failed by itself: rescheduled in the same slot.
        s.report("a0", AllocState.ALLOC_FAILED, 100);
        assertEquals("1", plan("web", v, List.of(place("r0", "web", 0, nodes.get(1), 1, "a0")), List.of()).getValue());

        // Slot 1 is stopped and replaced by the same plan (a migration): stops apply before placements.
        assertEquals("1", plan("web", v, List.of(place("r1", "web", 1, nodes.get(0), 0, "a1")), List.of("a1")).getValue());

        // Slot 2's node is lost: its allocation is lost and no longer wanted, so it is replaced elsewhere.
        s.apply(Command.newBuilder().setNodeStateBatch(NodeStateBatch.newBuilder()
                .addChanges(NodeStateChange.newBuilder().setNodeId(nodes.get(2)).setState("down").setAtUnixMs(2))));
        assertEquals(AllocStatus.LOST, s.state.alloc("a2").orElseThrow().status());
        assertEquals("1", plan("web", v, List.of(place("r2", "web", 2, nodes.get(0), 0, "a2")), List.of()).getValue());

        assertEquals(Set.of("r0", "r1", "r2"), liveIds("web"));
        assertEquals(0, s.state.job("web").orElseThrow().nextEvalAt());

        // The replacements are live now: a late duplicate of any of them is not.
        assertEquals("0", plan("web", v, List.of(place("x0", "web", 0, nodes.get(1), 1, "a0"),
                place("x2", "web", 2, nodes.get(1), 0, "a2")), List.of()).getValue());
        assertEquals(Set.of("r0", "r1", "r2"), liveIds("web"));
    }

    @Test
    void aNewVersionFillsTheSlotsTheOldOneHeld() {
        long v1 = s.registerJob("web", "service", 2, 10, 10);
        plan("web", v1, List.of(place("a0", "web", 0, nodes.get(0)), place("a1", "web", 1, nodes.get(1))), List.of());
        long v2 = s.registerJob("web", "service", 2, 20, 10);
        assertEquals(v1 + 1, v2);
        assertEquals("2", plan("web", v2, List.of(place("b0", "web", 0, nodes.get(0)), place("b1", "web", 1, nodes.get(1))), List.of()).getValue());
        assertEquals(Set.of("b0", "b1"), liveIds("web"));
    }

    @Test
    void slotsOfOtherGroupsAndJobsAreTheirOwn() {
        long v = s.registerJob("web", "service", 1, 10, 10);
        long w = s.registerJob("api", "service", 1, 10, 10);
        plan("web", v, List.of(place("a0", "web", 0, nodes.get(0))), List.of());
        assertEquals("1", plan("api", w, List.of(place("b0", "api", 0, nodes.get(0))), List.of()).getValue());
        PlannedAlloc otherGroup = place("c0", "web", 0, nodes.get(1)).toBuilder().setGroup("h").build();
        assertEquals("1", plan("web", v, List.of(otherGroup), List.of()).getValue());
    }

    @Test
    void systemJobsHaveOneSlotPerNodeWhateverTheIndex() {
        long v = s.registerJob("agent", "system", 1, 10, 10);
        plan("agent", v, List.of(place("a", "agent", 0, nodes.get(0)), place("b", "agent", 1, nodes.get(1))), List.of());

        // A stale evaluation covers the same nodes again, with the same or with new indices: nothing is placed.
        assertEquals("0", plan("agent", v, List.of(place("a2", "agent", 0, nodes.get(0)), place("b2", "agent", 2, nodes.get(1))),
                List.of()).getValue());
        // Indices only number a system job's allocations: index 0 on another node is that node's first.
        assertEquals("1", plan("agent", v, List.of(place("c", "agent", 0, nodes.get(2))), List.of()).getValue());
        assertEquals(Set.of("a", "b", "c"), liveIds("agent"));

        // A failed one is rescheduled on its own node, keeping its index.
        s.report("b", AllocState.ALLOC_FAILED, 100);
        assertEquals("1", plan("agent", v, List.of(place("b3", "agent", 1, nodes.get(1), 1, "b")), List.of()).getValue());
        assertEquals(Set.of("a", "b3", "c"), liveIds("agent"));
        assertFalse(s.state.alloc("a2").isPresent());
    }

    @Test
    void sysbatchJobsHaveOneSlotPerNode() {
        long v = s.registerJob("once", "sysbatch", 1, 10, 10);
        plan("once", v, List.of(place("a", "once", 0, nodes.get(0))), List.of());
        assertEquals("0", plan("once", v, List.of(place("a2", "once", 5, nodes.get(0))), List.of()).getValue());
        assertEquals("1", plan("once", v, List.of(place("b", "once", 0, nodes.get(1))), List.of()).getValue());
    }
}
