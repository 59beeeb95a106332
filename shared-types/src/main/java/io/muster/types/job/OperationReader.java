package io.muster.types.job;

import static io.muster.types.job.JobSpecLimits.*;
import static io.muster.types.yaml.SourceTree.abbreviate;
import static io.muster.types.yaml.SourceTree.join;

import io.muster.types.yaml.SourceTree.Field;
import io.muster.types.yaml.SourceTree.Node;
import io.muster.types.yaml.SourceTree.Obj;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Reads the keys of a job of type {@code operation}: target, strategy, rolling batch, retry backoff and the steps.
 * A step is a leaf (one task written inline) or a pipeline phase ({@code tasks:}); a task is an action
 * ({@code backend}, {@code action}, {@code params}) or an exec/docker task, whose fields {@link TaskReader} reads.
 * Backend and action names are checked for syntax only: the server checks them against what workers offer.
 */
final class OperationReader extends SpecValues {
    /** The job keys only an operation has. */
    static final List<String> OPERATION_KEYS =
            List.of("target", "strategy", "max_concurrent_nodes", "retry_backoff", "steps");
    static final List<String> TARGET_KEYS = List.of("scope", "value");
    static final List<String> BACKOFF_KEYS = List.of("base", "cap");
    static final List<String> PHASE_KEYS = List.of("condition", "tasks");
    static final List<String> ACTION_KEYS = List.of("backend", "action", "params");
    /** The keys of a task item (either shape), and {@code condition} for a leaf step. */
    static final List<String> ITEM_KEYS = Stream.of(List.of("condition"), ACTION_KEYS,
            List.of("max_retries", "timeout"), TaskReader.TASK_KEYS).flatMap(List::stream).distinct().toList();
    /** The exec/docker fields that make no sense next to {@code backend}/{@code action}. */
    private static final List<String> TASK_ONLY_KEYS = TaskReader.TASK_KEYS.stream()
            .filter(k -> !k.equals("timeout") && !k.equals("driver")).toList();
    /** The name of an exec/docker task written without one. */
    static final String DEFAULT_TASK_NAME = "task";

    private static final Pattern PARAM_KEY = Pattern.compile(PARAM_KEY_SYNTAX);
    private static final int MAX_TARGET_VALUE = 256;

    private final TaskReader tasks;

    OperationReader(List<SpecError> errors) {
        super(errors);
        this.tasks = new TaskReader(errors);
    }

    /** Reads the operation keys of the job mapping {@code f}; null when any was bad or missing. */
    OperationSpec read(Fields f) {
        int before = errors.size();
        OperationTarget target = null;
        if (!f.has("target")) {
            f.missing("target", "is required: {scope: all}, {scope: group, value: NAME} or {scope: node, value: ID}");
        } else {
            target = target(f.get("target"), f.path("target"));
        }
        FailureStrategy strategy = f.has("strategy")
                ? choice(f.get("strategy"), f.path("strategy"), FailureStrategy::fromKey,
                keys(FailureStrategy.values(), FailureStrategy::key))
                : FailureStrategy.FAIL_FAST;
        Integer maxConcurrent = f.has("max_concurrent_nodes")
                ? intIn(f.get("max_concurrent_nodes"), f.path("max_concurrent_nodes"), 1, Integer.MAX_VALUE)
                : Integer.valueOf(0);
        RetryBackoff backoff = f.has("retry_backoff")
                ? backoff(f.get("retry_backoff"), f.path("retry_backoff"))
                : RetryBackoff.DEFAULT;

        List<OperationStep> steps = new ArrayList<>();
        if (!f.has("steps")) {
            f.missing("steps", "is required: an operation needs at least one step");
        } else {
            List<Node> items = list(f.get("steps"), f.path("steps"), 1, MAX_OPERATION_STEPS, "step");
            for (int i = 0; items != null && i < items.size(); i++) {
                OperationStep s = step(items.get(i), f.path("steps") + "[" + i + "]");
                if (s != null) {
                    steps.add(s);
                }
            }
        }
        return errors.size() == before
                ? new OperationSpec(target, strategy, maxConcurrent, backoff, steps)
                : null;
    }

    /**
     * What is wrong with a target's value, or null when it is fine: a group name is one element of a node's
     * comma-separated {@code group} label; a node is its id, hostname or name label. Shared with the CLI's
     * {@code -t} shorthand ({@link OneShotJobs#parseTarget}).
     */
    static String targetValueProblem(TargetScope scope, String value) {
        if (value.isBlank()) {
            return "must not be empty";
        }
        if (!value.strip().equals(value)) {
            return "must not start or end with spaces";
        }
        if (value.length() > MAX_TARGET_VALUE) {
            return "is " + value.length() + " characters long; the limit is " + MAX_TARGET_VALUE;
        }
        if (scope == TargetScope.GROUP && value.contains(",")) {
            return "must not contain commas (a node's group label separates its groups with commas)";
        }
        if (value.chars().anyMatch(Character::isISOControl)) {
            return "must not contain control characters";
        }
        return null;
    }

    private OperationTarget target(Node node, String path) {
        Obj obj = object(node, path);
        if (obj == null) {
            return null;
        }
        int before = errors.size();
        Fields f = new Fields(obj, path, TARGET_KEYS);
        TargetScope scope = null;
        if (!f.has("scope")) {
            f.missing("scope", "is required (" + String.join(", ", keys(TargetScope.values(), TargetScope::key)) + ")");
        } else {
            scope = choice(f.get("scope"), f.path("scope"), TargetScope::fromKey,
                    keys(TargetScope.values(), TargetScope::key));
        }
        String value = null;
        if (scope == TargetScope.ALL && f.has("value")) {
            error(f.path("value"), f.keyLoc("value"), "is not allowed for scope all");
        } else if (scope != null && scope != TargetScope.ALL) {
            if (!f.has("value")) {
                f.missing("value", "is required for scope " + scope.key());
            } else {
                // Any scalar: node ids are numbers, and YAML reads "value: 7" as one.
                value = text(f.get("value"), f.path("value"), MAX_STRING, true);
                String problem = value == null ? null : targetValueProblem(scope, value);
                if (problem != null) {
                    error(f.path("value"), f.get("value").loc(), problem);
                }
            }
        }
        return errors.size() == before && scope != null ? new OperationTarget(scope, value) : null;
    }

    private RetryBackoff backoff(Node node, String path) {
        Obj obj = object(node, path);
        if (obj == null) {
            return null;
        }
        Fields f = new Fields(obj, path, BACKOFF_KEYS);
        Duration base = f.has("base") ? duration(f.get("base"), f.path("base"), 0) : null;
        Duration cap = f.has("cap") ? duration(f.get("cap"), f.path("cap"), 0) : null;
        if ((f.has("base") && base == null) || (f.has("cap") && cap == null)) {
            return null;
        }
        // A lone base longer than the default cap raises the cap; a lone cap below the default base lowers it.
        if (base == null) {
            base = cap == null || cap.compareTo(RetryBackoff.DEFAULT.base()) >= 0 ? RetryBackoff.DEFAULT.base() : cap;
        }
        if (cap == null) {
            cap = base.compareTo(RetryBackoff.DEFAULT.cap()) >= 0 ? base : RetryBackoff.DEFAULT.cap();
        }
        if (cap.compareTo(base) < 0) {
            error(f.path("cap"), f.get("cap").loc(), "must be at least base (" + base.toSeconds() + " seconds)");
            return null;
        }
        return new RetryBackoff(base, cap);
    }

    private OperationStep step(Node node, String path) {
        Obj obj = object(node, path);
        if (obj == null) {
            return null;
        }
        if (!obj.fields().containsKey("tasks")) {
            // A leaf step: one task written inline, with the step's condition among its keys.
            Fields f = new Fields(obj, path, ITEM_KEYS);
            StepCondition condition = condition(f);
            OperationTask task = task(f);
            return condition == null || task == null ? null : new OperationStep(condition, false, List.of(task));
        }
        int before = errors.size();
        Fields f = new Fields(obj, path, PHASE_KEYS);
        StepCondition condition = condition(f);
        List<OperationTask> list = new ArrayList<>();
        if (!f.has("tasks")) {
            f.missing("tasks", "must list the phase's tasks");
        } else {
            List<Node> items = list(f.get("tasks"), f.path("tasks"), 1, MAX_OPERATION_STEPS, "task");
            for (int i = 0; items != null && i < items.size(); i++) {
                OperationTask t = phaseTask(items.get(i), f.path("tasks") + "[" + i + "]");
                if (t != null) {
                    list.add(t);
                }
            }
        }
        return errors.size() == before ? new OperationStep(condition, true, list) : null;
    }

    private StepCondition condition(Fields f) {
        return f.has("condition")
                ? choice(f.get("condition"), f.path("condition"), StepCondition::fromKey,
                keys(StepCondition.values(), StepCondition::key))
                : StepCondition.ALWAYS;
    }

    private OperationTask phaseTask(Node node, String path) {
        Obj obj = object(node, path);
        if (obj == null) {
            return null;
        }
        Fields f = new Fields(obj, path, ITEM_KEYS);
        boolean ok = true;
        if (obj.fields().containsKey("condition")) {
            error(f.path("condition"), f.keyLoc("condition"),
                    "belongs to the whole phase, not to one of its tasks (write it next to the phase's tasks:)");
            ok = false;
        }
        OperationTask t = task(f);
        return ok ? t : null;
    }

    /** One task item, the keys of either shape already allowed by {@code f}. */
    private OperationTask task(Fields f) {
        int before = errors.size();
        boolean isAction = ACTION_KEYS.stream().anyMatch(f::has);
        boolean isTask = f.has("driver");
        Integer retries = f.has("max_retries")
                ? intIn(f.get("max_retries"), f.path("max_retries"), 0, MAX_OPERATION_RETRIES)
                : Integer.valueOf(0);
        Duration timeout = f.has("timeout") ? duration(f.get("timeout"), f.path("timeout"), 1) : null;
        ActionCall action = null;
        TaskSpec task = null;
        if (isAction && isTask) {
            error(f.path, f.obj.loc(), "has both backend/action and driver: a task is either an action (backend, "
                    + "action, params) or an exec/docker task (driver, command, ...)");
        } else if (isAction) {
            action = action(f);
        } else if (isTask) {
            String name = f.has("name") ? name(f.get("name"), f.path("name")) : DEFAULT_TASK_NAME;
            task = tasks.fields(f, name, null);
        } else {
            error(f.path, f.obj.loc(), "needs either backend and action (an action of a worker backend) or driver "
                    + "(" + String.join(" or ", keys(Driver.values(), Driver::key)) + ")");
        }
        return errors.size() == before ? new OperationTask(action, task, retries, timeout) : null;
    }

    private ActionCall action(Fields f) {
        int before = errors.size();
        for (String key : TASK_ONLY_KEYS) {
            if (f.obj.fields().containsKey(key)) {
                error(f.path(key), f.keyLoc(key), "is only valid for an exec or docker task (with driver), "
                        + "not for an action");
            }
        }
        String backend = requiredName(f, "backend");
        String action = requiredName(f, "action");
        Map<String, String> params = f.has("params") ? params(f.get("params"), f.path("params")) : Map.of();
        return errors.size() == before ? new ActionCall(backend, action, params) : null;
    }

    /** String values; numbers and booleans are taken as written ({@code rate: 0.5} is "0.5"). */
    private Map<String, String> params(Node node, String path) {
        Obj obj = object(node, path);
        if (obj == null) {
            return null;
        }
        if (obj.fields().size() > MAX_ACTION_PARAMS) {
            error(path, obj.loc(), "at most " + MAX_ACTION_PARAMS + " parameters are allowed, found "
                    + obj.fields().size());
            return null;
        }
        Map<String, String> out = new TreeMap<>();
        boolean ok = true;
        for (Field e : obj.fields().values()) {
            String p = join(path, e.key());
            if (!PARAM_KEY.matcher(e.key()).matches()) {
                error(p, e.keyLoc(), "'" + abbreviate(e.key()) + "' is not a valid parameter name (must match "
                        + PARAM_KEY_SYNTAX + ")");
                ok = false;
                continue;
            }
            String v = text(e.value(), p, MAX_STRING, true);
            ok &= v != null;
            out.put(e.key(), v);
        }
        return ok ? out : null;
    }
}
