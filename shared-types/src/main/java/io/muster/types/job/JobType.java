package io.muster.types.job;

import java.util.Optional;

/**
 * How a job's groups are placed and when the job is finished.
 *
 * <ul>
 *   <li>{@code service}: keep {@code count} allocations of each group running forever; failed ones are replaced.</li>
 *   <li>{@code batch}: run {@code count} allocations of each group to completion; a completed one is never re-run.</li>
 *   <li>{@code system}: one long-running allocation of each group on every feasible node, including nodes that
 *       join later.</li>
 *   <li>{@code sysbatch}: one run of each group on every feasible node; a node that has completed it is done.
 *       Nodes that join later get a run only if the server evaluates the job again while it is still live, so a
 *       server that marks the job dead once its first evaluation's allocations finish gets "every eligible node
 *       at submit time".</li>
 *   <li>{@code operation}: steps over a target of nodes, each task run once per node (with its retries); placed
 *       by the leader's operation service, not the scheduler.</li>
 * </ul>
 */
public enum JobType {
    SERVICE("service"),
    BATCH("batch"),
    SYSTEM("system"),
    SYSBATCH("sysbatch"),
    /** Steps run once over a target of nodes (barrier and pipeline phases): see {@link OperationSpec}. */
    OPERATION("operation");

    private final String key;

    JobType(String key) {
        this.key = key;
    }

    /** The spelling used in job specs and canonical JSON. */
    public String key() {
        return key;
    }

    /** True for types that place one allocation per feasible node instead of {@code count}. */
    public boolean perNode() {
        return this == SYSTEM || this == SYSBATCH;
    }

    /** True for types whose allocations are expected to exit and, once complete, are not run again. */
    public boolean runsToCompletion() {
        return this == BATCH || this == SYSBATCH || this == OPERATION;
    }

    public static Optional<JobType> fromKey(String key) {
        for (JobType t : values()) {
            if (t.key.equals(key)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }
}
