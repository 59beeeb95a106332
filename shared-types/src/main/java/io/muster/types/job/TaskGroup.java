package io.muster.types.job;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A set of tasks placed together on one node, {@code count} times (the unit of scheduling: one allocation).
 *
 * @param name        unique within the job, {@value JobSpecLimits#NAME_SYNTAX}
 * @param count       service/batch: 0 – {@value JobSpecLimits#MAX_COUNT} allocations (default 1);
 *                    system/sysbatch: always 1 (one allocation per feasible node)
 * @param placement   ranking strategy (default pack)
 * @param constraints group-level constraints, checked after the job-level ones
 * @param restart     worker-local restart policy
 * @param reschedule  server-side replacement policy for failed allocations
 * @param tasks       at least one task
 */
public record TaskGroup(
        String name,
        int count,
        PlacementStrategy placement,
        List<Constraint> constraints,
        RestartPolicy restart,
        ReschedulePolicy reschedule,
        List<TaskSpec> tasks) {

    public TaskGroup {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(placement, "placement");
        Objects.requireNonNull(restart, "restart");
        Objects.requireNonNull(reschedule, "reschedule");
        constraints = constraints == null ? List.of() : List.copyOf(constraints);
        tasks = List.copyOf(tasks);
    }

    /** The sum of the tasks' resources: what one allocation of this group reserves on its node. */
    public TaskResources resources() {
        TaskResources total = new TaskResources(0, 0);
        for (TaskSpec t : tasks) {
            total = total.plus(t.resources());
        }
        return total;
    }

    /** The driver names the node must advertise, in task order. */
    public Set<String> drivers() {
        Set<String> drivers = new LinkedHashSet<>();
        for (TaskSpec t : tasks) {
            drivers.add(t.driver().key());
        }
        return drivers;
    }

    /**
     * True when an exec task of the group says {@code resources: {enforce: true}}: the group may only be placed on
     * nodes that enforce limits. (Docker enforces memory and CPU by itself wherever it runs.)
     */
    public boolean requiresLimits() {
        for (TaskSpec t : tasks) {
            if (t.resources().enforce() && t.driver() == Driver.EXEC) return true;
        }
        return false;
    }

    public TaskGroup withCount(int newCount) {
        return new TaskGroup(name, newCount, placement, constraints, restart, reschedule, tasks);
    }

    public TaskGroup withConstraints(List<Constraint> c) {
        return new TaskGroup(name, count, placement, c, restart, reschedule, tasks);
    }

    public TaskGroup withReschedule(ReschedulePolicy r) {
        return new TaskGroup(name, count, placement, constraints, restart, r, tasks);
    }
}
