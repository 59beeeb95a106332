package io.muster.server.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.muster.proto.AllocState;
import io.muster.proto.NodeProfile;
import io.muster.proto.raft.ApplyPlan;
import io.muster.proto.raft.CollectGarbage;
import io.muster.proto.raft.Command;
import io.muster.proto.raft.CommandResult;
import io.muster.proto.raft.CreateJoinToken;
import io.muster.proto.raft.NodeStateBatch;
import io.muster.proto.raft.NodeStateChange;
import io.muster.proto.raft.PlannedAlloc;
import io.muster.proto.raft.RegisterNode;
import io.muster.proto.raft.RevokeJoinToken;
import io.muster.proto.raft.RevokeNode;
import io.muster.proto.raft.SetNodeDrain;
import io.muster.proto.raft.StopJob;
import io.muster.server.leader.GcService;
import io.muster.server.leader.GcService.Outcome;
import io.muster.server.state.GcApplier.Counts;
import io.muster.server.state.NodeEventLog.Event;
import io.muster.server.state.NodeEventLog.Kind;
import io.muster.server.testkit.AppliedState;
import io.muster.server.testkit.ManualClock;
import io.muster.types.config.ServerConfig;
import io.muster.types.state.NodeStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Garbage collection through the applier and the leader's {@link GcService}, without Raft: each collectable kind
 * goes after its threshold and not before (an injected clock, no sleeping), what is live or still needed never
 * goes, purges and {@code system gc} take everything finished at once, and a stale entry skips what became
 * uncollectable. Thresholds are the defaults: job 4 h, allocation 1 h, node 24 h, token 1 h.
 */
class GcTest {
    /** A multiple of the time table's 10 s buckets, so that "T0 + threshold" lands in a bucket of its own. */
    static final long T0 = 1_700_000_000_000L;

    final ManualClock clock = new ManualClock(T0);
    final AppliedState s = new AppliedState();
    final List<Long> nodes = s.readyNodes(3, 16_000, 65_536);
    final GcService gc = new GcService(s.state, c -> CompletableFuture.completedFuture(s.apply(c.setProposedUnixMs(clock.millis()).build())),
            clock, ServerConfig.Gc.DEFAULTS);

    @AfterEach
    void close() {
        gc.close();
    }

    // ---------------------------------------------------------------- helpers

    static PlannedAlloc place(String id, String job, int index, long node, int attempt, String previous) {
        return PlannedAlloc.newBuilder().setAllocId(id).setJobId(job).setGroup("g").setIndex(index).setNodeId(node).setCpu(10).setMemoryMb(10)
                .setAttempt(attempt).setPreviousAllocId(previous).build();
    }

    static PlannedAlloc place(String id, String job, int index, long node) {
        return place(id, job, index, node, 0, "");
    }

    void plan(String job, long version, PlannedAlloc... places) {
        CommandResult r = s.apply(Command.newBuilder().setApplyPlan(ApplyPlan.newBuilder().setJobId(job).setJobVersion(version)
                .setPlannedUnixMs(clock.millis()).addAllPlace(List.of(places))));
        assertTrue(r.getOk(), r.getError());
        assertEquals(Integer.toString(places.length), r.getValue());
    }

    void stop(String job) {
        assertTrue(s.apply(Command.newBuilder().setStopJob(StopJob.newBuilder().setJobId(job))).getOk());
    }

    void nodeState(long node, NodeStatus state) {
        s.apply(Command.newBuilder().setNodeStateBatch(NodeStateBatch.newBuilder()
                .addChanges(NodeStateChange.newBuilder().setNodeId(node).setState(state.wire()).setAtUnixMs(clock.millis()))));
    }

    void at(Duration sinceT0) {
        clock.set(T0 + sinceT0.toMillis());
    }

    Outcome run() throws Exception {
        return gc.runOnce().get(30, TimeUnit.SECONDS);
    }

    Outcome collectNow() throws Exception {
        return gc.collectNow().get(30, TimeUnit.SECONDS);
    }

    boolean has(String allocId) {
        return s.state.alloc(allocId).isPresent();
    }

    List<Event> eventsSince(long node, long revision) {
        return s.state.eventLog(node).after(revision);
    }

    static final Duration JUST_BEFORE = Duration.ofSeconds(10);

    @Test
    void theTickRunsOnlyWhileLeadingAndRunsNeedNoLeadership() throws Exception {
        assertFalse(gc.leading());
        gc.startLeading(1);
        assertTrue(gc.leading());
        gc.startLeading(2); // a new term replaces the tick
        gc.stopLeading();
        assertFalse(gc.leading());
        long before = gc.runs();
        run(); // an explicit run (system gc on any server) works either way; the applier re-checks
        assertEquals(before + 1, gc.runs());
    }

    // ---------------------------------------------------------------- allocations

    @Test
    void aSupersededAllocationGoesAfterAllocAfterAndNotBefore() throws Exception {
        long n0 = nodes.get(0);
        long v = s.registerJob("web", "service", 1, 10, 10);
        plan("web", v, place("a0", "web", 0, n0));
        s.report("a0", AllocState.ALLOC_RUNNING, 0);
        s.report("a0", AllocState.ALLOC_FAILED, T0);
        plan("web", v, place("r0", "web", 0, nodes.get(1), 1, "a0"));
        s.report("r0", AllocState.ALLOC_RUNNING, 0);
        long revision = s.state.eventLog(n0).lastRevision();

        at(Duration.ofHours(1).minus(JUST_BEFORE));
        assertEquals(0, run().allocs());
        assertTrue(has("a0"));

        at(Duration.ofHours(1));
        Outcome o = run();
        assertEquals(1, o.allocs(), o.toString());
        assertFalse(has("a0"));
        assertTrue(has("r0"), "the live replacement stays");
        assertEquals(List.of("r0"), s.state.allocsOfJob("web").stream().map(Records.AllocRecord::id).toList());
        // a0 failed by itself and was still wanted: its worker may hold it, so it gets a Delete.
        List<Event> events = eventsSince(n0, revision);
        assertEquals(1, events.size(), events.toString());
        assertEquals(Kind.DELETE, events.getFirst().kind());
        assertEquals("a0", events.getFirst().allocId());
    }

    @Test
    void liveAllocationsAndWhatTheReconcilerStillReadsAreNeverCollected() throws Exception {
        long v = s.registerJob("svc", "service", 2, 10, 10);
        plan("svc", v, place("s0", "svc", 0, nodes.get(0)), place("s1", "svc", 1, nodes.get(1)));
        s.report("s0", AllocState.ALLOC_RUNNING, 0); // s1 stays pending
        // The latest allocation of a slot with nothing live: its attempt and finish time drive the reschedule.
        long e = s.registerJob("exhausted", "service", 1, 10, 10);
        plan("exhausted", e, place("e0", "exhausted", 0, nodes.get(0)));
        s.report("e0", AllocState.ALLOC_FAILED, T0);
        // A complete run of a live batch job: the slot is done for good only while it is there.
        long b = s.registerJob("batch", "batch", 2, 10, 10);
        plan("batch", b, place("b0", "batch", 0, nodes.get(0)), place("b1", "batch", 1, nodes.get(1)));
        s.report("b0", AllocState.ALLOC_COMPLETE, T0);
        s.report("b1", AllocState.ALLOC_RUNNING, 0);
        int allocs = s.state.allocCount();

        at(Duration.ofDays(30));
        assertEquals(Outcome.NONE, run());
        Outcome now = collectNow();
        assertEquals(0, now.allocs() + now.jobs() + now.nodes(), now.toString());
        assertEquals(allocs, s.state.allocCount());
        assertEquals(3, s.state.jobs().size());
    }

    @Test
    void allocationsOfAStoppedJobGoAfterAllocAfterAndTheJobAfterJobAfter() throws Exception {
        long v = s.registerJob("old", "service", 2, 10, 10);
        plan("old", v, place("o0", "old", 0, nodes.get(0)), place("o1", "old", 1, nodes.get(1)));
        s.report("o0", AllocState.ALLOC_RUNNING, 0);
        s.report("o1", AllocState.ALLOC_RUNNING, 0);
        stop("old");
        s.report("o0", AllocState.ALLOC_STOPPED, T0);
        s.report("o1", AllocState.ALLOC_STOPPED, T0);

        at(Duration.ofHours(1).minus(JUST_BEFORE));
        assertEquals(Outcome.NONE, run());
        at(Duration.ofHours(1));
        assertEquals(2, run().allocs());
        assertTrue(s.state.job("old").isPresent(), "the job outlives its allocations");
        at(Duration.ofHours(4).minus(JUST_BEFORE));
        assertEquals(0, run().jobs());
        at(Duration.ofHours(4));
        assertEquals(1, run().jobs());
        assertTrue(s.state.job("old").isEmpty());
        assertFalse(s.state.snapshot().allocsByJob.containsKey("old"), "no empty index set is left behind");
    }

    @Test
    void aStoppedJobWithAnAllocationStillStoppingStays() throws Exception {
        long v = s.registerJob("old", "service", 2, 10, 10);
        plan("old", v, place("o0", "old", 0, nodes.get(0)), place("o1", "old", 1, nodes.get(1)));
        s.report("o0", AllocState.ALLOC_RUNNING, 0);
        stop("old"); // o1 never started: stopped at once; o0 still runs until its worker reports
        at(Duration.ofDays(1));
        Outcome o = run();
        assertEquals(1, o.allocs(), o.toString());
        assertEquals(0, o.jobs());
        assertTrue(has("o0"));
        assertTrue(s.state.job("old").isPresent());
    }

    @Test
    void aFinishedBatchJobGoesWithItsAllocationsAfterJobAfter() throws Exception {
        long v = s.registerJob("b", "batch", 2, 10, 10);
        plan("b", v, place("b0", "b", 0, nodes.get(0)), place("b1", "b", 1, nodes.get(1)));
        s.report("b0", AllocState.ALLOC_COMPLETE, T0);
        s.report("b1", AllocState.ALLOC_COMPLETE, T0);
        // A batch job whose failed run will be rescheduled (default policy: 1 more attempt) is not finished.
        long f = s.registerJob("f", "batch", 1, 10, 10);
        plan("f", f, place("f0", "f", 0, nodes.get(2)));
        s.report("f0", AllocState.ALLOC_FAILED, T0);
        long revision = s.state.eventLog(nodes.get(0)).lastRevision();

        at(Duration.ofHours(1));
        assertEquals(Outcome.NONE, run(), "complete runs of a live batch job stay with it");
        at(Duration.ofHours(4).minus(JUST_BEFORE));
        assertEquals(Outcome.NONE, run());
        at(Duration.ofHours(4));
        Outcome o = run();
        assertEquals(1, o.jobs(), o.toString());
        assertEquals(2, o.allocs());
        assertTrue(s.state.job("b").isEmpty());
        assertTrue(s.state.job("f").isPresent(), "the reconciler would still reschedule f0");
        assertTrue(has("f0"));
        assertEquals(List.of(new Event(s.state.appliedIndex(), Kind.DELETE, "b0", false, 0)), eventsSince(nodes.get(0), revision));
    }

    // ---------------------------------------------------------------- nodes

    @Test
    void aDownNodeGoesAfterNodeAfterAndReadyDrainingOrRevokedOnesNever() throws Exception {
        long down = nodes.get(2);
        String key = s.state.node(down).orElseThrow().publicKeySha256();
        nodeState(down, NodeStatus.DOWN);
        s.apply(Command.newBuilder().setSetNodeDrain(SetNodeDrain.newBuilder().setNodeId(nodes.get(1)).setEnabled(true)));
        s.apply(Command.newBuilder().setRevokeNode(RevokeNode.newBuilder().setNodeId(nodes.get(0)).setReason("test")));
        long live = s.state.liveNodeCount();
        long nextId = s.state.nextNodeId();

        at(Duration.ofHours(24).minus(JUST_BEFORE));
        assertEquals(0, run().nodes());
        at(Duration.ofHours(24));
        assertEquals(1, run().nodes());
        assertTrue(s.state.node(down).isEmpty());
        assertTrue(s.state.nodeByPublicKey(key).isEmpty());
        assertFalse(s.state.hasEventLog(down));
        assertEquals(live, s.state.liveNodeCount());
        assertEquals(nextId, s.state.nextNodeId(), "node ids are never reused");

        at(Duration.ofDays(365));
        assertEquals(0, collectNow().nodes());
        assertEquals(NodeStatus.DRAINING, s.state.node(nodes.get(1)).orElseThrow().state());
        assertEquals(NodeStatus.REVOKED, s.state.node(nodes.get(0)).orElseThrow().state(), "a revoked node stays revoked");
    }

    @Test
    void aDownNodeGoesOnceItsLostAllocationsHaveReplacementsAndAreCollected() throws Exception {
        long down = nodes.get(0);
        long v = s.registerJob("web", "service", 1, 10, 10);
        // An id that sorts after the replacement's: a lost allocation ties with its replacement on attempt and finish time.
        plan("web", v, place("z-lost", "web", 0, down));
        s.report("z-lost", AllocState.ALLOC_RUNNING, 0);
        long w = s.registerJob("sys", "system", 0, 10, 10);
        plan("sys", w, place("sys-0", "sys", 0, down), place("sys-1", "sys", 1, nodes.get(1)));
        s.report("sys-0", AllocState.ALLOC_RUNNING, 0);
        nodeState(down, NodeStatus.DOWN); // both allocations on it are lost
        plan("web", v, place("a-repl", "web", 0, nodes.get(1), 0, "z-lost"));

        at(Duration.ofHours(1));
        assertEquals(2, run().allocs(), "the lost service allocation (replaced) and the system one (its node is down)");
        assertTrue(s.state.allocsOnNode(down).isEmpty());
        at(Duration.ofHours(24));
        assertEquals(1, run().nodes());
        assertTrue(has("a-repl") && has("sys-1"));
    }

    @Test
    void aNodeAndItsLastAllocationGoInOneEntry() throws Exception {
        long down = nodes.get(0);
        long v = s.registerJob("old", "service", 1, 10, 10);
        plan("old", v, place("o0", "old", 0, down));
        stop("old"); // pending: stopped at once
        nodeState(down, NodeStatus.DOWN);
        at(Duration.ofDays(2));
        Outcome o = collectNow();
        assertEquals(1, o.entries());
        assertEquals(1, o.nodes());
        assertEquals(1, o.jobs());
        assertTrue(s.state.node(down).isEmpty());
    }

    // ---------------------------------------------------------------- tokens

    @Test
    void joinTokensGoTokenAfterTheyExpiredWereRevokedOrUsedUp() throws Exception {
        s.apply(Command.newBuilder().setCreateJoinToken(CreateJoinToken.newBuilder().setTokenId("exp").setExpiresUnixMs(T0 + 60_000)));
        s.apply(Command.newBuilder().setCreateJoinToken(CreateJoinToken.newBuilder().setTokenId("rev").setExpiresUnixMs(Long.MAX_VALUE)));
        s.apply(Command.newBuilder().setRevokeJoinToken(RevokeJoinToken.newBuilder().setTokenId("rev")));
        s.apply(Command.newBuilder().setCreateJoinToken(CreateJoinToken.newBuilder().setTokenId("once").setExpiresUnixMs(Long.MAX_VALUE).setMaxUses(1)));
        CommandResult reg = s.apply(Command.newBuilder().setProposedUnixMs(T0).setRegisterNode(RegisterNode.newBuilder().setTokenId("once")
                .setPublicKeySha256(ByteString.copyFromUtf8("k-once")).setRegisteredUnixMs(T0).setProfile(NodeProfile.newBuilder().setOs("linux"))).build());
        assertTrue(reg.getOk(), reg.getError());

        assertEquals(0, run().tokens(), "revoked and used-up tokens are first seen now");
        at(Duration.ofHours(1));
        Outcome o = run();
        assertEquals(2, o.tokens(), o.toString());
        assertTrue(s.state.joinToken("rev").isEmpty() && s.state.joinToken("once").isEmpty());
        assertTrue(s.state.joinToken("exp").isPresent(), "expired 59 minutes ago");
        at(Duration.ofHours(1).plusMinutes(1));
        assertEquals(1, run().tokens());
        assertTrue(s.state.joinToken("exp").isEmpty());
        assertTrue(s.state.joinToken("t").isPresent(), "a valid token stays");
        assertEquals(Outcome.NONE, collectNow());
    }

    // ---------------------------------------------------------------- system gc, purge

    @Test
    void systemGcTakesEverythingFinishedAtOnce() throws Exception {
        long v = s.registerJob("old", "service", 1, 10, 10);
        plan("old", v, place("o0", "old", 0, nodes.get(0)));
        stop("old");
        long w = s.registerJob("web", "service", 1, 10, 10);
        plan("web", w, place("a0", "web", 0, nodes.get(0)));
        s.report("a0", AllocState.ALLOC_FAILED, T0);
        plan("web", w, place("r0", "web", 0, nodes.get(1), 1, "a0"));
        nodeState(nodes.get(2), NodeStatus.DOWN);
        s.apply(Command.newBuilder().setRevokeJoinToken(RevokeJoinToken.newBuilder().setTokenId("t")));
        Outcome o = collectNow();
        assertEquals(new Outcome(1, 2, 1, 1, 0, 1), o);
        assertEquals(List.of("r0"), s.state.allocsOfJob("web").stream().map(Records.AllocRecord::id).toList());
        assertEquals(1, s.state.allocCount());
    }

    @Test
    void purgeRemovesARunningJobAndItsAllocationsNowAndTellsTheWorkers() {
        long v = s.registerJob("web", "service", 2, 10, 10);
        plan("web", v, place("w0", "web", 0, nodes.get(0)), place("w1", "web", 1, nodes.get(1)));
        s.report("w0", AllocState.ALLOC_RUNNING, 0);
        long r0 = s.state.eventLog(nodes.get(0)).lastRevision();
        long r1 = s.state.eventLog(nodes.get(1)).lastRevision();
        CommandResult r = s.apply(GcService.purgeCommand("web", T0).setProposedUnixMs(T0).build());
        assertEquals(new Counts(1, 2, 0, 0, 0), Counts.parse(r.getValue()));
        assertTrue(s.state.job("web").isEmpty());
        assertEquals(0, s.state.allocCount());
        assertEquals(List.of(new Event(r.getIndex(), Kind.DELETE, "w0", false, 0)), eventsSince(nodes.get(0), r0));
        assertEquals(List.of(new Event(r.getIndex(), Kind.DELETE, "w1", false, 0)), eventsSince(nodes.get(1), r1));
        // Its worker's late report is ignored like any report for an unknown allocation.
        s.apply(Command.newBuilder().setAllocStatusBatch(io.muster.proto.raft.AllocStatusBatch.newBuilder().addUpdates(
                io.muster.proto.raft.AllocStatusUpdate.newBuilder().setNodeId(nodes.get(0)).setStatus(io.muster.proto.AllocStatus.newBuilder()
                        .setAllocId("w0").setState(AllocState.ALLOC_STOPPED)))));
        assertEquals(0, s.state.allocCount());
        assertEquals(new Counts(0, 0, 0, 0, 1), Counts.parse(s.apply(GcService.purgeCommand("web", T0).build()).getValue()));
    }

    // ---------------------------------------------------------------- determinism

    @Test
    void aStaleEntrySkipsWhatIsNoLongerCollectable() {
        long v = s.registerJob("old", "service", 1, 10, 10);
        plan("old", v, place("o0", "old", 0, nodes.get(0)));
        stop("old");
        long w = s.registerJob("web", "service", 1, 10, 10);
        plan("web", w, place("a0", "web", 0, nodes.get(1)));
        s.report("a0", AllocState.ALLOC_FAILED, T0);
        plan("web", w, place("r0", "web", 0, nodes.get(1), 1, "a0"));
        nodeState(nodes.get(2), NodeStatus.DOWN);
        s.apply(Command.newBuilder().setCreateJoinToken(CreateJoinToken.newBuilder().setTokenId("exp").setExpiresUnixMs(T0)));
        long decidedAt = s.state.appliedIndex();
        Command stale = Command.newBuilder().setProposedUnixMs(T0).setCollectGarbage(CollectGarbage.newBuilder().setNowUnixMs(T0)
                .addJobIds("old").addAllocIds("a0").addNodeIds(nodes.get(2)).addTokenIds("exp").addTokenIds("gone")
                .setJobIndexCutoff(decidedAt).setAllocIndexCutoff(decidedAt)).build();
        // Everything listed was collectable when decided; then, before the entry commits:
        s.registerJob("old", "service", 1, 20, 10);               // re-registered
        stop("web");                                                // a0 modified (no longer wanted) after the cutoff
        nodeState(nodes.get(2), NodeStatus.READY);                  // the node came back
        int allocs = s.state.allocCount();
        CommandResult r = s.apply(stale);
        assertTrue(r.getOk());
        assertEquals(new Counts(0, 0, 0, 1, 4), Counts.parse(r.getValue()));
        assertTrue(s.state.job("old").isPresent() && has("o0") && has("a0") && s.state.node(nodes.get(2)).isPresent());
        assertEquals(allocs, s.state.allocCount());
    }

    @Test
    void theApplierUsesTheEntrysTimeNotTheClock() {
        nodeState(nodes.get(2), NodeStatus.DOWN); // at T0
        Command early = Command.newBuilder().setCollectGarbage(CollectGarbage.newBuilder().setNowUnixMs(T0 + 1000).setNodeAfterMs(60_000)
                .addNodeIds(nodes.get(2))).build();
        at(Duration.ofDays(10)); // the wall clock says "long ago"; the entry says one second
        assertEquals(new Counts(0, 0, 0, 0, 1), Counts.parse(s.apply(early).getValue()));
        Command late = early.toBuilder().setCollectGarbage(early.getCollectGarbage().toBuilder().setNowUnixMs(T0 + 60_000)).build();
        assertEquals(new Counts(0, 0, 1, 0, 0), Counts.parse(s.apply(late).getValue()));
    }

    @Test
    void aLargeCollectionIsSplitIntoEntriesOfAtMostTenThousandIds() throws Exception {
        int n = 25_000;
        long v = s.registerJob("big", "service", n, 1, 1);
        List<PlannedAlloc> places = new ArrayList<>();
        for (int i = 0; i < n; i++) places.add(place("big-" + i, "big", i, nodes.get(i % 3)));
        plan("big", v, places.toArray(PlannedAlloc[]::new));
        s.report("big-0", AllocState.ALLOC_RUNNING, 0); // one still stopping: the job stays, its other allocations go
        stop("big");
        List<Long> sizes = new ArrayList<>();
        GcService counting = new GcService(s.state, c -> {
            sizes.add((long) c.getCollectGarbage().getAllocIdsCount());
            return CompletableFuture.completedFuture(s.apply(c.setProposedUnixMs(clock.millis()).build()));
        }, clock, ServerConfig.Gc.DEFAULTS);
        try {
            Outcome o = counting.collectNow().get(60, TimeUnit.SECONDS);
            assertEquals(n - 1, o.allocs());
            assertEquals(3, o.entries());
            assertEquals(List.of(10_000L, 10_000L, (long) n - 20_001), sizes);
            assertEquals(1, s.state.allocCount());
        } finally {
            counting.close();
        }
    }
}
