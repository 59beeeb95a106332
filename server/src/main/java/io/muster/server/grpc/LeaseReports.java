package io.muster.server.grpc;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.muster.proto.StatusAck;
import io.muster.proto.StatusReport;
import io.muster.server.Failures;
import io.muster.server.leader.Heartbeats;
import java.util.Optional;

/** Heartbeats answered by this server's lease service: its ack, or its refusal as a gRPC status. */
final class LeaseReports {
    private LeaseReports() {}

    /** Hands the report to the lease service (this server leads) and answers {@code out} once it is done. */
    static void answer(Heartbeats heartbeats, StatusReport req, StreamObserver<StatusAck> out) {
        heartbeats.report(req, Optional.empty()).whenComplete((ack, e) -> {
            if (e != null) out.onError(reportError(e));
            else {
                out.onNext(ack);
                out.onCompleted();
            }
        });
    }

    /**
     * A report another server relayed here because it took this server for the leader: answered by the lease service
     * directly, never relayed on. When leadership moved meanwhile the relaying server gets UNAVAILABLE, the worker
     * retries, and the report reaches the new leader through a fresh relay (two relays could otherwise bounce a
     * report between servers that disagree about the leader).
     */
    static void answerRelayed(int selfId, Heartbeats heartbeats, StatusReport req, StreamObserver<StatusAck> out) {
        if (!heartbeats.leading()) {
            out.onError(Status.UNAVAILABLE.withDescription("server " + selfId + " is not the leader; a relayed heartbeat is not relayed again, retry")
                    .asRuntimeException());
            return;
        }
        answer(heartbeats, req, out);
    }

    private static StatusRuntimeException reportError(Throwable e) {
        Throwable c = Failures.cause(e);
        if (c instanceof SecurityException) return Status.PERMISSION_DENIED.withDescription(c.getMessage()).asRuntimeException();
        if (c instanceof IllegalArgumentException) return Status.NOT_FOUND.withDescription(c.getMessage()).asRuntimeException();
        return Status.UNAVAILABLE.withDescription("status not committed: " + c.getMessage()).asRuntimeException();
    }
}
