package io.muster.server.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.muster.proto.AllocState;
import io.muster.proto.raft.ApplyPlan;
import io.muster.proto.raft.Command;
import io.muster.proto.raft.PlannedAlloc;
import io.muster.proto.raft.PutSecret;
import io.muster.proto.raft.SetNodeDrain;
import io.muster.proto.raft.StopJob;
import io.muster.server.testkit.AppliedState;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** Events as the state machine's changes make them: types, keys, payloads, and the same sequence on every replica. */
class EventRecorderTest {

    /** Applies a scenario to a fresh state with a broker attached; returns every journalled event. */
    private static List<StateEvent> record(Consumer<AppliedState> scenario) {
        AppliedState s = new AppliedState();
        EventBroker b = new EventBroker(s.state, EventBroker.Settings.DEFAULTS, Clock.systemUTC());
        s.state.addListener(b.listener());
        long from = s.state.appliedIndex();
        scenario.accept(s);
        EventJournal.Batch batch = b.journal().read(b.journal().after(from).orElseThrow(), Integer.MAX_VALUE);
        assertEquals(s.state.appliedIndex(), batch.completeIndex(), "every applied index is in the journal");
        return batch.events();
    }

    private static void scenario(AppliedState s) {
        List<Long> nodes = s.readyNodes(2, 1000, 1000);
        s.registerJob("web", "service", 1, 10, 10);
        s.apply(Command.newBuilder().setApplyPlan(ApplyPlan.newBuilder().setJobId("web").setJobVersion(1)
                .addPlace(PlannedAlloc.newBuilder().setAllocId("web.a1").setJobId("web").setGroup("g").setNodeId(nodes.get(1)).setCpu(10).setMemoryMb(10))));
        s.report("web.a1", AllocState.ALLOC_RUNNING, 0);
        s.apply(Command.newBuilder().setPutSecret(PutSecret.newBuilder().setName("db_password").setSealed(ByteString.copyFromUtf8("sealed-bytes"))));
        s.registerJob("web", "service", 1, 20, 10); // a new version: replaces the allocation
        s.apply(Command.newBuilder().setSetNodeDrain(SetNodeDrain.newBuilder().setNodeId(nodes.get(0)).setEnabled(true)));
        s.apply(Command.newBuilder().setStopJob(StopJob.newBuilder().setJobId("web")));
    }

    private static List<String> types(List<StateEvent> events) {
        List<String> out = new ArrayList<>();
        for (StateEvent e : events) out.add(e.topic().wire() + ":" + e.type() + ":" + e.key());
        return out;
    }

    @Test
    void eachChangeBecomesAnEventOfItsIndex() {
        List<StateEvent> events = record(EventRecorderTest::scenario);
        assertEquals(List.of(
                "Node:NodeRegistered:1", "Node:NodeRegistered:2", "Node:NodeReady:1", "Node:NodeReady:2",
                "Job:JobRegistered:web",
                "Allocation:AllocationPlaced:web.a1",
                "Allocation:AllocationUpdated:web.a1",
                "Allocation:AllocationUpdated:web.a1", "Job:JobRegistered:web", "Deployment:DeploymentStarted:web",
                "Node:NodeDraining:1",
                "Job:JobStopped:web"), types(events));
        for (int k = 1; k < events.size(); k++) assertTrue(events.get(k).index() >= events.get(k - 1).index());
        StateEvent placed = events.get(5);
        assertEquals(new EventPayload.Allocation("web", 1, "g", 0, 2, "run", "pending", 0, null, "placed", 0, null), placed.payload());
        assertEquals("web", placed.jobId());
        assertEquals(2, placed.nodeId());
        StateEvent running = events.get(6);
        assertEquals("running", ((EventPayload.Allocation) running.payload()).status());
        assertEquals(running.index(), placed.index() + 1);
        // The update stops the old allocation, registers version 2 and starts its deployment, all at one index.
        assertEquals("stop", ((EventPayload.Allocation) events.get(7).payload()).desired());
        assertEquals(new EventPayload.Deployment(2, 1), events.get(9).payload());
        assertEquals(events.get(7).index(), events.get(9).index());
        assertEquals(new EventPayload.Job(2, "service", true), events.get(11).payload());
        // The secret's put made no event at all: no name, no sealed bytes.
        assertFalse(events.stream().anyMatch(e -> e.toString().contains("db_password") || e.toString().contains("sealed-bytes")));
    }

    @Test
    void everyReplicaRecordsTheSameEvents() {
        assertEquals(record(EventRecorderTest::scenario), record(EventRecorderTest::scenario));
    }

    @Test
    void aRejectedCommandMakesNoEventButItsIndexIsComplete() {
        List<StateEvent> events = record(s -> s.apply(Command.newBuilder().setStopJob(StopJob.newBuilder().setJobId("no-such-job"))));
        assertEquals(List.of(), events);
    }
}
