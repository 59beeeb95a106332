package io.muster.scheduler;

import io.muster.types.state.NodeStatus;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What the scheduler reads about a node. Only {@link NodeStatus#READY} nodes that are {@code eligible} receive
 * new allocations; an ineligible node keeps what it runs.
 *
 * @param id       the node's numeric id (constraint attribute {@code node.id})
 * @param os       e.g. {@code linux} ({@code node.os})
 * @param arch     e.g. {@code amd64} ({@code node.arch})
 * @param labels   operator-assigned labels ({@code label.<key>})
 * @param drivers  task drivers the node can run, e.g. {@code exec}, {@code docker}
 * @param capacity what allocations may reserve in total
 * @param limitsEnforced the node's exec driver confines tasks to their resources (cgroups); groups that require it
 *                 ({@code resources: {enforce: true}}) go only there
 */
public record NodeView(
        long id,
        NodeStatus status,
        boolean eligible,
        String os,
        String arch,
        Map<String, String> labels,
        Set<String> drivers,
        Resources capacity,
        boolean limitsEnforced) {

    /** A node whose exec tasks run without enforced limits. */
    public NodeView(long id, NodeStatus status, boolean eligible, String os, String arch, Map<String, String> labels,
                    Set<String> drivers, Resources capacity) {
        this(id, status, eligible, os, arch, labels, drivers, capacity, false);
    }

    public NodeView {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(capacity, "capacity");
        os = os == null ? "" : os;
        arch = arch == null ? "" : arch;
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        drivers = drivers == null ? Set.of() : Set.copyOf(drivers);
    }

    /** Whether the node may receive new allocations. */
    public boolean schedulable() {
        return status == NodeStatus.READY && eligible;
    }

    public NodeView withStatus(NodeStatus s) {
        return new NodeView(id, s, eligible, os, arch, labels, drivers, capacity, limitsEnforced);
    }

    public NodeView withEligible(boolean e) {
        return new NodeView(id, status, e, os, arch, labels, drivers, capacity, limitsEnforced);
    }
}
