package io.muster.scheduler;

/** Why a plan stops an allocation. */
public enum StopReason {
    JOB_STOPPED("job stopped"),
    COUNT_LOWERED("count lowered"),
    GROUP_REMOVED("group removed from job"),
    NODE_LOST("node lost"),
    /** Service/batch allocation on a draining node; stopped only once its replacement is placed. */
    MIGRATING("migrating from draining node"),
    /** System/sysbatch allocation on a draining node: it has nowhere else to go. */
    NODE_DRAINING("node draining"),
    /** System/sysbatch allocation on a node that no longer satisfies the group's constraints or drivers. */
    NODE_INFEASIBLE("node no longer feasible"),
    /** A second live allocation for the same slot (or, for system jobs, the same node). */
    DUPLICATE("duplicate allocation"),
    /** The job's own {@code timeout} ran out: nothing of it runs any more, and nothing new is placed. */
    JOB_DEADLINE("job timed out");

    private final String text;

    StopReason(String text) {
        this.text = text;
    }

    public String text() {
        return text;
    }

    @Override
    public String toString() {
        return text;
    }
}
