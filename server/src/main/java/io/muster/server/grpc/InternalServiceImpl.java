package io.muster.server.grpc;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.muster.proto.InternalServiceGrpc;
import io.muster.proto.LogsReply;
import io.muster.proto.LogsRequest;
import io.muster.proto.RelayedAck;
import io.muster.proto.RelayedStatus;
import io.muster.proto.StateDigestsReply;
import io.muster.proto.StateDigestsRequest;
import io.muster.proto.StatusAck;
import io.muster.proto.StatusReport;
import io.muster.server.leader.Heartbeats;
import java.util.function.Supplier;

/**
 * Server-to-server calls (mTLS with server certificates): forwarded heartbeats, log fetches, state digests. A
 * forwarded heartbeat goes straight to this server's lease service; if this server no longer leads it is refused,
 * never relayed a second time.
 */
final class InternalServiceImpl extends InternalServiceGrpc.InternalServiceImplBase {
    private final int selfId;
    private final Heartbeats heartbeats;
    private final ControlRegistry controls;
    private final Supplier<StateDigestsReply> digests;

    InternalServiceImpl(int selfId, Heartbeats heartbeats, ControlRegistry controls, Supplier<StateDigestsReply> digests) {
        this.selfId = selfId;
        this.heartbeats = heartbeats;
        this.controls = controls;
        this.digests = digests;
    }

    @Override
    public void stateDigests(StateDigestsRequest req, StreamObserver<StateDigestsReply> out) {
        try {
            Caller.requireServer();
            out.onNext(digests.get());
            out.onCompleted();
        } catch (StatusRuntimeException e) {
            out.onError(e);
        }
    }

    @Override
    public void forwardStatus(StatusReport req, StreamObserver<StatusAck> out) {
        try {
            Caller.requireServer();
        } catch (StatusRuntimeException e) {
            out.onError(e);
            return;
        }
        LeaseReports.answerRelayed(selfId, heartbeats, req, out);
    }

    @Override
    public StreamObserver<RelayedStatus> relayStatus(StreamObserver<RelayedAck> out) {
        try {
            Caller.requireServer();
        } catch (StatusRuntimeException e) {
            out.onError(e);
            return new StreamObserver<>() {
                public void onNext(RelayedStatus v) {}
                public void onError(Throwable t) {}
                public void onCompleted() {}
            };
        }
        // Acks complete on many threads; a stream observer takes one message at a time.
        Object lock = new Object();
        boolean[] open = {true};
        return new StreamObserver<>() {
            @Override
            public void onNext(RelayedStatus r) {
                LeaseReports.answerRelayed(selfId, heartbeats, r.getReport(), new StreamObserver<>() {
                    @Override
                    public void onNext(StatusAck ack) {
                        send(RelayedAck.newBuilder().setId(r.getId()).setAck(ack).build());
                    }

                    @Override
                    public void onError(Throwable t) {
                        Status st = Status.fromThrowable(t);
                        send(RelayedAck.newBuilder().setId(r.getId()).setCode(st.getCode().value())
                                .setError(st.getDescription() == null ? st.getCode().name() : st.getDescription()).build());
                    }

                    @Override
                    public void onCompleted() {}
                });
            }

            private void send(RelayedAck ack) {
                synchronized (lock) {
                    if (!open[0]) return;
                    try {
                        out.onNext(ack);
                    } catch (RuntimeException cancelled) {
                        open[0] = false; // the follower went away; it fails its own pending reports
                    }
                }
            }

            @Override
            public void onError(Throwable t) {
                synchronized (lock) {
                    open[0] = false;
                }
            }

            @Override
            public void onCompleted() {
                synchronized (lock) {
                    if (!open[0]) return;
                    open[0] = false;
                    out.onCompleted();
                }
            }
        };
    }

    @Override
    public void fetchLogs(LogsRequest req, StreamObserver<LogsReply> out) {
        try {
            Caller.requireServer();
        } catch (StatusRuntimeException e) {
            out.onError(e);
            return;
        }
        var f = controls.fetchLogs(req);
        if (f.isEmpty()) {
            out.onNext(LogsReply.newBuilder().setAllocId(req.getAllocId()).setFound(false).setError("node " + req.getNodeId() + " is not connected here").build());
            out.onCompleted();
            return;
        }
        f.get().whenComplete((r, e) -> {
            if (e != null) out.onError(Status.UNAVAILABLE.withDescription("node did not answer: " + e.getMessage()).asRuntimeException());
            else {
                out.onNext(r);
                out.onCompleted();
            }
        });
    }

    /**
     * Relays a follow of a worker connected here to the server that asked. The worker is granted credit for a frame only
     * once this call's outbound side is ready again (gRPC flow control), so a slow reader at the far end holds at most
     * one window here.
     */
    @Override
    public void followLogs(io.muster.proto.LogFollowRequest req, StreamObserver<io.muster.proto.LogStreamFrame> out) {
        try {
            Caller.requireServer();
        } catch (StatusRuntimeException e) {
            out.onError(e);
            return;
        }
        var call = (io.grpc.stub.ServerCallStreamObserver<io.muster.proto.LogStreamFrame>) out;
        var follow = new java.util.concurrent.atomic.AtomicReference<io.muster.server.TaskLogs.Follow>();
        var owed = new java.util.concurrent.atomic.AtomicInteger();
        Object lock = new Object();
        Runnable release = () -> {
            var f = follow.get();
            int n = owed.getAndSet(0);
            if (f != null && n > 0) f.delivered(n);
        };
        call.setOnReadyHandler(release);
        call.setOnCancelHandler(() -> {
            var f = follow.get();
            if (f != null) f.cancel();
        });
        var opened = controls.follow(req, frame -> {
            synchronized (lock) {
                try {
                    out.onNext(frame);
                    if (frame.getEnd()) out.onCompleted();
                } catch (RuntimeException e) {
                    return; // cancelled: the cancel handler frees the follow
                }
            }
            owed.addAndGet(io.muster.server.TaskLogs.dataBytes(frame));
            if (call.isReady()) release.run();
        });
        if (opened.isEmpty()) {
            out.onNext(io.muster.proto.LogStreamFrame.newBuilder().setEnd(true).setNotConnected(true)
                    .setError("node " + req.getNodeId() + " is not connected here").build());
            out.onCompleted();
            return;
        }
        follow.set(opened.get());
        if (call.isCancelled()) opened.get().cancel();
        release.run();
    }
}
