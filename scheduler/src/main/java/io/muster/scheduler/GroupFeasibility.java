package io.muster.scheduler;

import io.muster.types.job.Constraint;
import io.muster.types.job.TaskGroup;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** The static check chain of one group, with each node's verdict computed once per pass. */
final class GroupFeasibility {
    private static final int UNKNOWN = -2;
    static final int PASS = -1;

    private final NodeUsage usage;
    private final List<NodeCheck> checks;
    private final int[] firstFailure;

    GroupFeasibility(NodeUsage usage, List<NodeCheck> jobChecks, TaskGroup group) {
        this.usage = usage;
        List<NodeCheck> chain = new ArrayList<>();
        chain.add(new NodeCheck.Ready());
        chain.addAll(jobChecks);
        for (Constraint c : group.constraints()) {
            chain.add(NodeCheck.ConstraintCheck.compile(c));
        }
        for (String d : group.drivers()) {
            chain.add(new NodeCheck.DriverCheck(d));
        }
        if (group.requiresLimits()) {
            chain.add(new NodeCheck.LimitsCheck());
        }
        this.checks = List.copyOf(chain);
        this.firstFailure = new int[usage.size()];
        Arrays.fill(firstFailure, UNKNOWN);
    }

    List<NodeCheck> checks() {
        return checks;
    }

    /** Index of the first check the node fails, or {@link #PASS}. */
    int firstFailure(int ord) {
        int f = firstFailure[ord];
        if (f == UNKNOWN) {
            f = PASS;
            NodeView node = usage.node(ord);
            for (int i = 0; i < checks.size(); i++) {
                if (!checks.get(i).test(node)) {
                    f = i;
                    break;
                }
            }
            firstFailure[ord] = f;
        }
        return f;
    }

    boolean feasible(int ord) {
        return firstFailure(ord) == PASS;
    }

    /** Constraints and drivers hold, whatever the node's readiness (whether existing work may stay). */
    boolean suitableIgnoringReadiness(int ord) {
        int f = firstFailure(ord);
        if (f == PASS) {
            return true;
        }
        if (f > 0) {
            return false;
        }
        NodeView node = usage.node(ord);
        for (int i = 1; i < checks.size(); i++) {
            if (!checks.get(i).test(node)) {
                return false;
            }
        }
        return true;
    }

    /** Ordinals of feasible nodes, ascending (by node id). */
    int[] feasibleNodes() {
        int[] out = new int[usage.size()];
        int n = 0;
        for (int ord = 0; ord < usage.size(); ord++) {
            if (feasible(ord)) {
                out[n++] = ord;
            }
        }
        return Arrays.copyOf(out, n);
    }
}
