package io.muster.server.grpc;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.muster.proto.InternalServiceGrpc;
import io.muster.proto.LogsReply;
import io.muster.proto.LogsRequest;
import io.muster.proto.StatusAck;
import io.muster.proto.StatusReport;

/** Server-to-server calls (mTLS with server certificates): forwarded heartbeats and log fetches. */
final class InternalServiceImpl extends InternalServiceGrpc.InternalServiceImplBase {
    private final WorkerServiceImpl workers;
    private final ControlRegistry controls;

    InternalServiceImpl(WorkerServiceImpl workers, ControlRegistry controls) {
        this.workers = workers;
        this.controls = controls;
    }

    @Override
    public void forwardStatus(StatusReport req, StreamObserver<StatusAck> out) {
        try {
            Caller.requireServer();
        } catch (StatusRuntimeException e) {
            out.onError(e);
            return;
        }
        workers.handleReport(req, out);
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
}
