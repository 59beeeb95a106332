package io.muster.worker.alloc;

import io.muster.proto.Allocation;
import java.nio.charset.StandardCharsets;

/** One allocation as the server assigned it (the proto {@code Allocation}, with the spec kept as text). */
public record Assignment(String id, String jobId, String group, int index, String jobType, int attempt,
                         long jobDeadlineUnixMs, String groupSpecJson) {

    public static Assignment of(Allocation a) {
        return new Assignment(a.getId(), a.getJobId(), a.getGroup(), a.getIndex(), a.getJobType(), a.getAttempt(),
                a.getJobDeadlineUnixMs(), a.getGroupSpecJson().toString(StandardCharsets.UTF_8));
    }

    public static final String OPERATION = "operation";

    /**
     * Batch, sysbatch and operation allocations (one attempt of an operation task) are meant to finish; services and
     * system jobs to run until stopped.
     */
    public boolean runsToCompletion() {
        return "batch".equals(jobType) || "sysbatch".equals(jobType) || OPERATION.equals(jobType);
    }

    /** Operation allocations report the end of their task's output with their final status. */
    public boolean reportsOutput() {
        return OPERATION.equals(jobType);
    }

    /**
     * The id a task is known by to its driver, which also names its directory under the alloc root. A group of one
     * task (the usual case) uses the allocation id itself; the tasks of larger groups get {@code <allocId>.<task>},
     * because a driver runs one task per key.
     */
    public String taskKey(GroupSpec spec, String taskName) {
        return spec.tasks().size() == 1 ? id : id + "." + taskName;
    }
}
