package io.muster.scheduler;

import io.muster.types.state.AllocStatus;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A mutable in-memory {@link ClusterView}, indexed by node and by job. Not thread-safe: mutate it only between
 * scheduling passes (or hand the scheduler a {@link #copy()}). Collections returned are unmodifiable live views.
 */
public final class InMemoryClusterView implements ClusterView {
    private final Map<Long, NodeView> nodes = new TreeMap<>();
    private final Map<String, AllocView> allocs = new LinkedHashMap<>();
    private final Map<Long, Map<String, AllocView>> byNode = new LinkedHashMap<>();
    private final Map<String, Map<String, AllocView>> byJob = new LinkedHashMap<>();

    public InMemoryClusterView() {
    }

    public InMemoryClusterView(Collection<NodeView> nodes, Collection<AllocView> allocs) {
        nodes.forEach(this::putNode);
        allocs.forEach(this::putAlloc);
    }

    /** Adds or replaces a node (by id). */
    public InMemoryClusterView putNode(NodeView node) {
        nodes.put(node.id(), node);
        return this;
    }

    public void removeNode(long id) {
        nodes.remove(id);
    }

    /** Adds or replaces an allocation (by id). */
    public InMemoryClusterView putAlloc(AllocView alloc) {
        AllocView old = allocs.put(alloc.id(), alloc);
        if (old != null) {
            unindex(old);
        }
        byNode.computeIfAbsent(alloc.nodeId(), k -> new LinkedHashMap<>()).put(alloc.id(), alloc);
        byJob.computeIfAbsent(alloc.jobId(), k -> new LinkedHashMap<>()).put(alloc.id(), alloc);
        return this;
    }

    public void removeAlloc(String id) {
        AllocView old = allocs.remove(id);
        if (old != null) {
            unindex(old);
        }
    }

    public AllocView alloc(String id) {
        return allocs.get(id);
    }

    public Collection<AllocView> allocs() {
        return Collections.unmodifiableCollection(allocs.values());
    }

    /**
     * Applies a plan the way a server would: placements become PENDING allocations that are desired to run;
     * stopped allocations are no longer desired to run, and those stopped because their node was lost are marked
     * LOST (the others finish when their worker reports).
     *
     * @return the placed allocations
     */
    public List<AllocView> apply(Plan plan, long nowMillis) {
        for (Stop stop : plan.stops()) {
            AllocView a = allocs.get(stop.allocId());
            if (a != null) {
                AllocView stopped = a.withDesiredRun(false);
                if (stop.reason() == StopReason.NODE_LOST && !a.status().isTerminal()) {
                    stopped = stopped.withStatus(AllocStatus.LOST, nowMillis);
                }
                putAlloc(stopped);
            }
        }
        List<AllocView> placed = plan.placements().stream()
                .map(p -> new AllocView(p.allocId(), p.jobId(), p.group(), p.index(), p.nodeId(), p.resources(),
                        AllocStatus.PENDING, true, p.rescheduleAttempt(), 0L))
                .toList();
        placed.forEach(this::putAlloc);
        return placed;
    }

    /** An independent copy (records are immutable, so this copies only the indexes). */
    public InMemoryClusterView copy() {
        return new InMemoryClusterView(nodes.values(), allocs.values());
    }

    @Override
    public Collection<NodeView> nodes() {
        return Collections.unmodifiableCollection(nodes.values());
    }

    @Override
    public NodeView node(long id) {
        return nodes.get(id);
    }

    @Override
    public Collection<AllocView> allocsOnNode(long nodeId) {
        Map<String, AllocView> m = byNode.get(nodeId);
        return m == null ? List.of() : Collections.unmodifiableCollection(m.values());
    }

    @Override
    public Collection<AllocView> allocsOfJob(String jobId) {
        Map<String, AllocView> m = byJob.get(Objects.requireNonNull(jobId, "jobId"));
        return m == null ? List.of() : Collections.unmodifiableCollection(m.values());
    }

    private void unindex(AllocView a) {
        Map<String, AllocView> n = byNode.get(a.nodeId());
        if (n != null) {
            n.remove(a.id());
            if (n.isEmpty()) {
                byNode.remove(a.nodeId());
            }
        }
        Map<String, AllocView> j = byJob.get(a.jobId());
        if (j != null) {
            j.remove(a.id());
            if (j.isEmpty()) {
                byJob.remove(a.jobId());
            }
        }
    }
}
