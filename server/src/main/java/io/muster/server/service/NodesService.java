package io.muster.server.service;

import io.muster.client.Node;
import io.muster.proto.raft.Command;
import io.muster.proto.raft.SetNodeDrain;
import io.muster.proto.raft.SetNodeEligibility;
import io.muster.server.Proposer;
import io.muster.server.leader.Leases;
import io.muster.server.state.ClusterSnapshot;
import io.muster.server.state.Records.AllocRecord;
import io.muster.server.state.Records.NodeRecord;
import io.muster.server.state.Snapshots;
import io.muster.types.state.DrainState;
import java.time.Clock;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Worker nodes, whatever the transport: list, detail, drain, eligibility. The views carry the last heartbeat, which
 * only the leader holds (its leases): a transport answers reads on the leader and forwards them there from a follower.
 * Writes go through the {@link Proposer}, which forwards them to the leader itself.
 */
public final class NodesService {
    private final Snapshots snapshots;
    private final Proposer proposer;
    private final Clock clock;
    private final Leases leases;

    public NodesService(Snapshots snapshots, Proposer proposer, Clock clock, Leases leases) {
        this.snapshots = snapshots;
        this.proposer = proposer;
        this.clock = clock;
        this.leases = leases;
    }

    /**
     * A node's detail: the node, its newest allocations, how many it has in all, where a drain stands, whether its worker
     * enforces resource limits (and its words on why not), and its allocations' cgroup usage by allocation id as the
     * worker last sampled it (leader only; empty without cgroups).
     */
    public record NodeDetail(Node node, List<io.muster.client.JobStatus.Allocation> allocations, int allocationsTotal, String drainStatus,
                             boolean limitsEnforced, String limitsDetail, Map<String, io.muster.proto.AllocUsage> usage) {}

    public List<Node> list() {
        var snap = snapshots.snapshot();
        return snap.nodesSorted().stream().map(n -> view(snap, n)).toList();
    }

    public NodeRecord node(long id) {
        return snapshots.snapshot().node(id).orElseThrow(() -> notFound(id));
    }

    private static ServiceException notFound(long id) {
        return new ServiceException(404, "NODE_NOT_FOUND", "no node with id " + id);
    }

    /** @param limit the newest allocations to include (a long-lived node has collected thousands) */
    public NodeDetail detail(long id, int limit) {
        var snap = snapshots.snapshot(); // the node and its allocations as of one index
        NodeRecord n = snap.node(id).orElseThrow(() -> notFound(id));
        List<AllocRecord> all = snap.allocsOnNode(n.id()).stream().sorted(Comparator.comparingLong(AllocRecord::createIndex).reversed()).toList();
        var allocs = all.subList(0, Math.min(limit, all.size())).stream().map(JobViews::alloc).toList();
        return new NodeDetail(view(snap, n), allocs, all.size(), drainStatus(snap, n, all), n.limitsEnforced(),
                n.limitsDetail().isEmpty() ? "not reported by this worker's version" : n.limitsDetail(), leases.allocUsage(n.id()));
    }

    /** A node as the API shows it: the client's {@link Node} record, so both sides share one shape. */
    private Node view(ClusterSnapshot snap, NodeRecord n) {
        var beat = leases.lastBeat(n.id());
        return new Node(n.id(), n.state().wire(), n.eligible(), n.labels(), n.os(), n.arch(),
                beat.map(b -> Instant.ofEpochMilli(b.atMillis()).toString()).orElse(null),
                beat.map(b -> (long) b.ttlSecs()).orElse(null), n.drain().wire(), n.hostname(), n.drivers(), n.cpuMhz(), n.memoryMb(),
                (int) snap.allocsOnNode(n.id()).stream().filter(a -> a.desiredRun() && !a.terminal()).count(),
                Instant.ofEpochMilli(n.registeredAt()).toString(), Instant.ofEpochMilli(n.stateChangedAt()).toString(), n.cpuCores(),
                n.version(), n.drainDeadline() > 0 ? Instant.ofEpochMilli(n.drainDeadline()).toString() : null,
                !n.certSerial().isEmpty() ? Instant.ofEpochMilli(n.certNotAfter()).toString() : null,
                !n.revokedReason().isEmpty() ? n.revokedReason() : null, null, null);
    }

    /** Where a draining node's work stands: how many allocations are left, and whether any other node can take them. */
    public static String drainStatus(ClusterSnapshot snap, NodeRecord n, List<AllocRecord> allocs) {
        if (n.drain() != DrainState.DRAINING) return null;
        long left = allocs.stream().filter(a -> !a.terminal()).count();
        if (left == 0) return "nothing left on this node; the drain completes at the next heartbeat";
        long others = snap.nodes().stream().filter(x -> x.id() != n.id() && x.schedulable()).count();
        String where = others == 0
                ? "no other node is eligible to take them: they stay until a node joins or becomes eligible"
                    + (n.drainDeadline() > 0 ? ", or until the drain deadline stops them" : " (no drain deadline is set)")
                : others + " other eligible node" + (others == 1 ? "" : "s") + " can take them; the scheduler is moving them";
        return left + " allocation" + (left == 1 ? "" : "s") + " still on this node; " + where;
    }

    /** Starts ({@code enable}) or ends a drain; {@code deadlineSecs} > 0: what is still there then is stopped. */
    public CompletableFuture<DrainState> drain(long id, boolean enable, long deadlineSecs) {
        NodeRecord n = node(id);
        long deadline = deadlineSecs > 0 ? clock.millis() + deadlineSecs * 1000 : 0;
        return proposer.propose(Command.newBuilder().setSetNodeDrain(SetNodeDrain.newBuilder().setNodeId(n.id()).setEnabled(enable)
                .setDeadlineUnixMs(deadline))).thenApply(r -> {
                    ServiceException.accepted(r);
                    return enable ? DrainState.DRAINING : DrainState.NONE;
                });
    }

    public CompletableFuture<Boolean> eligibility(long id, boolean eligible) {
        NodeRecord n = node(id);
        return proposer.propose(Command.newBuilder().setSetNodeEligibility(SetNodeEligibility.newBuilder().setNodeId(n.id()).setEligible(eligible)))
                .thenApply(r -> {
                    ServiceException.accepted(r);
                    return eligible;
                });
    }
}
