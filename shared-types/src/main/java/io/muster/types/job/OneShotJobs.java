package io.muster.types.job;

import static io.muster.types.yaml.SourceTree.abbreviate;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Pattern;

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
 *
 * <p>One-shot actions ({@code muster job run -t TARGET BACKEND ACTION key=value...}) are operations of one step:
 * {@link #parseTarget}, {@link #parseAction} and {@link #action}.
 */
public final class OneShotJobs {
    /** Name of the single group and task. */
    public static final String NAME = "run";

    private static final Pattern PARAM_KEY = Pattern.compile(JobSpecLimits.PARAM_KEY_SYNTAX);

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
            String problem = OperationReader.targetValueProblem(TargetScope.GROUP, group);
            if (problem != null) {
                throw argument("target", "'" + target + "': the group name " + problem);
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

    /**
     * A one-step operation running one action on a target: the CLI's {@code muster job run -t TARGET BACKEND ACTION
     * key=value...}. Fail-fast, no retries, no timeout, all target nodes at once, default priority. The backend and
     * action are checked for syntax only; the server checks that some node offers them.
     *
     * @param jobId the job id ({@value JobSpecLimits#NAME_SYNTAX}), from the same generator as {@link #forTarget}'s
     * @throws JobSpecException naming the bad part ({@code id}, a step's backend, action or parameter)
     */
    public static JobSpec action(String jobId, OperationTarget target, ActionCall call) {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(call, "call");
        OperationStep step = new OperationStep(StepCondition.ALWAYS, false,
                List.of(new OperationTask(call, null, 0, null)));
        OperationSpec op = new OperationSpec(target, FailureStrategy.FAIL_FAST, 0, RetryBackoff.DEFAULT,
                List.of(step));
        JobSpec spec = new JobSpec(Objects.requireNonNull(jobId, "jobId"), JobType.OPERATION,
                JobSpecLimits.DEFAULT_PRIORITY, null, List.of(), List.of(), op);
        // Same rules as a submitted spec (names, parameter limits, NULs): validate via canonical JSON.
        return JobSpecJson.fromJson(JobSpecJson.toJson(spec));
    }

    /**
     * The CLI's {@code -t} for operations: {@code all}, {@code group:NAME} (one element of a node's {@code group}
     * label) or {@code node:NODE} (id, hostname or {@code name} label).
     *
     * @throws JobSpecException (an {@link IllegalArgumentException}) at path {@code target}, quoting the text
     */
    public static OperationTarget parseTarget(String text) {
        Objects.requireNonNull(text, "text");
        if (text.equals(TargetScope.ALL.key())) {
            return OperationTarget.ALL;
        }
        int colon = text.indexOf(':');
        TargetScope scope = colon < 0 ? null
                : TargetScope.fromKey(text.substring(0, colon)).filter(s -> s != TargetScope.ALL).orElse(null);
        if (scope == null) {
            throw argument("target", "unknown target '" + text + "'; expected all, group:NAME or node:ID");
        }
        String value = text.substring(colon + 1);
        String problem = OperationReader.targetValueProblem(scope, value);
        if (problem != null) {
            throw argument("target", "'" + text + "': the " + scope.key() + " " + problem);
        }
        return new OperationTarget(scope, value);
    }

    /**
     * An action call from the CLI's words: {@code apt install package=nginx}. Each parameter is {@code key=value}
     * (split at the first {@code =}, so values may hold more), keys {@value JobSpecLimits#PARAM_KEY_SYNTAX},
     * each key at most once.
     *
     * @throws JobSpecException listing every bad word: {@code backend}, {@code action}, or {@code params} quoting
     *                          the argument
     */
    public static ActionCall parseAction(String backend, String action, List<String> keyValues) {
        Objects.requireNonNull(keyValues, "keyValues");
        List<SpecError> errors = new ArrayList<>();
        checkName(errors, "backend", backend);
        checkName(errors, "action", action);
        if (keyValues.size() > JobSpecLimits.MAX_ACTION_PARAMS) {
            errors.add(new SpecError("params", "at most " + JobSpecLimits.MAX_ACTION_PARAMS
                    + " parameters are allowed, found " + keyValues.size(), 0, 0));
        }
        Map<String, String> params = new TreeMap<>();
        for (String kv : keyValues) {
            int eq = kv == null ? -1 : kv.indexOf('=');
            String key = eq < 0 ? null : kv.substring(0, eq);
            String value = eq < 0 ? null : kv.substring(eq + 1);
            String problem;
            if (eq < 0) {
                problem = "is not key=value";
            } else if (!PARAM_KEY.matcher(key).matches()) {
                problem = "'" + key + "' is not a valid parameter name (must match " + JobSpecLimits.PARAM_KEY_SYNTAX
                        + ")";
            } else if (params.containsKey(key)) {
                problem = "sets '" + key + "' again";
            } else if (value.length() > JobSpecLimits.MAX_STRING) {
                problem = "has a value of " + value.length() + " characters; the limit is " + JobSpecLimits.MAX_STRING;
            } else if (value.indexOf('\0') >= 0) {
                problem = "must not contain NUL characters";
            } else {
                params.put(key, value);
                continue;
            }
            errors.add(new SpecError("params", "argument '" + abbreviate(kv) + "' " + problem, 0, 0));
        }
        if (!errors.isEmpty()) {
            throw new JobSpecException(null, errors);
        }
        return new ActionCall(backend, action, params);
    }

    private static void checkName(List<SpecError> errors, String what, String name) {
        if (name == null || !SpecValues.NAME.matcher(name).matches()) {
            errors.add(new SpecError(what, "'" + abbreviate(String.valueOf(name)) + "' is not a valid " + what
                    + " name (lower-case letters, digits, '_' and '-', starting with a letter or digit, at most 63 "
                    + "characters)", 0, 0));
        }
    }

    private static JobSpecException argument(String name, String message) {
        return new JobSpecException(null, List.of(new SpecError(name, message, 0, 0)));
    }
}
