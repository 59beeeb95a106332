package io.muster.worker.loop;

import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.muster.proto.ControlReply;
import io.muster.proto.ControlRequest;
import io.muster.proto.LogsReply;
import io.muster.proto.LogsRequest;
import io.muster.worker.alloc.Allocations;
import io.muster.worker.rpc.Backoff;
import io.muster.worker.rpc.RpcErrors;
import io.muster.worker.rpc.Session;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code Control} stream: opened on the session's current server, first message {@code hello_node_id}, then it
 * answers what servers ask over it (task logs). It follows the session: when the session moves to another server or
 * gets a new certificate, the stream is reopened there; when the stream breaks, it is reopened with backoff.
 */
public final class ControlStream implements Session.Listener, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ControlStream.class);

    private final Session session;
    private final Allocations allocations;
    private final long nodeId;
    private final ScheduledExecutorService timer;
    private final Backoff backoff;
    /** Log requests read files and copy buffers: kept off gRPC's threads. */
    private final ExecutorService handlers = Executors.newVirtualThreadPerTaskExecutor();
    private long generation;
    /** Open log follows, by the server's stream id, with the control-stream generation they belong to. */
    private final java.util.Map<Long, Follow> follows = new java.util.concurrent.ConcurrentHashMap<>();

    private record Follow(long gen, io.muster.worker.alloc.LogFollowSession session) {}
    private ClientCallStreamObserver<ControlReply> requests;
    private boolean closed;
    private final io.muster.worker.metrics.WorkerMetrics metrics;

    /** @param metrics told how many bytes of task output each reply carries */
    public ControlStream(Session session, Allocations allocations, long nodeId, ScheduledExecutorService timer,
                         Backoff backoff, io.muster.worker.metrics.WorkerMetrics metrics) {
        this.metrics = metrics;
        this.session = session;
        this.allocations = allocations;
        this.nodeId = nodeId;
        this.timer = timer;
        this.backoff = backoff;
    }

    public synchronized void start() {
        open();
    }

    @Override
    public void leaseChanged() {
        synchronized (this) {
            backoff.reset();
            open();
        }
    }

    /** Replaces the current stream (if any) with a new one on the session's current lease. */
    private synchronized void open() {
        if (closed) {
            return;
        }
        long gen = ++generation; // first, so the old stream's cancellation callback is recognised as stale
        cancelCurrent("reopening");
        cancelFollows(gen - 1);
        Session.Lease lease;
        try {
            lease = session.current();
        } catch (IllegalStateException sessionClosed) {
            return;
        }
        lease.async().control(new ClientResponseObserver<ControlReply, ControlRequest>() {
            @Override
            public void beforeStart(ClientCallStreamObserver<ControlReply> stream) {
                synchronized (ControlStream.this) {
                    if (gen == generation) {
                        requests = stream;
                    }
                }
            }

            @Override
            public void onNext(ControlRequest request) {
                synchronized (ControlStream.this) {
                    backoff.reset(); // the stream demonstrably works
                }
                if (request.getKindCase() == ControlRequest.KindCase.LOG_STREAM) {
                    logStream(gen, request); // in order, on this thread: a credit must never overtake its open
                    return;
                }
                try {
                    handlers.execute(() -> handle(gen, request));
                } catch (RejectedExecutionException closing) {
                    // The worker is shutting down; the server will ask again elsewhere.
                }
            }

            @Override
            public void onError(Throwable t) {
                ended(gen, lease, RpcErrors.describe(t));
            }

            @Override
            public void onCompleted() {
                ended(gen, lease, "closed by the server");
            }
        });
        send(gen, ControlReply.newBuilder().setHelloNodeId(nodeId).build());
        log.debug("control stream opened to {}", lease.server());
    }

    private void handle(long gen, ControlRequest request) {
        switch (request.getKindCase()) {
            case LOGS -> {
                LogsRequest logs = request.getLogs();
                LogsReply reply;
                if (logs.getNodeId() != 0 && logs.getNodeId() != nodeId) {
                    reply = LogsReply.newBuilder().setAllocId(logs.getAllocId()).setFound(false)
                            .setError("logs request for node " + logs.getNodeId() + " reached node " + nodeId).build();
                } else {
                    reply = allocations.logs(logs.getAllocId(), (int) Math.min(Integer.MAX_VALUE, logs.getMaxBytes()));
                }
                send(gen, ControlReply.newBuilder().setRequestId(request.getRequestId()).setLogs(reply).build());
            }
            case LOG_STREAM -> logStream(gen, request);
            case KIND_NOT_SET -> log.warn("control request {} is of a kind this worker does not know; is the worker"
                    + " older than the server?", request.getRequestId());
        }
    }

    /** Opens, credits or cancels a follow of a task's output (see {@link io.muster.worker.alloc.LogFollowSession}). */
    private void logStream(long gen, ControlRequest request) {
        long id = request.getRequestId();
        var op = request.getLogStream();
        switch (op.getOpCase()) {
            case OPEN -> {
                var open = op.getOpen();
                if (open.getNodeId() != 0 && open.getNodeId() != nodeId) {
                    send(gen, ControlReply.newBuilder().setRequestId(id).setLogFrame(io.muster.proto.LogStreamFrame.newBuilder()
                            .setEnd(true).setError("logs request for node " + open.getNodeId() + " reached node " + nodeId)).build());
                    return;
                }
                var session = new io.muster.worker.alloc.LogFollowSession(allocations, open, frame -> {
                    if (frame.getEnd()) follows.remove(id);
                    send(gen, ControlReply.newBuilder().setRequestId(id).setLogFrame(frame).build());
                });
                Follow old = follows.put(id, new Follow(gen, session));
                if (old != null) old.session().cancel();
                try {
                    handlers.execute(session);
                } catch (RejectedExecutionException closing) {
                    follows.remove(id);
                }
            }
            case CREDIT_BYTES -> {
                Follow f = follows.get(id);
                if (f != null && f.gen() == gen) f.session().credit(op.getCreditBytes());
            }
            case CANCEL -> {
                Follow f = follows.remove(id);
                if (f != null) f.session().cancel();
            }
            case OP_NOT_SET -> { }
        }
    }

    /** Open follows (for tests: a cancelled follow is gone from here). */
    public int openFollows() {
        return follows.size();
    }

    /** The stream of generation {@code gen} is gone: its follows end with it. */
    private void cancelFollows(long gen) {
        follows.entrySet().removeIf(e -> {
            if (e.getValue().gen() != gen) return false;
            e.getValue().session().cancel();
            return true;
        });
    }

    private synchronized void send(long gen, ControlReply reply) {
        if (gen != generation || requests == null) {
            return; // that stream is gone; the server will ask again on the new one
        }
        try {
            requests.onNext(reply);
            metrics.logBytesShipped(outputBytes(reply));
        } catch (RuntimeException e) {
            log.debug("control stream send failed: {}", e.toString());
        }
    }

    /** The task output a reply carries (a log fetch's buffers, a follow frame's chunks). */
    private static long outputBytes(ControlReply reply) {
        return switch (reply.getKindCase()) {
            case LOGS -> reply.getLogs().getStdout().size() + reply.getLogs().getStderr().size();
            case LOG_FRAME -> {
                long n = 0;
                for (var c : reply.getLogFrame().getChunksList()) n += c.getData().size();
                yield n;
            }
            default -> 0;
        };
    }

    private void ended(long gen, Session.Lease lease, String reason) {
        synchronized (this) {
            if (closed || gen != generation) {
                return;
            }
            requests = null;
            cancelFollows(gen);
            Duration wait = backoff.next();
            log.info("control stream to {} ended ({}); reopening in {} ms", lease.server(), reason, wait.toMillis());
            // The daemon's timer (real time): the reopen is event-driven and not a loop's pacing; stepped tests
            // of the control stream would need a Ticker-driven scheduler here.
            timer.schedule(() -> {
                synchronized (ControlStream.this) {
                    if (gen == generation) {
                        open();
                    }
                }
            }, wait.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void cancelCurrent(String why) {
        if (requests != null) {
            requests.cancel(why, null);
            requests = null;
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            generation++;
            cancelCurrent("worker shutting down");
        }
        follows.values().forEach(f -> f.session().cancel());
        follows.clear();
        handlers.shutdownNow();
    }
}
