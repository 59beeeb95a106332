package io.muster.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.muster.proto.AllocState;
import io.muster.proto.AssignmentEvent;
import io.muster.proto.PollResponse;
import io.muster.proto.raft.ApplyPlan;
import io.muster.proto.raft.Command;
import io.muster.proto.raft.NodeStateBatch;
import io.muster.proto.raft.NodeStateChange;
import io.muster.proto.raft.PlannedAlloc;
import io.muster.proto.raft.RevokeNode;
import io.muster.server.leader.GcService;
import io.muster.server.testkit.AppliedState;
import io.muster.server.testkit.ManualClock;
import io.muster.types.config.ServerConfig;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What workers see of garbage collection: a worker polling with an old revision gets a Delete for a collected
 * allocation it may hold and no Set for it; after a snapshot restore (the event logs restart above its revision)
 * its full snapshot lists only live allocations. Revoked nodes are never collected and stay refused as revoked; a
 * collected node's certificates are refused as not registered (its id is never reused).
 */
class GcWorkerViewTest {
    final ManualClock clock = new ManualClock(1_700_000_000_000L);
    final AppliedState s = new AppliedState();
    final List<Long> nodes = s.readyNodes(2, 16_000, 65_536);
    final GcService gc = new GcService(s.state, c -> CompletableFuture.completedFuture(s.apply(c.setProposedUnixMs(clock.millis()).build())),
            clock, ServerConfig.Gc.DEFAULTS);
    final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    final ExecutorService responders = Executors.newSingleThreadExecutor();
    final PollHub hub = new PollHub(s.state, timer, responders, List::of);

    @AfterEach
    void close() {
        gc.close();
        timer.shutdownNow();
        responders.shutdownNow();
    }

    private PollResponse poll(long node, long revision) throws Exception {
        CompletableFuture<PollResponse> f = new CompletableFuture<>();
        hub.poll(node, revision, 1, new StreamObserver<>() {
            @Override
            public void onNext(PollResponse r) {
                f.complete(r);
            }

            @Override
            public void onError(Throwable t) {
                f.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {}
        });
        return f.get(10, TimeUnit.SECONDS);
    }

    private static PlannedAlloc place(String id, int index, long node, int attempt, String previous) {
        return PlannedAlloc.newBuilder().setAllocId(id).setJobId("web").setGroup("g").setIndex(index).setNodeId(node).setCpu(1).setMemoryMb(1)
                .setAttempt(attempt).setPreviousAllocId(previous).build();
    }

    private static Set<String> sets(PollResponse r) {
        return r.getEventsList().stream().filter(AssignmentEvent::hasSet).map(e -> e.getSet().getId()).collect(Collectors.toSet());
    }

    private static Set<String> deletes(PollResponse r) {
        return r.getEventsList().stream().filter(e -> e.getKindCase() == AssignmentEvent.KindCase.DELETE_ALLOC_ID)
                .map(AssignmentEvent::getDeleteAllocId).collect(Collectors.toSet());
    }

    @Test
    void aWorkerPollingWithAnOldRevisionAfterGcSeesACorrectPicture() throws Exception {
        long n = nodes.get(0);
        long oldRevision = s.state.appliedIndex();
        long v = s.registerJob("web", "service", 2, 1, 1);
        s.apply(Command.newBuilder().setApplyPlan(ApplyPlan.newBuilder().setJobId("web").setJobVersion(v)
                .addPlace(place("a0", 0, n, 0, "")).addPlace(place("a1", 1, n, 0, ""))));
        s.report("a1", AllocState.ALLOC_RUNNING, 0);
        s.report("a0", AllocState.ALLOC_FAILED, clock.millis());
        s.apply(Command.newBuilder().setApplyPlan(ApplyPlan.newBuilder().setJobId("web").setJobVersion(v).addPlace(place("r0", 0, n, 1, "a0"))));
        long current = s.state.appliedIndex(); // a worker that has seen everything so far

        assertEquals(1, gc.collectNow().get(30, TimeUnit.SECONDS).allocs());
        assertTrue(s.state.alloc("a0").isEmpty());

        PollResponse upToDate = poll(n, current);
        assertFalse(upToDate.getFullSnapshot());
        assertEquals(Set.of(), sets(upToDate));
        assertEquals(Set.of("a0"), deletes(upToDate), "its worker is told to drop the collected allocation");
        assertEquals(s.state.appliedIndex(), upToDate.getRevision());

        // Events as old as what was collected are dropped with it: a worker from before them gets the whole truth.
        PollResponse behind = poll(n, oldRevision);
        assertTrue(behind.getFullSnapshot());
        assertEquals(Set.of("a1", "r0"), sets(behind), "only live allocations");

        // A restore (restart, or a snapshot installed from the leader) raises the event floor above every revision.
        s.state.restore(s.state.image());
        PollResponse full = poll(n, current);
        assertTrue(full.getFullSnapshot());
        assertEquals(Set.of("a1", "r0"), sets(full));
    }

    @Test
    void aPurgeKeepsTheEventsAndSetsForPurgedAllocationsAreSkipped() throws Exception {
        long n = nodes.get(0);
        long oldRevision = s.state.appliedIndex();
        long v = s.registerJob("web", "service", 2, 1, 1);
        s.apply(Command.newBuilder().setApplyPlan(ApplyPlan.newBuilder().setJobId("web").setJobVersion(v)
                .addPlace(place("a0", 0, n, 0, "")).addPlace(place("a1", 1, n, 0, ""))));
        s.report("a1", AllocState.ALLOC_RUNNING, 0);
        s.apply(GcService.purgeCommand("web", clock.millis()).build());
        PollResponse r = poll(n, oldRevision);
        assertFalse(r.getFullSnapshot());
        assertEquals(Set.of(), sets(r), "no Set for a purged allocation");
        assertEquals(Set.of("a0", "a1"), deletes(r));
    }

    @Test
    void revokedNodesStayRefusedAndCollectedNodesAreRefusedToo() throws Exception {
        NodeCertificates certs = new NodeCertificates(s.state);
        long revoked = nodes.get(0);
        long down = nodes.get(1);
        s.apply(Command.newBuilder().setRevokeNode(RevokeNode.newBuilder().setNodeId(revoked).setReason("stolen")));
        s.apply(Command.newBuilder().setNodeStateBatch(NodeStateBatch.newBuilder()
                .addChanges(NodeStateChange.newBuilder().setNodeId(down).setState("down").setAtUnixMs(clock.millis()))));
        assertEquals(1, gc.collectNow().get(30, TimeUnit.SECONDS).nodes());
        assertTrue(s.state.node(revoked).isPresent(), "a revoked node is never collected");
        assertTrue(s.state.node(down).isEmpty());

        Status r = certs.refusal(revoked, "01").orElseThrow();
        assertEquals(Status.Code.PERMISSION_DENIED, r.getCode());
        assertTrue(r.getDescription().contains("revoked"), r.getDescription());
        Status d = certs.refusal(down, "01").orElseThrow();
        assertEquals(Status.Code.UNAUTHENTICATED, d.getCode());
        assertTrue(d.getDescription().contains("not registered"), d.getDescription());
        // Also after a restart from a snapshot.
        s.state.restore(s.state.image());
        assertEquals(Status.Code.PERMISSION_DENIED, certs.refusal(revoked, "01").orElseThrow().getCode());
        assertEquals(Status.Code.UNAUTHENTICATED, certs.refusal(down, "01").orElseThrow().getCode());
    }
}
