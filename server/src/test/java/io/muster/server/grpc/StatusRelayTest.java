package io.muster.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.muster.proto.RelayedAck;
import io.muster.proto.RelayedStatus;
import io.muster.proto.StatusAck;
import io.muster.proto.StatusReport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The follower side of heartbeat relaying, against a fake leader stream the test answers by hand. */
class StatusRelayTest {
    /** One opened stream: what the follower sent, and the ack observer to answer through. */
    record Stream(int leader, List<RelayedStatus> sent, StreamObserver<RelayedAck> acks, boolean[] completed) {}

    final List<Stream> streams = new ArrayList<>();
    boolean reachable = true;

    Optional<StreamObserver<RelayedStatus>> open(int leader, StreamObserver<RelayedAck> acks) {
        if (!reachable) return Optional.empty();
        Stream s = new Stream(leader, new ArrayList<>(), acks, new boolean[1]);
        streams.add(s);
        return Optional.of(new StreamObserver<>() {
            public void onNext(RelayedStatus v) {
                s.sent().add(v);
            }

            public void onError(Throwable t) {
                s.completed()[0] = true;
            }

            public void onCompleted() {
                s.completed()[0] = true;
            }
        });
    }

    /** What a worker's call would see. */
    static final class Call implements StreamObserver<StatusAck> {
        final CompletableFuture<StatusAck> result = new CompletableFuture<>();

        public void onNext(StatusAck v) {
            result.complete(v);
        }

        public void onError(Throwable t) {
            result.completeExceptionally(t);
        }

        public void onCompleted() {}

        Status error() throws Exception {
            try {
                result.get(10, TimeUnit.SECONDS);
                throw new AssertionError("expected an error, got an ack");
            } catch (java.util.concurrent.ExecutionException e) {
                return Status.fromThrowable(e.getCause());
            }
        }
    }

    static StatusReport report(long node) {
        return StatusReport.newBuilder().setNodeId(node).build();
    }

    @Test
    void reportsShareOneStreamAndAcksFindTheirCallersInAnyOrder() throws Exception {
        StatusRelay relay = new StatusRelay(this::open, Duration.ofSeconds(30));
        Call a = new Call();
        Call b = new Call();
        Call c = new Call();
        relay.forward(1, report(10), a);
        relay.forward(1, report(11), b);
        relay.forward(1, report(12), c);
        assertEquals(1, streams.size(), "one stream for every report");
        Stream s = streams.get(0);
        assertEquals(List.of(10L, 11L, 12L), s.sent().stream().map(r -> r.getReport().getNodeId()).toList());
        // The leader answers in completion order: the third first, then a refusal for the first.
        s.acks().onNext(RelayedAck.newBuilder().setId(s.sent().get(2).getId()).setAck(StatusAck.newBuilder().setNextTtlSecs(33)).build());
        s.acks().onNext(RelayedAck.newBuilder().setId(s.sent().get(0).getId()).setCode(Status.Code.PERMISSION_DENIED.value())
                .setError("node 10 is revoked").build());
        assertEquals(33, c.result.get(10, TimeUnit.SECONDS).getNextTtlSecs());
        Status refused = a.error();
        assertEquals(Status.Code.PERMISSION_DENIED, refused.getCode());
        assertEquals("node 10 is revoked", refused.getDescription());
        assertFalse(b.result.isDone());
        assertEquals(1, relay.pendingCount());
        s.acks().onNext(RelayedAck.newBuilder().setId(s.sent().get(1).getId()).setAck(StatusAck.newBuilder().setNextTtlSecs(34)).build());
        assertEquals(34, b.result.get(10, TimeUnit.SECONDS).getNextTtlSecs());
        assertEquals(0, relay.pendingCount());
    }

    @Test
    void aBrokenStreamFailsWhatWaitsNamingTheLeaderAndTheNextReportReopens() throws Exception {
        StatusRelay relay = new StatusRelay(this::open, Duration.ofSeconds(30));
        Call a = new Call();
        relay.forward(2, report(1), a);
        streams.get(0).acks().onError(Status.UNAVAILABLE.withDescription("Network closed for unknown reason").asRuntimeException());
        Status st = a.error();
        assertEquals(Status.Code.UNAVAILABLE, st.getCode());
        assertTrue(st.getDescription().startsWith("relaying to leader 2 failed"), st.getDescription());
        Call b = new Call();
        relay.forward(2, report(1), b);
        assertEquals(2, streams.size(), "a new stream after the break");
        assertEquals(1, streams.get(1).sent().size());
    }

    @Test
    void aNewLeaderGetsANewStreamAndReportsOnTheOldOneFail() throws Exception {
        StatusRelay relay = new StatusRelay(this::open, Duration.ofSeconds(30));
        Call a = new Call();
        relay.forward(1, report(1), a);
        Call b = new Call();
        relay.forward(3, report(2), b);
        assertEquals(2, streams.size());
        assertEquals(3, streams.get(1).leader());
        assertTrue(streams.get(0).completed()[0], "the old stream is closed");
        Status st = a.error();
        assertEquals(Status.Code.UNAVAILABLE, st.getCode());
        assertTrue(st.getDescription().contains("leader changed from 1 to 3"), st.getDescription());
        assertFalse(b.result.isDone());
    }

    @Test
    void anUnreachableLeaderAndAnUnansweredReportFailWithUnavailable() throws Exception {
        reachable = false;
        StatusRelay relay = new StatusRelay(this::open, Duration.ofMillis(200));
        Call a = new Call();
        relay.forward(1, report(1), a);
        assertTrue(a.error().getDescription().contains("leader 1 is not reachable"));
        reachable = true;
        Call b = new Call();
        relay.forward(1, report(1), b);
        Status st = b.error(); // nobody answers: the relay's own bound ends the wait
        assertEquals(Status.Code.UNAVAILABLE, st.getCode());
        assertTrue(st.getDescription().contains("did not answer"), st.getDescription());
        assertEquals(0, relay.pendingCount(), "a timed-out report leaves nothing behind");
        relay.close();
        Call c = new Call();
        relay.forward(1, report(1), c);
        assertTrue(c.error().getDescription().contains("shutting down"));
    }
}
