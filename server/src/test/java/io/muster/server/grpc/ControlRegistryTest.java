package io.muster.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.Context;
import io.grpc.stub.StreamObserver;
import io.muster.pki.Identity;
import io.muster.proto.ControlReply;
import io.muster.proto.ControlRequest;
import io.muster.proto.LogsReply;
import io.muster.proto.LogsRequest;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** Control streams: a log request is answered only by the stream of the node it was sent to. */
class ControlRegistryTest {
    private static final String CLUSTER = "c1";

    /** What the server sent down one worker's stream. */
    private static final class Sent implements StreamObserver<ControlRequest> {
        final List<ControlRequest> requests = new CopyOnWriteArrayList<>();
        volatile Throwable error;
        volatile boolean completed;

        @Override
        public void onNext(ControlRequest r) {
            requests.add(r);
        }

        @Override
        public void onError(Throwable t) {
            error = t;
        }

        @Override
        public void onCompleted() {
            completed = true;
        }
    }

    private final ControlRegistry registry = new ControlRegistry();

    /** Runs {@code body} as a call authenticated with node {@code nodeId}'s certificate. */
    private static <T> T as(long nodeId, Supplier<T> body) {
        Context ctx = Context.current().withValue(Caller.IDENTITY, Identity.node(CLUSTER, nodeId));
        Context previous = ctx.attach();
        try {
            return body.get();
        } finally {
            ctx.detach(previous);
        }
    }

    private StreamObserver<ControlReply> connect(long nodeId, Sent sent, boolean hello) {
        StreamObserver<ControlReply> in = as(nodeId, () -> registry.open(sent));
        if (hello) as(nodeId, () -> {
            in.onNext(ControlReply.newBuilder().setHelloNodeId(nodeId).build());
            return null;
        });
        return in;
    }

    private static void reply(long nodeId, StreamObserver<ControlReply> in, long requestId, String stdout) {
        as(nodeId, () -> {
            in.onNext(ControlReply.newBuilder().setRequestId(requestId)
                    .setLogs(LogsReply.newBuilder().setFound(true).setStdout(ByteString.copyFromUtf8(stdout))).build());
            return null;
        });
    }

    @Test
    void anotherNodesStreamCannotAnswerARequest() throws Exception {
        Sent sentA = new Sent();
        Sent sentB = new Sent();
        StreamObserver<ControlReply> a = connect(1, sentA, true);
        StreamObserver<ControlReply> b = connect(2, sentB, true);
        CompletableFuture<LogsReply> f = registry.fetchLogs(LogsRequest.newBuilder().setNodeId(1).setAllocId("x").build()).orElseThrow();
        assertEquals(1, sentA.requests.size());
        assertTrue(sentB.requests.isEmpty());
        long id = sentA.requests.get(0).getRequestId();

        reply(2, b, id, "forged by B");
        assertFalse(f.isDone(), "worker B answered worker A's log request");

        reply(1, a, id, "from A");
        assertEquals("from A", f.get(5, TimeUnit.SECONDS).getStdout().toStringUtf8());
    }

    @Test
    void aStreamThatHasNotSaidHelloCannotAnswer() {
        Sent sentA = new Sent();
        connect(1, sentA, true);
        StreamObserver<ControlReply> silent = connect(1, new Sent(), false);
        CompletableFuture<LogsReply> f = registry.fetchLogs(LogsRequest.newBuilder().setNodeId(1).setAllocId("x").build()).orElseThrow();
        reply(1, silent, sentA.requests.get(0).getRequestId(), "no hello");
        assertFalse(f.isDone(), "a reply on a stream without hello was accepted");
    }

    @Test
    void requestIdsAreNotSequential() {
        Sent sentA = new Sent();
        connect(1, sentA, true);
        for (int i = 0; i < 3; i++) registry.fetchLogs(LogsRequest.newBuilder().setNodeId(1).setAllocId("x" + i).build()).orElseThrow();
        long first = sentA.requests.get(0).getRequestId();
        long second = sentA.requests.get(1).getRequestId();
        long third = sentA.requests.get(2).getRequestId();
        // A counter would give 1, 2, 3: guessable by any worker that has seen one id.
        assertNotEquals(first + 1, second);
        assertNotEquals(second + 1, third);
        assertTrue(Math.abs(first) > 1_000_000 || Math.abs(second) > 1_000_000, "ids look like a small counter");
    }

    @Test
    void closingTheStreamFailsItsRequestsAtOnce() {
        Sent sentA = new Sent();
        StreamObserver<ControlReply> a = connect(1, sentA, true);
        CompletableFuture<LogsReply> f = registry.fetchLogs(LogsRequest.newBuilder().setNodeId(1).setAllocId("x").build()).orElseThrow();
        as(1, () -> {
            a.onError(new RuntimeException("gone"));
            return null;
        });
        assertTrue(f.isCompletedExceptionally(), "a request to a closed stream waited for its timeout");
        assertFalse(registry.connected(1));
    }

    private static void frame(long nodeId, StreamObserver<ControlReply> in, long id, int bytes, boolean end) {
        as(nodeId, () -> {
            in.onNext(ControlReply.newBuilder().setRequestId(id).setLogFrame(io.muster.proto.LogStreamFrame.newBuilder().setEnd(end)
                    .addChunks(io.muster.proto.LogChunk.newBuilder().setTask("t").setData(ByteString.copyFrom(new byte[bytes])))).build());
            return null;
        });
    }

    @Test
    void aFollowTakesFramesOnlyFromItsStreamWithinTheCreditAndFreesItselfWhenCancelled() {
        Sent s1 = new Sent();
        Sent s2 = new Sent();
        StreamObserver<ControlReply> in1 = connect(1, s1, true);
        StreamObserver<ControlReply> in2 = connect(2, s2, true);
        List<io.muster.proto.LogStreamFrame> got = new CopyOnWriteArrayList<>();
        var follow = registry.follow(io.muster.proto.LogFollowRequest.newBuilder().setNodeId(1).setAllocId("a").setFollow(true).build(), got::add)
                .orElseThrow();
        ControlRequest open = s1.requests.getFirst();
        assertEquals(io.muster.server.LogWindow.BYTES, open.getLogStream().getOpen().getInitialCredit());
        long id = open.getRequestId();

        frame(2, in2, id, 10, false); // another node's stream: ignored
        assertTrue(got.isEmpty());
        frame(1, in1, id, 100_000, false);
        frame(1, in1, id, 100_000, false);
        assertEquals(2, got.size());
        assertEquals(200_000, registry.logWindow().buffered());
        follow.delivered(100_000);
        assertEquals(100_000, s1.requests.getLast().getLogStream().getCreditBytes(), "the credit goes back to the worker");
        assertEquals(100_000, registry.logWindow().buffered());

        follow.cancel();
        assertTrue(s1.requests.getLast().getLogStream().getCancel(), "the worker is told to stop");
        assertEquals(0, registry.logWindow().buffered());
        assertEquals(0, registry.logWindow().openFollows());
        frame(1, in1, id, 10, false);
        assertEquals(2, got.size(), "nothing after the cancel");
    }

    @Test
    void aWorkerThatSendsPastItsCreditEndsTheFollowInsteadOfGrowingTheServersMemory() {
        Sent s1 = new Sent();
        StreamObserver<ControlReply> in1 = connect(1, s1, true);
        List<io.muster.proto.LogStreamFrame> got = new CopyOnWriteArrayList<>();
        registry.follow(io.muster.proto.LogFollowRequest.newBuilder().setNodeId(1).setAllocId("a").build(), got::add).orElseThrow();
        long id = s1.requests.getFirst().getRequestId();
        frame(1, in1, id, io.muster.server.LogWindow.BYTES, false);
        frame(1, in1, id, 1, false);
        assertEquals(2, got.size());
        assertTrue(got.getLast().getEnd() && got.getLast().getError().contains("more output than it was granted"), got.getLast().toString());
        assertEquals(0, registry.logWindow().buffered());
        assertEquals(0, registry.logWindow().openFollows());
    }

    @Test
    void aClosedStreamEndsItsFollows() {
        Sent s1 = new Sent();
        StreamObserver<ControlReply> in1 = connect(1, s1, true);
        List<io.muster.proto.LogStreamFrame> got = new CopyOnWriteArrayList<>();
        registry.follow(io.muster.proto.LogFollowRequest.newBuilder().setNodeId(1).setAllocId("a").build(), got::add).orElseThrow();
        as(1, () -> {
            in1.onError(new RuntimeException("gone"));
            return null;
        });
        assertEquals(1, got.size());
        assertTrue(got.getFirst().getEnd() && !got.getFirst().getError().isEmpty());
        assertEquals(0, registry.logWindow().openFollows());
        assertTrue(registry.follow(io.muster.proto.LogFollowRequest.newBuilder().setNodeId(1).build(), got::add).isEmpty());
    }
}
