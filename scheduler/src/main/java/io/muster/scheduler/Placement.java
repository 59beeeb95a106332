package io.muster.scheduler;

import java.util.Objects;

/**
 * A new allocation the plan creates.
 *
 * @param index             slot within the group (a replacement keeps its predecessor's)
 * @param resources         what it reserves on {@code nodeId}
 * @param rescheduleAttempt 0 for a first run or a replacement not caused by failure (lost node, migration,
 *                          count raised); k for the k-th reschedule of a failed slot
 * @param previousAllocId   the allocation it replaces, or {@code null}
 */
public record Placement(
        String allocId,
        String jobId,
        String group,
        int index,
        long nodeId,
        Resources resources,
        int rescheduleAttempt,
        String previousAllocId) {

    public Placement {
        Objects.requireNonNull(allocId, "allocId");
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(resources, "resources");
    }
}
