package io.muster.server.leader;

import io.muster.scheduler.AllocView;
import io.muster.scheduler.ClusterView;
import io.muster.scheduler.NodeView;
import io.muster.scheduler.Resources;
import io.muster.server.state.ClusterSnapshot;
import io.muster.server.state.ClusterState;
import io.muster.server.state.Records.AllocRecord;
import io.muster.server.state.Records.NodeRecord;
import io.muster.types.state.DrainState;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;

/**
 * The scheduler's read-only view over the replicated state (the scheduler itself knows nothing of Raft): one
 * immutable snapshot for the whole evaluation, so every check sees the same nodes and allocations.
 */
final class StateClusterView implements ClusterView {
    private final ClusterSnapshot state;
    private final List<NodeView> nodes;

    StateClusterView(ClusterState live) {
        this(live.snapshot());
    }

    StateClusterView(ClusterSnapshot state) {
        this.state = state;
        this.nodes = state.nodes().stream().map(StateClusterView::node).toList();
    }

    static NodeView node(NodeRecord n) {
        return new NodeView(n.id(), n.state(), n.eligible() && n.drain() == DrainState.NONE, n.os(), n.arch(), n.labels(),
                new HashSet<>(n.drivers()), new Resources((int) Math.min(Integer.MAX_VALUE, n.cpuMhz()), (int) Math.min(Integer.MAX_VALUE, n.memoryMb())),
                n.limitsEnforced());
    }

    static AllocView alloc(AllocRecord a) {
        return new AllocView(a.id(), a.jobId(), a.group(), a.index(), a.nodeId(), new Resources(a.cpu(), a.memoryMb()), a.status(), a.desiredRun(),
                a.attempt(), a.finishedAt());
    }

    @Override
    public Collection<NodeView> nodes() {
        return nodes;
    }

    @Override
    public NodeView node(long id) {
        return state.node(id).map(StateClusterView::node).orElse(null);
    }

    @Override
    public Collection<AllocView> allocsOnNode(long nodeId) {
        return state.allocsOnNode(nodeId).stream().map(StateClusterView::alloc).toList();
    }

    @Override
    public Collection<AllocView> allocsOfJob(String jobId) {
        return state.allocsOfJob(jobId).stream().map(StateClusterView::alloc).toList();
    }
}
