package io.muster.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Context;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.muster.pki.Identity;
import io.muster.proto.NodeProfile;
import io.muster.proto.RelayedAck;
import io.muster.proto.RelayedStatus;
import io.muster.proto.StatusAck;
import io.muster.proto.StatusReport;
import io.muster.proto.StateDigestsReply;
import io.muster.server.leader.Heartbeats;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A heartbeat a follower relayed goes straight to the receiving server's lease service: answered there when it
 * leads, refused with UNAVAILABLE when it does not — never relayed a second time (the internal service has no path
 * to the relay at all).
 */
class RelayOnceTest {
    private static final String CLUSTER = "c1";

    /** A lease service that leads or not, and counts the reports it got. */
    private static final class FakeHeartbeats implements Heartbeats {
        final boolean leading;
        final AtomicInteger reports = new AtomicInteger();

        FakeHeartbeats(boolean leading) {
            this.leading = leading;
        }

        @Override
        public boolean leading() {
            return leading;
        }

        @Override
        public CompletableFuture<StatusAck> report(StatusReport report, Optional<NodeProfile> profileChange) {
            reports.incrementAndGet();
            return CompletableFuture.completedFuture(StatusAck.newBuilder().setNextTtlSecs(12).build());
        }
    }

    private static final class Answers<T> implements StreamObserver<T> {
        final List<T> values = new CopyOnWriteArrayList<>();
        volatile Throwable error;

        @Override
        public void onNext(T v) {
            values.add(v);
        }

        @Override
        public void onError(Throwable t) {
            error = t;
        }

        @Override
        public void onCompleted() {}
    }

    private static InternalServiceImpl service(Heartbeats heartbeats) {
        return new InternalServiceImpl(2, heartbeats, new ControlRegistry(), () -> StateDigestsReply.getDefaultInstance());
    }

    /** Runs {@code body} as a call from server 1 (the relaying follower). */
    private static void asServer(Runnable body) {
        Context ctx = Context.current().withValue(Caller.IDENTITY, Identity.server(CLUSTER, "1"));
        Context previous = ctx.attach();
        try {
            body.run();
        } finally {
            ctx.detach(previous);
        }
    }

    private static final StatusReport REPORT = StatusReport.newBuilder().setNodeId(7).build();

    @Test
    void aRelayedStreamReportOnANonLeaderIsRefusedNotRelayedAgain() {
        FakeHeartbeats notLeading = new FakeHeartbeats(false);
        Answers<RelayedAck> acks = new Answers<>();
        asServer(() -> service(notLeading).relayStatus(acks).onNext(RelayedStatus.newBuilder().setId(5).setReport(REPORT).build()));
        assertEquals(0, notLeading.reports.get());
        assertEquals(1, acks.values.size());
        RelayedAck a = acks.values.getFirst();
        assertEquals(5, a.getId());
        assertEquals(Status.Code.UNAVAILABLE.value(), a.getCode());
        assertTrue(a.getError().contains("not relayed again"), a.getError());
    }

    @Test
    void aForwardedReportOnANonLeaderIsRefusedNotRelayedAgain() {
        FakeHeartbeats notLeading = new FakeHeartbeats(false);
        Answers<StatusAck> out = new Answers<>();
        asServer(() -> service(notLeading).forwardStatus(REPORT, out));
        assertEquals(0, notLeading.reports.get());
        assertNotNull(out.error);
        assertEquals(Status.Code.UNAVAILABLE, Status.fromThrowable(out.error).getCode());
    }

    @Test
    void onTheLeaderTheLeaseServiceAnswersARelayedReport() {
        FakeHeartbeats leading = new FakeHeartbeats(true);
        Answers<RelayedAck> acks = new Answers<>();
        asServer(() -> service(leading).relayStatus(acks).onNext(RelayedStatus.newBuilder().setId(9).setReport(REPORT).build()));
        assertEquals(1, leading.reports.get());
        assertEquals(1, acks.values.size());
        assertEquals(9, acks.values.getFirst().getId());
        assertEquals(0, acks.values.getFirst().getCode());
        assertEquals(12, acks.values.getFirst().getAck().getNextTtlSecs());
    }
}
