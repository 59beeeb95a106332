package io.muster.worker.alloc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.muster.proto.AllocState;
import io.muster.proto.Allocation;
import io.muster.proto.AssignmentEvent;
import io.muster.proto.DrainEvent;
import io.muster.proto.PollResponse;
import io.muster.worker.state.WorkerState.StatusRecord;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The assignment stream's rules, without threads, files or network. */
class AssignmentLedgerTest {
    private static final String GROUP = """
            {"name": "web", "count": 1, "tasks": [{"name": "main", "driver": "exec", "command": "true"}]}""";
    private static final long NOW = 1_700_000_000_000L;

    private static AssignmentEvent set(String id, long revision) {
        return AssignmentEvent.newBuilder().setRevision(revision).setSet(Allocation.newBuilder().setId(id)
                .setJobId("job").setGroup("web").setJobType("batch").setGroupSpecJson(ByteString.copyFromUtf8(GROUP))).build();
    }

    private static PollResponse poll(long revision, boolean snapshot, AssignmentEvent... events) {
        return PollResponse.newBuilder().setRevision(revision).setFullSnapshot(snapshot).addAllEvents(List.of(events)).build();
    }

    private static StatusRecord complete() {
        return new StatusRecord(AllocState.ALLOC_COMPLETE.name(), 0, "done", NOW - 10, NOW, 0);
    }

    @Test
    void aSetIsEnsureAFinishedAllocationIsNeverStartedAgain() {
        AssignmentLedger ledger = new AssignmentLedger();
        AssignmentLedger.Plan plan = new AssignmentLedger.Plan();
        ledger.apply(poll(3, false, set("a", 3)), NOW, plan);
        assertEquals(List.of("a"), plan.start.stream().map(AssignmentLedger.Entry::id).toList());
        assertEquals(3, ledger.lastRevision());

        ledger.get("a").status = complete();
        AssignmentLedger.Plan again = new AssignmentLedger.Plan();
        ledger.apply(poll(4, false, set("a", 4)), NOW, again);
        assertTrue(again.start.isEmpty(), "a completed allocation is not run again");
        assertEquals(4, ledger.lastRevision());
    }

    @Test
    void aSnapshotStopsWhatItLeavesOutResetsTheRevisionAndCarriesTheDrain() {
        AssignmentLedger ledger = new AssignmentLedger();
        AssignmentLedger.Plan plan = new AssignmentLedger.Plan();
        ledger.apply(poll(9, false, set("a", 8), set("b", 9),
                AssignmentEvent.newBuilder().setRevision(9).setDrain(DrainEvent.newBuilder().setEnabled(true)).build()), NOW, plan);
        assertTrue(ledger.draining());

        AssignmentLedger.Plan snapshot = new AssignmentLedger.Plan();
        ledger.apply(poll(5, true, set("a", 5)), NOW, snapshot);
        assertEquals(Map.of("b", "not in the server's assignment snapshot"), snapshot.stop);
        assertEquals(5, ledger.lastRevision(), "a snapshot is the whole truth, revision included");
        assertFalse(ledger.draining(), "the snapshot had no drain event");
    }

    @Test
    void stoppedRecordsStayForTheirLogsUntilTheRetentionEndsAndGoOnlyOnceSettled() {
        AssignmentLedger ledger = new AssignmentLedger();
        ledger.apply(poll(1, false, set("a", 1)), NOW, new AssignmentLedger.Plan());
        ledger.get("a").status = complete();
        ledger.apply(poll(2, false, AssignmentEvent.newBuilder().setRevision(2).setDeleteAllocId("a").build()), NOW,
                new AssignmentLedger.Plan());

        AssignmentLedger.Plan unsettled = new AssignmentLedger.Plan();
        ledger.collectGarbage(NOW, id -> false, unsettled);
        assertTrue(unsettled.forgotten.isEmpty(), "the server may not have the final status yet");

        AssignmentLedger.Plan kept = new AssignmentLedger.Plan();
        ledger.collectGarbage(NOW, id -> true, kept);
        assertTrue(kept.forgotten.isEmpty(), "no longer wanted, but its logs stay readable while the server may still show it");

        AssignmentLedger.Plan settled = new AssignmentLedger.Plan();
        ledger.collectGarbage(NOW + AssignmentLedger.FINISHED_RETENTION.toMillis() + 1, id -> true, settled);
        assertEquals(List.of("a"), settled.forgotten.stream().map(AssignmentLedger.Entry::id).toList());
        assertEquals(List.of("a"), settled.forgotten.get(0).taskKeys());
        assertEquals(0, ledger.entries().size());
    }
}
