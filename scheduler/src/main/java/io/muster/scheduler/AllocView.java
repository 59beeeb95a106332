package io.muster.scheduler;

import io.muster.types.state.AllocStatus;
import java.util.Objects;

/**
 * What the scheduler reads about an allocation (one placed instance of a job group).
 *
 * @param index             the instance's slot, 0 … count-1 for service/batch groups (replacements keep it)
 * @param resources         what it reserves on its node while non-terminal and desired to run
 * @param desiredRun        false once the servers asked it to stop (it then no longer counts, nor reserves)
 * @param rescheduleAttempt 0 for a first placement, k for the k-th reschedule of its slot
 * @param finishedAtMillis  when it became terminal (epoch ms); ignored while non-terminal
 */
public record AllocView(
        String id,
        String jobId,
        String group,
        int index,
        long nodeId,
        Resources resources,
        AllocStatus status,
        boolean desiredRun,
        int rescheduleAttempt,
        long finishedAtMillis) {

    public AllocView {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(resources, "resources");
        Objects.requireNonNull(status, "status");
    }

    /** Wanted and not finished: it runs (or is about to) and reserves its resources. */
    public boolean live() {
        return desiredRun && !status.isTerminal();
    }

    public AllocView withStatus(AllocStatus s, long finishedAt) {
        return new AllocView(id, jobId, group, index, nodeId, resources, s, desiredRun, rescheduleAttempt, finishedAt);
    }

    public AllocView withDesiredRun(boolean run) {
        return new AllocView(id, jobId, group, index, nodeId, resources, status, run, rescheduleAttempt,
                finishedAtMillis);
    }
}
