package io.muster.scheduler;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builds {@link AllocMetric}s; only run when a group failed, so a full pass over the nodes is affordable. */
final class Metrics {
    private Metrics() {
    }

    /** Every node, classified by its first failed static check, else by the resource it lacks. */
    static AllocMetric allNodes(NodeUsage usage, GroupFeasibility feas, Resources ask) {
        Counter c = new Counter(feas.checks());
        for (int ord = 0; ord < usage.size(); ord++) {
            int f = feas.firstFailure(ord);
            if (f != GroupFeasibility.PASS) {
                c.filtered(f);
            } else if (!usage.fits(ord, ask)) {
                c.exhausted(usage.cpuShort(ord, ask));
            }
        }
        return c.metric(usage.size());
    }

    /**
     * For per-node groups: nodes filtered by static checks are not targets (no failure), but are counted for
     * context; exhausted are exactly the target nodes that had no room.
     */
    static AllocMetric perNode(NodeUsage usage, GroupFeasibility feas, Resources ask, List<Integer> unplacedOrds) {
        Counter c = new Counter(feas.checks());
        for (int ord = 0; ord < usage.size(); ord++) {
            int f = feas.firstFailure(ord);
            if (f != GroupFeasibility.PASS) {
                c.filtered(f);
            }
        }
        for (int ord : unplacedOrds) {
            c.exhausted(usage.cpuShort(ord, ask));
        }
        return c.metric(usage.size());
    }

    private static final class Counter {
        private final List<NodeCheck> checks;
        private final int[] byCheck;
        private int filtered;
        private int cpu;
        private int memory;

        Counter(List<NodeCheck> checks) {
            this.checks = checks;
            this.byCheck = new int[checks.size()];
        }

        void filtered(int check) {
            byCheck[check]++;
            filtered++;
        }

        void exhausted(boolean cpuShort) {
            if (cpuShort) {
                cpu++;
            } else {
                memory++;
            }
        }

        AllocMetric metric(int evaluated) {
            Map<String, Integer> m = new LinkedHashMap<>();
            for (int i = 0; i < checks.size(); i++) {
                if (byCheck[i] > 0) {
                    m.merge(checks.get(i).label(), byCheck[i], Integer::sum);
                }
            }
            if (cpu > 0) {
                m.put(AllocMetric.CPU_EXHAUSTED, cpu);
            }
            if (memory > 0) {
                m.put(AllocMetric.MEMORY_EXHAUSTED, memory);
            }
            return new AllocMetric(evaluated, filtered, cpu + memory, m);
        }
    }
}
