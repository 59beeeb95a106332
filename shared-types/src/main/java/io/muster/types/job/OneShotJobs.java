package io.muster.types.job;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One-shot command jobs, GRID-style: "run this command on these nodes, once".
 *
 * <p>Targets:
 * <ul>
 *   <li>{@code all}: a {@link JobType#SYSBATCH} job, one run on every eligible node;</li>
 *   <li>{@code group:NAME}: a sysbatch job constrained to nodes whose label {@code group} equals NAME;</li>
 *   <li>{@code node:ID}: a {@link JobType#BATCH} job of count 1 pinned with {@code node.id = ID}.</li>
 * </ul>
 * The job has one group and one task, both named {@value #NAME}, running {@code command[0]} with the rest as
 * arguments under the exec driver, with default resources. Each run happens at most once: restart and reschedule
 * attempts are 0, so a failing command is reported, not retried (re-running a command that may have had side
 * effects must be the operator's choice).
 */
public final class OneShotJobs {
    /** Name of the single group and task. */
    public static final String NAME = "run";

    private OneShotJobs() {
    }

    /**
     * @param target  {@code all}, {@code group:NAME} or {@code node:ID}
     * @param command program and arguments; at least the program
     * @param jobId   the job id ({@value JobSpecLimits#NAME_SYNTAX})
     * @throws JobSpecException naming the bad argument ({@code target}, {@code command} or {@code id})
     */
    public static JobSpec forTarget(String target, List<String> command, String jobId) {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(command, "command");
        if (command.isEmpty() || command.get(0) == null || command.get(0).isBlank()) {
            throw argument("command", "must name a program to run");
        }
        if (command.stream().anyMatch(Objects::isNull)) {
            throw argument("command", "must not contain null arguments");
        }
        JobType type;
        List<Constraint> constraints;
        if (target.equals("all")) {
            type = JobType.SYSBATCH;
            constraints = List.of();
        } else if (target.startsWith("group:")) {
            String group = target.substring("group:".length());
            if (group.isEmpty() || group.contains(",") || !group.strip().equals(group)) {
                throw argument("target", "'" + target + "': group name must be non-empty, without commas or "
                        + "surrounding spaces");
            }
            type = JobType.SYSBATCH;
            constraints = List.of(new Constraint(new NodeAttribute.Label("group"), ConstraintOperator.EQ, group));
        } else if (target.startsWith("node:")) {
            String id = target.substring("node:".length());
            if (!id.matches("[0-9]{1,19}")) {
                throw argument("target", "'" + target + "': node id must be a non-negative integer");
            }
            type = JobType.BATCH;
            constraints = List.of(new Constraint(new NodeAttribute.Id(), ConstraintOperator.EQ, id));
        } else {
            throw argument("target", "unknown target '" + target + "'; expected all, group:NAME or node:ID");
        }
        TaskSpec task = new TaskSpec(NAME, Driver.EXEC, command.get(0), command.subList(1, command.size()), null,
                Map.of(), TaskResources.DEFAULT, null, false, null, null);
        RestartPolicy noRestart = new RestartPolicy(0, Duration.ZERO, Duration.ZERO, RestartMode.FAIL);
        ReschedulePolicy noReschedule = new ReschedulePolicy(0, Duration.ZERO, Duration.ZERO);
        TaskGroup group = new TaskGroup(NAME, 1, PlacementStrategy.PACK, List.of(), noRestart, noReschedule,
                List.of(task));
        JobSpec spec = new JobSpec(Objects.requireNonNull(jobId, "jobId"), type, JobSpecLimits.DEFAULT_PRIORITY,
                null, constraints, List.of(group));
        // Same rules as any submitted spec (id syntax, argument limits, NULs): validate via canonical JSON.
        return JobSpecJson.fromJson(JobSpecJson.toJson(spec));
    }

    private static JobSpecException argument(String name, String message) {
        return new JobSpecException(null, List.of(new SpecError(name, message, 0, 0)));
    }
}
