package io.muster.server.grpc.client;

import io.grpc.stub.StreamObserver;
import io.muster.proto.client.v1.DrainNodeRequest;
import io.muster.proto.client.v1.DrainNodeResponse;
import io.muster.proto.client.v1.GetNodeRequest;
import io.muster.proto.client.v1.ListNodesRequest;
import io.muster.proto.client.v1.ListNodesResponse;
import io.muster.proto.client.v1.NodeDetail;
import io.muster.proto.client.v1.NodeServiceGrpc;
import io.muster.proto.client.v1.SetNodeEligibilityRequest;
import io.muster.proto.client.v1.SetNodeEligibilityResponse;
import io.muster.server.service.NodesService;

/** {@code muster.client.v1.NodeService} over {@link NodesService}; reads are answered by the leader, as over REST. */
final class NodeGrpc extends NodeServiceGrpc.NodeServiceImplBase {
    private final NodesService nodes;
    private final LeaderCalls leader;

    NodeGrpc(NodesService nodes, LeaderCalls leader) {
        this.nodes = nodes;
        this.leader = leader;
    }

    @Override
    public void listNodes(ListNodesRequest req, StreamObserver<ListNodesResponse> out) {
        if (leader.forwarded(NodeServiceGrpc.getListNodesMethod(), req, out)) return;
        Errors.answer(out, () -> {
            ListNodesResponse.Builder b = ListNodesResponse.newBuilder();
            for (var n : nodes.list()) b.addNodes(ProtoViews.node(n));
            return b.build();
        });
    }

    @Override
    public void getNode(GetNodeRequest req, StreamObserver<NodeDetail> out) {
        if (leader.forwarded(NodeServiceGrpc.getGetNodeMethod(), req, out)) return;
        Errors.answer(out, () -> ProtoViews.nodeDetail(nodes.detail(req.getId(), Limits.page(req.getLimit(), "limit"))));
    }

    @Override
    public void drainNode(DrainNodeRequest req, StreamObserver<DrainNodeResponse> out) {
        Errors.answerAsync(out, () -> nodes.drain(req.getId(), !req.getDisable(), req.getDeadlineSecs())
                .thenApply(d -> DrainNodeResponse.newBuilder().setId(req.getId()).setDrain(d.wire()).build()));
    }

    @Override
    public void setNodeEligibility(SetNodeEligibilityRequest req, StreamObserver<SetNodeEligibilityResponse> out) {
        Errors.answerAsync(out, () -> nodes.eligibility(req.getId(), req.getEligible())
                .thenApply(e -> SetNodeEligibilityResponse.newBuilder().setId(req.getId()).setEligible(e).build()));
    }
}
