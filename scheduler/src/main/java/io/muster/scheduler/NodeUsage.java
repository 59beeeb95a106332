package io.muster.scheduler;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The scheduler's working copy of node usage for one pass. Nodes get dense ordinals (sorted by id, so a pass is
 * deterministic whatever order the view lists them in); per-node usage is summed from the view lazily, the first
 * time a node is looked at, and then updated incrementally as the plan stops and places allocations. That keeps a
 * pass at O(nodes + allocations looked at) instead of O(nodes × allocations) per placement.
 */
final class NodeUsage {
    private final ClusterView view;
    private final NodeView[] nodes;
    private final Map<Long, Integer> ordinals;
    private final long[] usedCpu;
    private final long[] usedMemory;
    private final boolean[] loaded;

    NodeUsage(ClusterView view) {
        this.view = view;
        List<NodeView> list = new ArrayList<>(view.nodes());
        list.sort(Comparator.comparingLong(NodeView::id));
        this.nodes = list.toArray(NodeView[]::new);
        this.ordinals = HashMap.newHashMap(nodes.length);
        for (int i = 0; i < nodes.length; i++) {
            ordinals.put(nodes[i].id(), i);
        }
        this.usedCpu = new long[nodes.length];
        this.usedMemory = new long[nodes.length];
        this.loaded = new boolean[nodes.length];
    }

    int size() {
        return nodes.length;
    }

    NodeView node(int ordinal) {
        return nodes[ordinal];
    }

    /** The node's ordinal, or -1 when the view does not know it. */
    int ordinal(long nodeId) {
        Integer o = ordinals.get(nodeId);
        return o == null ? -1 : o;
    }

    /** Whether {@code ask} fits in what is left of the node's capacity. */
    boolean fits(int ord, Resources ask) {
        load(ord);
        Resources cap = nodes[ord].capacity();
        return usedCpu[ord] + ask.cpu() <= cap.cpu() && usedMemory[ord] + ask.memoryMb() <= cap.memoryMb();
    }

    /** Whether the node lacks CPU for {@code ask} (reported before memory when both are short). */
    boolean cpuShort(int ord, Resources ask) {
        load(ord);
        return usedCpu[ord] + ask.cpu() > nodes[ord].capacity().cpu();
    }

    void reserve(int ord, Resources r) {
        load(ord);
        usedCpu[ord] += r.cpu();
        usedMemory[ord] += r.memoryMb();
    }

    /** Frees what a live allocation reserved, because the plan stops it. */
    void release(AllocView alloc) {
        int ord = ordinal(alloc.nodeId());
        if (ord < 0 || !alloc.live()) {
            return;
        }
        load(ord);
        usedCpu[ord] = Math.max(0, usedCpu[ord] - alloc.resources().cpu());
        usedMemory[ord] = Math.max(0, usedMemory[ord] - alloc.resources().memoryMb());
    }

    /**
     * Nomad's BestFit-v3 bin-packing fitness of the node after adding {@code ask}, normalised to [0, 1]:
     * {@code (20 - (10^freeCpu + 10^freeMem)) / 18}, where free* are the fractions left free. A fuller node
     * scores higher; the exponent makes the last few free percent count much more than the first.
     */
    double fitness(int ord, Resources ask) {
        load(ord);
        Resources cap = nodes[ord].capacity();
        double freeCpu = freeFraction(usedCpu[ord] + ask.cpu(), cap.cpu());
        double freeMem = freeFraction(usedMemory[ord] + ask.memoryMb(), cap.memoryMb());
        return (20.0 - (Math.pow(10.0, freeCpu) + Math.pow(10.0, freeMem))) / 18.0;
    }

    private static double freeFraction(long used, int capacity) {
        if (capacity <= 0) {
            return 0.0;
        }
        return Math.max(0.0, 1.0 - (double) used / capacity);
    }

    private void load(int ord) {
        if (loaded[ord]) {
            return;
        }
        long cpu = 0;
        long mem = 0;
        for (AllocView a : view.allocsOnNode(nodes[ord].id())) {
            if (a.live()) {
                cpu += a.resources().cpu();
                mem += a.resources().memoryMb();
            }
        }
        usedCpu[ord] = cpu;
        usedMemory[ord] = mem;
        loaded[ord] = true;
    }
}
