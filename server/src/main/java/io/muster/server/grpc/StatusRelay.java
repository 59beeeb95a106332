package io.muster.server.grpc;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.muster.proto.RelayedAck;
import io.muster.proto.RelayedStatus;
import io.muster.proto.StatusAck;
import io.muster.proto.StatusReport;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A follower's heartbeat relay to the leader: one long-lived stream instead of one forwarded call per
 * heartbeat, which cost a second gRPC call (headers, a new HTTP/2 stream, interceptors) for two thirds
 * of the fleet's heartbeats. When the stream breaks or the leader changes, every report waiting on it
 * fails with UNAVAILABLE naming the leader, and the next report opens a new stream.
 */
final class StatusRelay implements AutoCloseable {
    /** Opens {@code RelayStatus} to a server; empty when it cannot be reached. */
    interface Opener {
        Optional<StreamObserver<RelayedStatus>> open(int serverId, StreamObserver<RelayedAck> acks);
    }

    private final Opener opener;
    private final Duration timeout;
    private Link link;
    private long nextId;
    private boolean closed;

    StatusRelay(Opener opener, Duration timeout) {
        this.opener = opener;
        this.timeout = timeout;
    }

    /** Sends one report to leader {@code leaderId}; {@code out} gets the leader's ack or its error. */
    void forward(int leaderId, StatusReport report, StreamObserver<StatusAck> out) {
        CompletableFuture<StatusAck> result = new CompletableFuture<>();
        result.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS).whenComplete((ack, e) -> {
            if (e == null) {
                out.onNext(ack);
                out.onCompleted();
            } else {
                // Completed by hand or by orTimeout, never through a dependent stage: e is the failure itself.
                out.onError(e instanceof TimeoutException
                        ? Status.UNAVAILABLE.withDescription("leader " + leaderId + " did not answer the relayed heartbeat within "
                                + timeout.toSeconds() + " s").asRuntimeException()
                        : Status.fromThrowable(e).asRuntimeException());
            }
        });
        Link l;
        long id;
        synchronized (this) {
            if (closed) {
                result.completeExceptionally(Status.UNAVAILABLE.withDescription("this server is shutting down").asRuntimeException());
                return;
            }
            if (link == null || link.leaderId != leaderId || link.broken) {
                if (link != null && link.leaderId != leaderId)
                    link.end(Status.UNAVAILABLE.withDescription("leader changed from " + link.leaderId + " to " + leaderId));
                else if (link != null) link.end(Status.UNAVAILABLE.withDescription("the relay stream to leader " + leaderId + " was reset"));
                link = new Link(leaderId);
                Optional<StreamObserver<RelayedStatus>> requests = opener.open(leaderId, link);
                if (requests.isEmpty()) {
                    link = null;
                    result.completeExceptionally(Status.UNAVAILABLE.withDescription("leader " + leaderId + " is not reachable from this server yet")
                            .asRuntimeException());
                    return;
                }
                link.requests = requests.get();
            }
            l = link;
            id = ++nextId;
            l.pending.put(id, result);
            try {
                l.requests.onNext(RelayedStatus.newBuilder().setId(id).setReport(report).build());
            } catch (RuntimeException e) {
                l.fail(Status.UNAVAILABLE.withDescription("relaying to leader " + leaderId + " failed: " + e.getMessage()));
            }
        }
        // A timed-out report must not stay in the map for the life of the stream.
        result.whenComplete((a, e) -> l.pending.remove(id));
    }

    synchronized int pendingCount() {
        return link == null ? 0 : link.pending.size();
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (link != null) {
            link.end(Status.UNAVAILABLE.withDescription("this server is shutting down"));
            link = null;
        }
    }

    /** One stream to one leader, and the reports waiting for its acks. */
    private static final class Link implements StreamObserver<RelayedAck> {
        final int leaderId;
        final Map<Long, CompletableFuture<StatusAck>> pending = new ConcurrentHashMap<>();
        StreamObserver<RelayedStatus> requests;
        volatile boolean broken;

        Link(int leaderId) {
            this.leaderId = leaderId;
        }

        @Override
        public void onNext(RelayedAck a) {
            CompletableFuture<StatusAck> f = pending.remove(a.getId());
            if (f == null) return; // timed out meanwhile
            if (a.getCode() == 0) f.complete(a.getAck());
            else f.completeExceptionally(Status.fromCodeValue(a.getCode()).withDescription(a.getError()).asRuntimeException());
        }

        @Override
        public void onError(Throwable t) {
            Status st = Status.fromThrowable(t);
            fail(Status.UNAVAILABLE.withDescription("relaying to leader " + leaderId + " failed: " + st.getCode()
                    + (st.getDescription() == null ? "" : " " + st.getDescription())));
        }

        @Override
        public void onCompleted() {
            fail(Status.UNAVAILABLE.withDescription("leader " + leaderId + " closed the relay stream"));
        }

        /** Fails what waits and closes our side of the stream. */
        void end(Status status) {
            fail(status);
            try {
                requests.onCompleted();
            } catch (RuntimeException ignored) {
                // already broken
            }
        }

        void fail(Status status) {
            broken = true;
            for (Long id : pending.keySet()) {
                CompletableFuture<StatusAck> f = pending.remove(id);
                if (f != null) f.completeExceptionally(status.asRuntimeException());
            }
        }
    }
}
