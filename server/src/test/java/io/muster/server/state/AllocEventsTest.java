package io.muster.server.state;

import static io.muster.server.state.CommandKindsTest.NOW;
import static io.muster.server.state.CommandKindsTest.job;
import static io.muster.server.state.CommandKindsTest.plan;
import static io.muster.server.state.CommandKindsTest.ready;
import static io.muster.server.state.CommandKindsTest.register;
import static io.muster.server.state.CommandKindsTest.token;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.muster.proto.AllocEvent;
import io.muster.proto.AllocState;
import io.muster.proto.raft.AllocStatusBatch;
import io.muster.proto.raft.AllocStatusUpdate;
import io.muster.proto.raft.ApplyPlan;
import io.muster.proto.raft.Command;
import io.muster.proto.raft.CommandResult;
import io.muster.proto.raft.NodeStateBatch;
import io.muster.proto.raft.NodeStateChange;
import io.muster.proto.raft.PlannedAlloc;
import io.muster.proto.raft.StopJob;
import io.muster.types.state.AllocEventType;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The allocation history: its bound, and the events the appliers record (times from the command, never a clock). */
class AllocEventsTest {
    final ClusterState s = new ClusterState();
    final CommandApplier applier = new CommandApplier(s);
    long index;

    CommandResult apply(Command.Builder c, long at) {
        return applier.apply(c.setProposedUnixMs(at).build(), ++index, 1);
    }

    List<AllocEvents.Event> events(String alloc) {
        return s.alloc(alloc).orElseThrow().events().events();
    }

    static AllocEvents.Event ev(int i) {
        return new AllocEvents.Event(i, AllocEventType.TASK_EXITED, "e" + i);
    }

    @Test
    void keepsTheFirstTwoAndTheLastTwentyAndCountsTheRest() {
        AllocEvents e = AllocEvents.EMPTY;
        for (int i = 1; i <= 30; i++) e = e.append(ev(i));
        List<String> kept = e.events().stream().map(AllocEvents.Event::message).toList();
        List<String> want = new ArrayList<>(List.of("e1", "e2"));
        IntStream.rangeClosed(11, 30).forEach(i -> want.add("e" + i));
        assertEquals(want, kept);
        assertEquals(8, e.dropped());
        assertEquals(30, e.total());
        // One append of many lands on the same list as many appends of one: the bound does not depend on batching.
        List<AllocEvents.Event> all = IntStream.rangeClosed(1, 30).mapToObj(AllocEventsTest::ev).toList();
        assertEquals(e, AllocEvents.EMPTY.append(all, 0, 0));
        // Up to the bound nothing is dropped.
        AllocEvents small = AllocEvents.EMPTY.append(all.subList(0, 22), 0, 0);
        assertEquals(22, small.events().size());
        assertEquals(0, small.dropped());
    }

    @Test
    void aLongMessageIsCutDeterministically() {
        assertEquals(AllocEvents.MAX_MESSAGE, new AllocEvents.Event(1, AllocEventType.FAILED, "x".repeat(5000)).message().length());
    }

    /** Nodes 1 and 2 ready, job web with a1 on node 1 and a2 on node 2, placed at NOW + 10. */
    void cluster() {
        apply(token("t", 0, Long.MAX_VALUE), NOW);
        apply(register("t", 1), NOW);
        apply(register("t", 2), NOW);
        apply(ready(1, 2), NOW);
        apply(job("web", CommandKindsTest.SPEC, 0), NOW);
        assertEquals("2", apply(plan("web", 1, "a1", "1", "a2", "2"), NOW + 10).getValue());
    }

    static Command.Builder report(long node, String alloc, AllocState st, AllocEvent... events) {
        return Command.newBuilder().setAllocStatusBatch(AllocStatusBatch.newBuilder().addUpdates(AllocStatusUpdate.newBuilder().setNodeId(node)
                .setStatus(io.muster.proto.AllocStatus.newBuilder().setAllocId(alloc).setState(st).addAllEvents(List.of(events)))));
    }

    static AllocEvent worker(long seq, io.muster.proto.AllocEventType type, String message) {
        return AllocEvent.newBuilder().setSeq(seq).setTimeUnixMs(NOW + 100 + seq).setType(type).setMessage(message).build();
    }

    @Test
    void placementRecordsWhereWithTheCommandsTime() {
        cluster();
        assertEquals(List.of(new AllocEvents.Event(NOW + 10, AllocEventType.PLACED, "placed on h1 (node 1)")), events("a1"));
    }

    @Test
    void workerEventsAreAppendedOnceAcrossResends() {
        cluster();
        var received = worker(1, io.muster.proto.AllocEventType.ALLOC_EVENT_RECEIVED, "received by node 1");
        var started = worker(2, io.muster.proto.AllocEventType.ALLOC_EVENT_TASK_STARTED, "task t started: exec pid 42");
        var timedOut = worker(3, io.muster.proto.AllocEventType.ALLOC_EVENT_TIMED_OUT, "task t timed out after 3s");
        apply(report(1, "a1", AllocState.ALLOC_RUNNING, received, started), NOW + 20);
        // The same events again (an acknowledgement was lost) and one new one: only the new one is added.
        apply(report(1, "a1", AllocState.ALLOC_RUNNING, received, started, timedOut), NOW + 30);
        assertEquals(List.of("placed", "received", "started", "timed-out"), events("a1").stream().map(e -> e.type().wire()).toList());
        assertEquals(new AllocEvents.Event(NOW + 103, AllocEventType.TIMED_OUT, "task t timed out after 3s"), events("a1").getLast());
        assertEquals(3, s.alloc("a1").orElseThrow().events().workerSeq());
        // A type this server does not know is skipped, but its number counts as applied.
        apply(report(1, "a1", AllocState.ALLOC_RUNNING, AllocEvent.newBuilder().setSeq(4).setTypeValue(99).setMessage("future").build()), NOW + 40);
        assertEquals(4, events("a1").size());
        assertEquals(4, s.alloc("a1").orElseThrow().events().workerSeq());
        // Another node cannot write a1's history.
        apply(report(2, "a1", AllocState.ALLOC_RUNNING, worker(9, io.muster.proto.AllocEventType.ALLOC_EVENT_FAILED, "forged")), NOW + 50);
        assertEquals(4, events("a1").size());
    }

    @Test
    void aFloodOfWorkerEventsStaysBounded() {
        cluster();
        List<AllocEvent> flood = new ArrayList<>();
        for (int i = 1; i <= 500; i++) flood.add(worker(i, io.muster.proto.AllocEventType.ALLOC_EVENT_RESTARTING, "restart " + i));
        apply(report(1, "a1", AllocState.ALLOC_RUNNING, flood.toArray(AllocEvent[]::new)), NOW + 20);
        AllocEvents e = s.alloc("a1").orElseThrow().events();
        // Only the newest 20 of the report are appended (after "placed"); the 480 others are counted, not kept.
        assertEquals(1 + AllocEvents.LAST, e.events().size());
        assertEquals("placed", e.events().getFirst().type().wire());
        assertEquals("restart 481", e.events().get(1).message());
        assertEquals("restart 500", e.events().getLast().message());
        assertEquals(480, e.dropped());
        assertEquals(501, e.total());
        assertEquals(500, e.workerSeq());
    }

    @Test
    void stopLossAndRescheduleAreRecorded() {
        cluster();
        apply(Command.newBuilder().setNodeStateBatch(NodeStateBatch.newBuilder().addChanges(NodeStateChange.newBuilder().setNodeId(1)
                .setState("down").setAtUnixMs(NOW + 40))), NOW + 40);
        assertEquals(new AllocEvents.Event(NOW + 40, AllocEventType.NODE_LOST, "lost with node 1: node down"), events("a1").getLast());
        // The replacement names its predecessor, and the predecessor names its replacement.
        apply(Command.newBuilder().setApplyPlan(ApplyPlan.newBuilder().setJobId("web").setJobVersion(1).setPlannedUnixMs(NOW + 50)
                .addPlace(PlannedAlloc.newBuilder().setAllocId("b1").setJobId("web").setGroup("g").setIndex(0).setNodeId(2).setCpu(10)
                        .setMemoryMb(10).setAttempt(1).setPreviousAllocId("a1"))), NOW + 50);
        assertEquals(new AllocEvents.Event(NOW + 50, AllocEventType.RESCHEDULED, "rescheduled as b1 on h2 (node 2)"), events("a1").getLast());
        assertEquals("placed on h2 (node 2), replacing a1 (reschedule 1)", events("b1").getFirst().message());
        apply(Command.newBuilder().setStopJob(StopJob.newBuilder().setJobId("web")), NOW + 60);
        assertEquals(new AllocEvents.Event(NOW + 60, AllocEventType.STOP_REQUESTED, "stop requested: job stopped"), events("b1").getLast());
        // a1 was no longer wanted: stopping the job asks it nothing more.
        assertEquals(AllocEventType.RESCHEDULED, events("a1").getLast().type());
    }

    @Test
    void twoServersApplyingTheSameCommandsHoldTheSameHistory() {
        cluster();
        apply(report(1, "a1", AllocState.ALLOC_FAILED, worker(1, io.muster.proto.AllocEventType.ALLOC_EVENT_FAILED, "boom")), NOW + 20);
        AllocEventsTest other = new AllocEventsTest();
        other.cluster();
        other.apply(report(1, "a1", AllocState.ALLOC_FAILED, worker(1, io.muster.proto.AllocEventType.ALLOC_EVENT_FAILED, "boom")), NOW + 20);
        assertEquals(StateDigest.of(s), StateDigest.of(other.s));
        assertSame(AllocEventType.FAILED, events("a1").getLast().type());
    }
}
