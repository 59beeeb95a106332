package io.muster.server.grpc;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.muster.proto.ControlReply;
import io.muster.proto.ControlRequest;
import io.muster.proto.LogsReply;
import io.muster.proto.LogsRequest;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The Control streams workers keep open to this server: lets the servers ask a worker for something
 * (task output) over the worker's own connection, since servers never dial workers.
 */
public final class ControlRegistry {
    private record Stream(StreamObserver<ControlRequest> out, Object lock) {}

    private final Map<Long, Stream> streams = new ConcurrentHashMap<>();
    private final Map<Long, CompletableFuture<ControlReply>> inflight = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();

    StreamObserver<ControlReply> open(StreamObserver<ControlRequest> out) {
        return new StreamObserver<>() {
            long nodeId = -1;

            @Override
            public void onNext(ControlReply reply) {
                if (reply.hasHelloNodeId()) {
                    nodeId = Caller.requireNode(reply.getHelloNodeId());
                    Stream old = streams.put(nodeId, new Stream(out, new Object()));
                    if (old != null) {
                        try {
                            old.out().onCompleted();
                        } catch (RuntimeException e) {
                            // the old stream is already gone
                        }
                    }
                    return;
                }
                CompletableFuture<ControlReply> f = inflight.remove(reply.getRequestId());
                if (f != null) f.complete(reply);
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
                if (nodeId >= 0) streams.computeIfPresent(nodeId, (k, v) -> v.out() == out ? null : v);
            }
        };
    }

    public boolean connected(long nodeId) {
        return streams.containsKey(nodeId);
    }

    public Optional<CompletableFuture<LogsReply>> fetchLogs(LogsRequest req) {
        Stream s = streams.get(req.getNodeId());
        if (s == null) return Optional.empty();
        long id = ids.incrementAndGet();
        CompletableFuture<ControlReply> f = new CompletableFuture<>();
        inflight.put(id, f);
        synchronized (s.lock()) {
            s.out().onNext(ControlRequest.newBuilder().setRequestId(id).setLogs(req).build());
        }
        return Optional.of(f.orTimeout(10, TimeUnit.SECONDS).whenComplete((r, e) -> inflight.remove(id)).thenApply(ControlReply::getLogs));
    }

    public void revoke(long nodeId) {
        Stream s = streams.remove(nodeId);
        if (s != null) {
            try {
                s.out().onError(Status.PERMISSION_DENIED.withDescription("node " + nodeId + " was revoked").asRuntimeException());
            } catch (RuntimeException e) {
                // gone
            }
        }
    }
}
