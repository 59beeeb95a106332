package io.muster.server.grpc;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.muster.proto.ControlReply;
import io.muster.proto.ControlRequest;
import io.muster.proto.LogsReply;
import io.muster.proto.LogsRequest;
import java.security.SecureRandom;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The Control streams workers keep open to this server: lets the servers ask a worker for something
 * (task output) over the worker's own connection, since servers never dial workers.
 *
 * <p>A request is bound to the stream it was sent down: its reply counts only when it arrives on that same
 * stream, which said hello for that node (the hello is checked against the caller's certificate). Request ids
 * are random 64-bit numbers, not a counter, so one worker cannot answer — or even aim at — another's requests.
 */
public final class ControlRegistry {
    static final long REQUEST_TIMEOUT_SECS = 10;

    /** One worker's open stream, after its hello. Identity matters: a reply must come back on this very object's stream. */
    private static final class Stream {
        final long nodeId;
        final StreamObserver<ControlRequest> out;
        final Object lock = new Object(); // gRPC observers are not thread-safe; requests come from any thread

        Stream(long nodeId, StreamObserver<ControlRequest> out) {
            this.nodeId = nodeId;
            this.out = out;
        }
    }

    /** A request waiting for its reply from {@code stream}. */
    private record Pending(Stream stream, CompletableFuture<ControlReply> reply) {}

    private final Map<Long, Stream> streams = new ConcurrentHashMap<>();
    private final Map<Long, Pending> inflight = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();

    StreamObserver<ControlReply> open(StreamObserver<ControlRequest> out) {
        return new StreamObserver<>() {
            /** Set by the hello; until then nothing this stream sends is believed. Touched only by gRPC's serialized callbacks. */
            Stream self;

            @Override
            public void onNext(ControlReply reply) {
                if (reply.hasHelloNodeId()) {
                    if (self != null) return; // one hello per stream; the certificate's node cannot change on it
                    self = new Stream(Caller.requireNode(reply.getHelloNodeId()), out);
                    Stream old = streams.put(self.nodeId, self);
                    if (old != null) end(old, null);
                    return;
                }
                if (self == null) return;
                Pending p = inflight.get(reply.getRequestId());
                // Only the stream the request went down may answer it; anything else is dropped and the request still waits.
                if (p != null && p.stream() == self && inflight.remove(reply.getRequestId(), p)) p.reply().complete(reply);
            }

            @Override
            public void onError(Throwable t) {
                closed();
            }

            @Override
            public void onCompleted() {
                closed();
                try {
                    out.onCompleted();
                } catch (RuntimeException e) {
                    // already closed
                }
            }

            private void closed() {
                if (self == null) return;
                streams.remove(self.nodeId, self);
                failPending(self, "the control stream of node " + self.nodeId + " closed");
            }
        };
    }

    /** Workers with an open control stream to this server (after their hello). */
    public int connectedCount() {
        return streams.size();
    }

    public boolean connected(long nodeId) {
        return streams.containsKey(nodeId);
    }

    public Optional<CompletableFuture<LogsReply>> fetchLogs(LogsRequest req) {
        Stream s = streams.get(req.getNodeId());
        if (s == null) return Optional.empty();
        CompletableFuture<ControlReply> f = new CompletableFuture<>();
        Pending p = new Pending(s, f);
        long id = register(p);
        try {
            synchronized (s.lock) {
                s.out.onNext(ControlRequest.newBuilder().setRequestId(id).setLogs(req).build());
            }
        } catch (RuntimeException e) {
            inflight.remove(id, p);
            f.completeExceptionally(Status.UNAVAILABLE.withDescription("the control stream of node " + s.nodeId + " is gone").asRuntimeException());
        }
        return Optional.of(f.orTimeout(REQUEST_TIMEOUT_SECS, TimeUnit.SECONDS).whenComplete((r, e) -> inflight.remove(id, p))
                .thenApply(ControlReply::getLogs));
    }

    /** A fresh random id for {@code p}; 0 is never used (it is what a reply without an id carries). */
    private long register(Pending p) {
        while (true) {
            long id = random.nextLong();
            if (id != 0 && inflight.putIfAbsent(id, p) == null) return id;
        }
    }

    private void failPending(Stream s, String why) {
        inflight.forEach((id, p) -> {
            if (p.stream() == s && inflight.remove(id, p)) p.reply().completeExceptionally(Status.UNAVAILABLE.withDescription(why).asRuntimeException());
        });
    }

    /** Ends a stream: with {@code error}, or completed when a newer stream of the same node replaced it. */
    private void end(Stream s, Status error) {
        failPending(s, "the control stream of node " + s.nodeId + (error == null ? " was replaced" : " ended"));
        try {
            synchronized (s.lock) {
                if (error == null) s.out.onCompleted();
                else s.out.onError(error.asRuntimeException());
            }
        } catch (RuntimeException e) {
            // the stream is already gone
        }
    }

    public void revoke(long nodeId) {
        Stream s = streams.remove(nodeId);
        if (s != null) end(s, Status.PERMISSION_DENIED.withDescription("node " + nodeId + " was revoked"));
    }
}
