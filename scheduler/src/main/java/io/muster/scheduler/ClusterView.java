package io.muster.scheduler;

import java.util.Collection;

/**
 * A read-only snapshot of cluster state for one scheduling pass. Implementations must be consistent for the
 * duration of a {@link Scheduler} call: {@link #nodes()} lists every node that {@link #node(long)} knows, and the
 * alloc collections agree with each other. Returned collections are only read.
 */
public interface ClusterView {
    Collection<NodeView> nodes();

    /** The node, or {@code null} if unknown (its allocations are then treated as lost). */
    NodeView node(long id);

    /** All allocations placed on the node, in any state. */
    Collection<AllocView> allocsOnNode(long nodeId);

    /** All allocations of the job, in any state. */
    Collection<AllocView> allocsOfJob(String jobId);
}
