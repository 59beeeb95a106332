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
    /** Open log follows by stream id: bound, like requests, to the stream they were opened on. */
    private final Map<Long, LogFollow> follows = new ConcurrentHashMap<>();
    private final io.muster.server.LogWindow window = new io.muster.server.LogWindow();

    /** A follow of a task's output down a worker's stream; the worker sends at most the credit this side granted. */
    private final class LogFollow implements io.muster.server.TaskLogs.Follow {
        final long id;
        final Stream stream;
        final java.util.function.Consumer<io.muster.proto.LogStreamFrame> sink;
        final io.muster.server.LogWindow.Share share = window.open();
        final java.util.concurrent.atomic.AtomicBoolean ended = new java.util.concurrent.atomic.AtomicBoolean();

        LogFollow(long id, Stream stream, java.util.function.Consumer<io.muster.proto.LogStreamFrame> sink) {
            this.id = id;
            this.stream = stream;
            this.sink = sink;
        }

        void frame(io.muster.proto.LogStreamFrame f) {
            if (ended.get()) return;
            int bytes = io.muster.server.TaskLogs.dataBytes(f);
            if (share.held() + bytes > io.muster.server.LogWindow.BYTES) {
                // A worker sending past its credit would make this server buffer without bound: the follow ends instead.
                if (finish()) {
                    control(io.muster.proto.LogStreamControl.newBuilder().setCancel(true));
                    sink.accept(io.muster.proto.LogStreamFrame.newBuilder().setEnd(true)
                            .setError("node " + stream.nodeId + " sent more output than it was granted; the follow was ended").build());
                }
                return;
            }
            share.received(bytes);
            if (f.getEnd()) finish();
            sink.accept(f);
        }

        @Override
        public void delivered(int bytes) {
            share.delivered(bytes);
            if (bytes > 0 && !ended.get()) control(io.muster.proto.LogStreamControl.newBuilder().setCreditBytes(bytes));
        }

        @Override
        public void cancel() {
            if (finish()) control(io.muster.proto.LogStreamControl.newBuilder().setCancel(true));
        }

        /** Frees this side; true the first time. */
        boolean finish() {
            if (!ended.compareAndSet(false, true)) return false;
            follows.remove(id, this);
            share.close();
            return true;
        }

        void control(io.muster.proto.LogStreamControl.Builder op) {
            try {
                synchronized (stream.lock) {
                    stream.out.onNext(ControlRequest.newBuilder().setRequestId(id).setLogStream(op).build());
                }
            } catch (RuntimeException e) {
                // the stream is gone; closed() ends this follow
            }
        }
    }
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
                if (reply.hasLogFrame()) {
                    LogFollow f = follows.get(reply.getRequestId());
                    if (f != null && f.stream == self) f.frame(reply.getLogFrame());
                    return;
                }
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

    /** The gauge of what log follows hold on this server. */
    public io.muster.server.LogWindow logWindow() {
        return window;
    }

    /**
     * Opens a follow on the worker's stream, if the node is connected here. The worker may send {@link
     * io.muster.server.LogWindow#BYTES} before any credit; each {@code delivered} gives that much back.
     */
    public Optional<io.muster.server.TaskLogs.Follow> follow(io.muster.proto.LogFollowRequest req,
                                                             java.util.function.Consumer<io.muster.proto.LogStreamFrame> sink) {
        Stream s = streams.get(req.getNodeId());
        if (s == null) return Optional.empty();
        long id;
        LogFollow f;
        while (true) {
            long candidate = random.nextLong();
            if (candidate == 0 || inflight.containsKey(candidate)) continue;
            f = new LogFollow(candidate, s, sink);
            if (follows.putIfAbsent(candidate, f) == null) {
                id = candidate;
                break;
            }
        }
        f.control(io.muster.proto.LogStreamControl.newBuilder().setOpen(req.toBuilder().setInitialCredit(io.muster.server.LogWindow.BYTES)));
        if (!streams.containsKey(s.nodeId) || streams.get(s.nodeId) != s) endFollows(s, "the control stream of node " + s.nodeId + " closed");
        return Optional.of(f);
    }

    private void endFollows(Stream s, String why) {
        follows.values().forEach(f -> {
            if (f.stream == s && f.finish()) f.sink.accept(io.muster.proto.LogStreamFrame.newBuilder().setEnd(true).setError(why).build());
        });
    }

    /** A fresh random id for {@code p}; 0 is never used (it is what a reply without an id carries). */
    private long register(Pending p) {
        while (true) {
            long id = random.nextLong();
            if (id != 0 && inflight.putIfAbsent(id, p) == null) return id;
        }
    }

    private void failPending(Stream s, String why) {
        endFollows(s, why);
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
