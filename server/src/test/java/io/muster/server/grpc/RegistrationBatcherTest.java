package io.muster.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.muster.proto.NodeProfile;
import io.muster.proto.raft.Command;
import io.muster.proto.raft.CommandResult;
import io.muster.proto.raft.RegisterNode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/** Group commit of registrations, against a proposer whose commits the test completes by hand. */
class RegistrationBatcherTest {
    record Proposal(Command command, CompletableFuture<CommandResult> result) {}

    final List<Proposal> proposals = new ArrayList<>();

    CompletableFuture<CommandResult> propose(Command.Builder c) {
        Proposal p = new Proposal(c.build(), new CompletableFuture<>());
        proposals.add(p);
        return p.result();
    }

    static RegisterNode reg(String host) {
        return RegisterNode.newBuilder().setTokenId("t").setRegisteredUnixMs(1)
                .setProfile(NodeProfile.newBuilder().setHostname(host)).build();
    }

    /** Answers a proposal as the applier would: node ids 100, 101, ... in the order of the batch, at index 7. */
    static void commit(Proposal p) {
        CommandResult.Builder r = CommandResult.newBuilder().setOk(true).setIndex(7);
        for (int i = 0; i < p.command().getRegisterNodeBatch().getNodesCount(); i++)
            r.addItems(CommandResult.newBuilder().setOk(true).setNodeId(100 + i));
        p.result().complete(r.build());
    }

    @Test
    void idleRegistrationsGoAtOnceAndTheRestWaitForTheNextEntryTogether() throws Exception {
        RegistrationBatcher b = new RegistrationBatcher(this::propose, 3, 1, 1000);
        var first = b.submit(reg("a"));
        assertEquals(1, proposals.size(), "nothing in flight: proposed at once");
        var second = b.submit(reg("b"));
        var third = b.submit(reg("c"));
        var fourth = b.submit(reg("d"));
        var fifth = b.submit(reg("e"));
        assertEquals(1, proposals.size(), "one entry in flight: the others queue");
        assertEquals(4, b.queued());
        commit(proposals.get(0));
        assertEquals(100, first.get().getNodeId());
        assertEquals(7, first.get().getIndex(), "each item carries the entry's index");
        assertEquals(2, proposals.size());
        assertEquals(List.of("b", "c", "d"), hosts(proposals.get(1)), "up to maxBatch, in arrival order");
        commit(proposals.get(1));
        assertEquals(List.of(100L, 101L, 102L), List.of(second.get().getNodeId(), third.get().getNodeId(), fourth.get().getNodeId()));
        assertEquals(List.of("e"), hosts(proposals.get(2)));
        assertFalse(fifth.isDone());
        commit(proposals.get(2));
        assertEquals(100, fifth.get().getNodeId());
        assertEquals(0, b.queued());
    }

    @Test
    void eachCallerGetsItsOwnRefusalAndAFailedEntryFailsOnlyItsOwnItems() throws Exception {
        RegistrationBatcher b = new RegistrationBatcher(this::propose, 10, 1, 1000);
        var first = b.submit(reg("a"));
        var refused = b.submit(reg("b"));
        var accepted = b.submit(reg("c"));
        proposals.get(0).result().completeExceptionally(new IllegalStateException("no quorum"));
        var e = assertThrows(ExecutionException.class, first::get);
        assertEquals("no quorum", e.getCause().getMessage());
        Proposal next = proposals.get(1);
        assertEquals(List.of("b", "c"), hosts(next));
        next.result().complete(CommandResult.newBuilder().setOk(true).setIndex(9)
                .addItems(CommandResult.newBuilder().setOk(false).setErrorCode("TOKEN_EXHAUSTED").setError("no uses left"))
                .addItems(CommandResult.newBuilder().setOk(true).setNodeId(5)).build());
        assertEquals("TOKEN_EXHAUSTED", refused.get().getErrorCode());
        assertTrue(accepted.get().getOk());
        assertEquals(5, accepted.get().getNodeId());
    }

    @Test
    void twoEntriesMayBeInFlight() {
        RegistrationBatcher b = new RegistrationBatcher(this::propose, 10, 2, 1000);
        b.submit(reg("a"));
        b.submit(reg("b"));
        b.submit(reg("c"));
        assertEquals(2, proposals.size());
        assertEquals(1, b.queued());
        commit(proposals.get(1));
        assertEquals(3, proposals.size(), "a freed slot takes what waited");
        assertThrows(IllegalArgumentException.class, () -> new RegistrationBatcher(this::propose, 0, 1, 1000));
    }

    static List<String> hosts(Proposal p) {
        return p.command().getRegisterNodeBatch().getNodesList().stream().map(r -> r.getProfile().getHostname()).toList();
    }

    @Test
    void registrationsBeyondTheQueueBoundAreRefusedAtOnce() {
        RegistrationBatcher b = new RegistrationBatcher(this::propose, 2, 1, 3);
        b.submit(reg("in flight"));
        var queued = List.of(b.submit(reg("q1")), b.submit(reg("q2")), b.submit(reg("q3")));
        var refused = b.submit(reg("one too many"));
        assertTrue(refused.isCompletedExceptionally(), "the queue grew past its bound");
        ExecutionException e = assertThrows(ExecutionException.class, refused::get);
        assertTrue(e.getCause() instanceof java.util.concurrent.RejectedExecutionException, e.toString());
        assertEquals(3, b.queued());
        commit(proposals.get(0)); // the entry in flight commits: two queued go as the next entry, one still waits
        assertEquals(1, b.queued());
        assertFalse(b.submit(reg("room again")).isDone(), "there is room again");
        assertFalse(queued.get(0).isDone());
    }
}
