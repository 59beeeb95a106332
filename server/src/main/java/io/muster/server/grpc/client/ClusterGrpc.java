package io.muster.server.grpc.client;

import io.grpc.stub.StreamObserver;
import io.muster.proto.client.v1.ClusterServiceGrpc;
import io.muster.proto.client.v1.ClusterStatus;
import io.muster.proto.client.v1.GetClusterStatusRequest;
import io.muster.proto.client.v1.ListRaftLogRequest;
import io.muster.proto.client.v1.RaftLog;
import io.muster.server.service.ClusterInfoService;
import io.muster.server.service.ServiceException;

/** {@code muster.client.v1.ClusterService} over {@link ClusterInfoService}. */
final class ClusterGrpc extends ClusterServiceGrpc.ClusterServiceImplBase {
    private final ClusterInfoService info;
    private final LeaderCalls leader;
    private final java.util.concurrent.Executor blocking;

    /** @param blocking where Raft log reads (file reads) run, off the network threads */
    ClusterGrpc(ClusterInfoService info, LeaderCalls leader, java.util.concurrent.Executor blocking) {
        this.info = info;
        this.leader = leader;
        this.blocking = blocking;
    }

    @Override
    public void getClusterStatus(GetClusterStatusRequest req, StreamObserver<ClusterStatus> out) {
        if (!req.getStale() && leader.forwarded(ClusterServiceGrpc.getGetClusterStatusMethod(), req, out)) return;
        Errors.answer(out, () -> ProtoViews.cluster(info.status()));
    }

    /** Reads this server's own log: file reads, so off the network thread. */
    @Override
    public void listRaftLog(ListRaftLogRequest req, StreamObserver<RaftLog> out) {
        blocking.execute(() -> Errors.answer(out, () -> {
            if (req.getTail() > Limits.MAX_PAGE) throw new ServiceException(400, "BAD_REQUEST", "tail must be between 0 and " + Limits.MAX_PAGE);
            try {
                return ProtoViews.raftLog(info.raftLog(req.getStartIndex(), Limits.page(req.getLimit(), "limit"), req.getTail()));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }));
    }
}
