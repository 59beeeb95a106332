package io.muster.types.job;

import static io.muster.types.job.JobSpecLimits.*;

import io.muster.types.job.SourceTree.Arr;
import io.muster.types.job.SourceTree.Field;
import io.muster.types.job.SourceTree.Kind;
import io.muster.types.job.SourceTree.Loc;
import io.muster.types.job.SourceTree.Node;
import io.muster.types.job.SourceTree.Obj;
import io.muster.types.job.SourceTree.Scalar;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Turns a {@link SourceTree} into a {@link JobSpec}, validating as it goes and collecting every error with its
 * path and location. A record is built only for a subtree that produced no error, so records never see bad data.
 */
final class SpecReader {
    static final List<String> JOB_KEYS = List.of("id", "type", "priority", "timeout", "constraints", "groups");
    static final List<String> GROUP_KEYS =
            List.of("name", "count", "placement", "constraints", "restart", "reschedule", "tasks");
    static final List<String> TASK_KEYS = List.of("name", "driver", "command", "args", "image", "env", "resources",
            "timeout", "network", "workdir", "user");
    static final List<String> CONSTRAINT_KEYS = List.of("attribute", "operator", "value");
    static final List<String> RESOURCE_KEYS = List.of("cpu", "memory");
    static final List<String> RESTART_KEYS = List.of("attempts", "delay", "max_delay", "mode");
    static final List<String> RESCHEDULE_KEYS = List.of("attempts", "delay", "max_delay");

    private static final Pattern NAME = Pattern.compile(NAME_SYNTAX);
    private static final Pattern ENV_KEY = Pattern.compile(ENV_KEY_SYNTAX);
    private static final Pattern USER = Pattern.compile(USER_SYNTAX);
    private static final Pattern IMAGE = Pattern.compile(IMAGE_SYNTAX);
    private static final Pattern DURATION = Pattern.compile("(?:(\\d{1,9})h)?(?:(\\d{1,9})m)?(?:(\\d{1,9})s)?");
    private static final Pattern NODE_ID = Pattern.compile("[0-9]{1,19}");
    private static final Pattern PLAIN_KEY = Pattern.compile("[A-Za-z0-9_-]+");
    private static final int MAX_PATH = 4096;

    private final List<SpecError> errors;
    private final Supplier<String> idGenerator;

    SpecReader(List<SpecError> errors, Supplier<String> idGenerator) {
        this.errors = errors;
        this.idGenerator = idGenerator;
    }

    // ---------------------------------------------------------------- job

    JobSpec readJob(Node root) {
        if (!(root instanceof Obj obj)) {
            error("", root.loc(), "a job spec must be a mapping of keys to values, not " + describe(root));
            return null;
        }
        int before = errors.size();
        Fields f = new Fields(obj, "", JOB_KEYS);

        JobType type = f.has("type")
                ? choice(f.get("type"), f.path("type"), JobType::fromKey, keys(JobType.values(), JobType::key))
                : JobType.SERVICE;
        JobType typeForDefaults = type == null ? JobType.SERVICE : type;

        String id = null;
        if (f.has("id")) {
            id = name(f.get("id"), f.path("id"));
        } else if (idGenerator == null) {
            f.missing("id", "is required (no id generator was supplied to the parser)");
        } else {
            id = idGenerator.get();
            if (id == null || !NAME.matcher(id).matches()) {
                throw new IllegalStateException("the id generator produced an invalid job id: " + id);
            }
        }
        Integer priority = f.has("priority")
                ? intIn(f.get("priority"), f.path("priority"), MIN_PRIORITY, MAX_PRIORITY)
                : Integer.valueOf(DEFAULT_PRIORITY);
        Duration timeout = f.has("timeout") ? duration(f.get("timeout"), f.path("timeout"), 1) : null;
        List<Constraint> constraints = constraints(f, "constraints");

        List<TaskGroup> groups = new ArrayList<>();
        if (!f.has("groups")) {
            f.missing("groups", "is required: a job needs at least one group");
        } else {
            List<Node> items = list(f.get("groups"), f.path("groups"), 1, MAX_GROUPS, "group");
            Map<String, String> seen = new HashMap<>();
            for (int i = 0; items != null && i < items.size(); i++) {
                String path = f.path("groups") + "[" + i + "]";
                TaskGroup g = readGroup(items.get(i), path, typeForDefaults, seen);
                if (g != null) {
                    groups.add(g);
                }
            }
        }
        return errors.size() == before
                ? new JobSpec(id, type, priority, timeout, constraints, groups)
                : null;
    }

    // ---------------------------------------------------------------- group

    private TaskGroup readGroup(Node node, String path, JobType type, Map<String, String> seenNames) {
        Obj obj = object(node, path);
        if (obj == null) {
            return null;
        }
        int before = errors.size();
        Fields f = new Fields(obj, path, GROUP_KEYS);
        String name = requiredName(f, "name");
        unique(name, "group", f, seenNames);

        int count = 1;
        if (f.has("count")) {
            Integer c = type.perNode()
                    ? intIn(f.get("count"), f.path("count"), 1, 1,
                    "must be 1 for " + type.key() + " jobs, which run one allocation per feasible node")
                    : intIn(f.get("count"), f.path("count"), 0, MAX_COUNT);
            count = c == null ? 1 : c;
        }
        PlacementStrategy placement = f.has("placement")
                ? choice(f.get("placement"), f.path("placement"), PlacementStrategy::fromKey,
                keys(PlacementStrategy.values(), PlacementStrategy::key))
                : PlacementStrategy.PACK;
        List<Constraint> constraints = constraints(f, "constraints");
        RestartPolicy restart = f.has("restart")
                ? restart(f.get("restart"), f.path("restart"), RestartPolicy.defaultFor(type))
                : RestartPolicy.defaultFor(type);
        ReschedulePolicy reschedule = f.has("reschedule")
                ? reschedule(f.get("reschedule"), f.path("reschedule"), ReschedulePolicy.defaultFor(type))
                : ReschedulePolicy.defaultFor(type);

        List<TaskSpec> tasks = new ArrayList<>();
        if (!f.has("tasks")) {
            f.missing("tasks", "is required: a group needs at least one task");
        } else {
            List<Node> items = list(f.get("tasks"), f.path("tasks"), 1, MAX_TASKS, "task");
            Map<String, String> seen = new HashMap<>();
            for (int i = 0; items != null && i < items.size(); i++) {
                TaskSpec t = readTask(items.get(i), f.path("tasks") + "[" + i + "]", seen);
                if (t != null) {
                    tasks.add(t);
                }
            }
        }
        return errors.size() == before
                ? new TaskGroup(name, count, placement, constraints, restart, reschedule, tasks)
                : null;
    }

    private RestartPolicy restart(Node node, String path, RestartPolicy defaults) {
        Obj obj = object(node, path);
        if (obj == null) {
            return null;
        }
        Fields f = new Fields(obj, path, RESTART_KEYS);
        Integer attempts = f.has("attempts")
                ? intIn(f.get("attempts"), f.path("attempts"), 0, MAX_ATTEMPTS) : Integer.valueOf(defaults.attempts());
        Duration[] delays = delays(f, defaults.delay(), defaults.maxDelay());
        RestartMode mode = f.has("mode")
                ? choice(f.get("mode"), f.path("mode"), RestartMode::fromKey, keys(RestartMode.values(), RestartMode::key))
                : defaults.mode();
        return attempts == null || delays == null || mode == null
                ? null : new RestartPolicy(attempts, delays[0], delays[1], mode);
    }

    private ReschedulePolicy reschedule(Node node, String path, ReschedulePolicy defaults) {
        Obj obj = object(node, path);
        if (obj == null) {
            return null;
        }
        Fields f = new Fields(obj, path, RESCHEDULE_KEYS);
        Integer attempts = Integer.valueOf(defaults.attempts());
        if (f.has("attempts")) {
            Node a = f.get("attempts");
            attempts = a instanceof Scalar s && s.kind() == Kind.STRING && s.text().equals("unlimited")
                    ? Integer.valueOf(ReschedulePolicy.UNLIMITED)
                    : intIn(a, f.path("attempts"), ReschedulePolicy.UNLIMITED, MAX_ATTEMPTS,
                    "must be an integer from 0 to " + MAX_ATTEMPTS + ", or -1 / \"unlimited\" for no limit");
        }
        Duration[] delays = delays(f, defaults.delay(), defaults.maxDelay());
        return attempts == null || delays == null ? null : new ReschedulePolicy(attempts, delays[0], delays[1]);
    }

    /** delay and max_delay; an omitted max_delay never ends up below an explicit delay. */
    private Duration[] delays(Fields f, Duration defaultDelay, Duration defaultMax) {
        Duration delay = f.has("delay") ? duration(f.get("delay"), f.path("delay"), 0) : defaultDelay;
        Duration max;
        if (f.has("max_delay")) {
            max = duration(f.get("max_delay"), f.path("max_delay"), 0);
            if (max != null && delay != null && max.compareTo(delay) < 0) {
                error(f.path("max_delay"), f.get("max_delay").loc(),
                        "must be at least delay (" + delay.toSeconds() + "s)");
                return null;
            }
        } else {
            max = delay == null || delay.compareTo(defaultMax) <= 0 ? defaultMax : delay;
        }
        return delay == null || max == null ? null : new Duration[] {delay, max};
    }

    // ---------------------------------------------------------------- task

    private TaskSpec readTask(Node node, String path, Map<String, String> seenNames) {
        Obj obj = object(node, path);
        if (obj == null) {
            return null;
        }
        int before = errors.size();
        Fields f = new Fields(obj, path, TASK_KEYS);
        String name = requiredName(f, "name");
        unique(name, "task", f, seenNames);

        Driver driver = null;
        if (!f.has("driver")) {
            f.missing("driver", "is required (" + String.join(" or ", keys(Driver.values(), Driver::key)) + ")");
        } else {
            driver = choice(f.get("driver"), f.path("driver"), Driver::fromKey, keys(Driver.values(), Driver::key));
        }

        String command = f.has("command") ? text(f.get("command"), f.path("command"), MAX_STRING, false) : null;
        if (command != null && command.isBlank()) {
            error(f.path("command"), f.get("command").loc(), "must not be blank");
        }
        if (driver == Driver.EXEC && !f.has("command")) {
            f.missing("command", "is required for the exec driver");
        }

        List<String> args = List.of();
        if (f.has("args")) {
            List<Node> items = list(f.get("args"), f.path("args"), 0, MAX_ARGS, "argument");
            if (items != null) {
                List<String> out = new ArrayList<>();
                for (int i = 0; i < items.size(); i++) {
                    out.add(text(items.get(i), f.path("args") + "[" + i + "]", MAX_STRING, true));
                }
                args = out.contains(null) ? null : out;
            }
        }

        String image = null;
        if (f.has("image")) {
            if (driver == Driver.EXEC) {
                error(f.path("image"), f.get("image").loc(), "is only valid for the docker driver");
            } else {
                image = text(f.get("image"), f.path("image"), 255, false);
                if (image != null && !IMAGE.matcher(image).matches()) {
                    error(f.path("image"), f.get("image").loc(),
                            "'" + image + "' is not a valid image reference (must match " + IMAGE_SYNTAX + ")");
                }
            }
        } else if (driver == Driver.DOCKER) {
            f.missing("image", "is required for the docker driver");
        }

        Map<String, String> env = f.has("env") ? env(f.get("env"), f.path("env")) : Map.of();
        TaskResources resources = f.has("resources")
                ? resources(f.get("resources"), f.path("resources")) : TaskResources.DEFAULT;
        Duration timeout = f.has("timeout") ? duration(f.get("timeout"), f.path("timeout"), 1) : null;

        boolean network = false;
        if (f.has("network")) {
            Boolean b = bool(f.get("network"), f.path("network"));
            if (Boolean.TRUE.equals(b) && driver == Driver.EXEC) {
                error(f.path("network"), f.get("network").loc(),
                        "is only supported by the docker driver (exec tasks use the host network)");
            }
            network = Boolean.TRUE.equals(b);
        }

        String workdir = null;
        if (f.has("workdir")) {
            workdir = text(f.get("workdir"), f.path("workdir"), MAX_PATH, false);
            if (workdir != null && !workdir.startsWith("/")) {
                error(f.path("workdir"), f.get("workdir").loc(), "must be an absolute path (start with /)");
            }
        }
        String user = null;
        if (f.has("user")) {
            user = text(f.get("user"), f.path("user"), 100, false);
            if (user != null && !USER.matcher(user).matches()) {
                error(f.path("user"), f.get("user").loc(),
                        "'" + user + "' is not a user name, uid or uid:gid");
            }
        }
        return errors.size() == before
                ? new TaskSpec(name, driver, command, args, image, env, resources, timeout, network, workdir, user)
                : null;
    }

    private Map<String, String> env(Node node, String path) {
        Obj obj = object(node, path);
        if (obj == null) {
            return null;
        }
        if (obj.fields().size() > MAX_ENV) {
            error(path, obj.loc(), "at most " + MAX_ENV + " variables are allowed");
            return null;
        }
        Map<String, String> env = new LinkedHashMap<>();
        boolean ok = true;
        for (Field e : obj.fields().values()) {
            String p = join(path, e.key());
            if (!ENV_KEY.matcher(e.key()).matches()) {
                error(p, e.keyLoc(), "'" + e.key() + "' is not a valid variable name (must match "
                        + ENV_KEY_SYNTAX + ")");
                ok = false;
                continue;
            }
            String v = text(e.value(), p, MAX_STRING, true);
            ok &= v != null;
            env.put(e.key(), v);
        }
        return ok ? env : null;
    }

    private TaskResources resources(Node node, String path) {
        Obj obj = object(node, path);
        if (obj == null) {
            return null;
        }
        Fields f = new Fields(obj, path, RESOURCE_KEYS);
        Integer cpu = f.has("cpu") ? intIn(f.get("cpu"), f.path("cpu"), 1, MAX_CPU)
                : Integer.valueOf(TaskResources.DEFAULT.cpu());
        Integer mem = f.has("memory") ? intIn(f.get("memory"), f.path("memory"), 1, MAX_MEMORY_MB)
                : Integer.valueOf(TaskResources.DEFAULT.memoryMb());
        return cpu == null || mem == null ? null : new TaskResources(cpu, mem);
    }

    // ---------------------------------------------------------------- constraints

    private List<Constraint> constraints(Fields f, String key) {
        if (!f.has(key)) {
            return List.of();
        }
        List<Node> items = list(f.get(key), f.path(key), 0, MAX_CONSTRAINTS, "constraint");
        if (items == null) {
            return null;
        }
        List<Constraint> out = new ArrayList<>();
        boolean ok = true;
        for (int i = 0; i < items.size(); i++) {
            Constraint c = constraint(items.get(i), f.path(key) + "[" + i + "]");
            ok &= c != null;
            out.add(c);
        }
        return ok ? out : null;
    }

    private Constraint constraint(Node node, String path) {
        Obj obj = object(node, path);
        if (obj == null) {
            return null;
        }
        Fields f = new Fields(obj, path, CONSTRAINT_KEYS);
        NodeAttribute attribute = null;
        if (!f.has("attribute")) {
            f.missing("attribute", "is required, e.g. label.role, node.os, node.arch, node.id");
        } else {
            String a = text(f.get("attribute"), f.path("attribute"), 256, false);
            if (a != null) {
                try {
                    attribute = NodeAttribute.parse(a);
                } catch (IllegalArgumentException e) {
                    error(f.path("attribute"), f.get("attribute").loc(),
                            e.getMessage() + Suggestions.hint(a, NodeAttribute.KNOWN_SPELLINGS));
                }
            }
        }
        ConstraintOperator op = ConstraintOperator.EQ;
        if (f.has("operator")) {
            String o = text(f.get("operator"), f.path("operator"), 64, false);
            op = o == null ? null : ConstraintOperator.fromSymbol(o).orElse(null);
            if (o != null && op == null) {
                error(f.path("operator"), f.get("operator").loc(), "unknown operator '" + o + "'; expected one of "
                        + String.join(", ", ConstraintOperator.spellings())
                        + Suggestions.hint(o, ConstraintOperator.spellings()));
            }
        }
        if (op == null) {
            return null;
        }
        String value = null;
        if (!op.takesValue()) {
            if (f.has("value")) {
                error(f.path("value"), f.get("value").loc(), "operator " + op.symbol() + " takes no value");
                return null;
            }
        } else if (!f.has("value")) {
            f.missing("value", "is required for operator " + op.symbol());
            return null;
        } else {
            value = constraintValue(f.get("value"), f.path("value"), op, attribute);
            if (value == null) {
                return null;
            }
        }
        return attribute == null ? null : new Constraint(attribute, op, value);
    }

    private String constraintValue(Node node, String path, ConstraintOperator op, NodeAttribute attribute) {
        String value;
        if (node instanceof Arr arr && op.takesList()) {
            List<String> parts = new ArrayList<>();
            for (int i = 0; i < arr.items().size(); i++) {
                String s = text(arr.items().get(i), path + "[" + i + "]", MAX_STRING, true);
                if (s == null) {
                    return null;
                }
                if (s.contains(",")) {
                    error(path + "[" + i + "]", arr.items().get(i).loc(), "must not contain a comma");
                    return null;
                }
                parts.add(s);
            }
            value = String.join(",", parts);
        } else {
            value = text(node, path, op == ConstraintOperator.REGEXP ? MAX_REGEXP : MAX_STRING, true);
            if (value == null) {
                return null;
            }
        }
        if (op.takesList()) {
            boolean blank = Arrays.stream(value.split(",", -1)).anyMatch(s -> s.trim().isEmpty());
            if (blank) {
                error(path, node.loc(), "must be a comma-separated list of non-empty values");
                return null;
            }
        }
        if (op == ConstraintOperator.REGEXP) {
            try {
                Pattern.compile(value);
            } catch (PatternSyntaxException e) {
                error(path, node.loc(), "is not a valid regular expression: " + e.getDescription()
                        + " near index " + e.getIndex());
                return null;
            }
        }
        if (attribute instanceof NodeAttribute.Id && op != ConstraintOperator.REGEXP) {
            for (String v : new Constraint(attribute, op, value).values()) {
                if (!NODE_ID.matcher(v).matches()) {
                    error(path, node.loc(), "'" + v + "' is not a node id (node ids are non-negative integers)");
                    return null;
                }
            }
        }
        return value;
    }

    // ---------------------------------------------------------------- typed values

    private String requiredName(Fields f, String key) {
        if (!f.has(key)) {
            f.missing(key, "is required");
            return null;
        }
        return name(f.get(key), f.path(key));
    }

    private String name(Node node, String path) {
        String s = text(node, path, 1024, false);
        if (s != null && !NAME.matcher(s).matches()) {
            error(path, node.loc(), "'" + abbreviate(s) + "' is not a valid name (lower-case letters, digits, '_' "
                    + "and '-', starting with a letter or digit, at most 63 characters)");
            return null;
        }
        return s;
    }

    private void unique(String name, String what, Fields f, Map<String, String> seen) {
        if (name == null) {
            return;
        }
        String first = seen.putIfAbsent(name, f.path);
        if (first != null) {
            error(f.path("name"), f.get("name").loc(), "duplicate " + what + " name '" + name + "' (also " + first + ")");
        }
    }

    /**
     * A string. With {@code anyScalar}, numbers and booleans are accepted as written ({@code args: [300]}),
     * which is what people mean in YAML.
     */
    private String text(Node node, String path, int maxLength, boolean anyScalar) {
        if (!(node instanceof Scalar s) || s.isNull() || (!anyScalar && s.kind() != Kind.STRING)) {
            error(path, node.loc(), "must be a string, not " + describe(node));
            return null;
        }
        String v = s.text();
        if (v.length() > maxLength) {
            error(path, node.loc(), "is " + v.length() + " characters long; the limit is " + maxLength);
            return null;
        }
        if (v.indexOf('\0') >= 0) {
            error(path, node.loc(), "must not contain NUL characters");
            return null;
        }
        return v;
    }

    private Integer intIn(Node node, String path, long min, long max) {
        String msg;
        if (min == 1) {
            msg = "must be a positive integer";
        } else if (min == 0) {
            msg = "must be a non-negative integer";
        } else {
            msg = "must be an integer from " + min + " to " + max;
        }
        return intIn(node, path, min, max, msg);
    }

    private Integer intIn(Node node, String path, long min, long max, String msg) {
        if (!(node instanceof Scalar s) || s.kind() != Kind.INT) {
            error(path, node.loc(), msg + ", not " + describe(node));
            return null;
        }
        BigInteger v = s.number() instanceof BigInteger b ? b : BigInteger.valueOf(s.number().longValue());
        if (v.compareTo(BigInteger.valueOf(min)) < 0) {
            error(path, node.loc(), msg);
            return null;
        }
        if (v.compareTo(BigInteger.valueOf(max)) > 0) {
            error(path, node.loc(), min == max ? msg : "must be at most " + max);
            return null;
        }
        return v.intValue();
    }

    private Boolean bool(Node node, String path) {
        if (node instanceof Scalar s && s.kind() == Kind.BOOL) {
            return Boolean.parseBoolean(s.text().toLowerCase(java.util.Locale.ROOT));
        }
        error(path, node.loc(), "must be true or false, not " + describe(node));
        return null;
    }

    /** Whole seconds as an integer, or a string like {@code 30s}, {@code 5m}, {@code 1h30m}. */
    private Duration duration(Node node, String path, long minSeconds) {
        String msg = "must be a duration: whole seconds (30) or a string such as \"30s\", \"5m\", \"1h30m\"";
        long seconds;
        if (node instanceof Scalar s && s.kind() == Kind.INT) {
            BigInteger v = s.number() instanceof BigInteger b ? b : BigInteger.valueOf(s.number().longValue());
            seconds = v.bitLength() > 62 ? Long.MAX_VALUE : v.longValue();
        } else if (node instanceof Scalar s && s.kind() == Kind.STRING) {
            Matcher m = DURATION.matcher(s.text().trim());
            if (!m.matches() || s.text().isBlank()) {
                error(path, node.loc(), msg + ", not \"" + abbreviate(s.text()) + "\"");
                return null;
            }
            seconds = group(m, 1) * 3600 + group(m, 2) * 60 + group(m, 3);
        } else {
            error(path, node.loc(), msg + ", not " + describe(node));
            return null;
        }
        if (seconds < minSeconds) {
            error(path, node.loc(), minSeconds == 1 ? "must be at least 1 second" : "must not be negative");
            return null;
        }
        if (seconds > MAX_DURATION_SECONDS) {
            error(path, node.loc(), "must be at most " + MAX_DURATION_SECONDS + " seconds (365 days)");
            return null;
        }
        return Duration.ofSeconds(seconds);
    }

    private static long group(Matcher m, int i) {
        return m.group(i) == null ? 0 : Long.parseLong(m.group(i));
    }

    private <E> E choice(Node node, String path, Function<String, Optional<E>> lookup, List<String> allowed) {
        String s = text(node, path, 256, false);
        if (s == null) {
            return null;
        }
        Optional<E> e = lookup.apply(s);
        if (e.isEmpty()) {
            error(path, node.loc(), "must be one of " + String.join(", ", allowed) + ", not '" + abbreviate(s) + "'"
                    + Suggestions.hint(s, allowed));
            return null;
        }
        return e.get();
    }

    private List<Node> list(Node node, String path, int min, int max, String what) {
        if (!(node instanceof Arr arr)) {
            error(path, node.loc(), "must be a list, not " + describe(node));
            return null;
        }
        if (arr.items().size() < min) {
            error(path, node.loc(), "must contain at least " + min + " " + what);
            return null;
        }
        if (arr.items().size() > max) {
            error(path, node.loc(), "at most " + max + " " + what + "s are allowed, found " + arr.items().size());
            return null;
        }
        return arr.items();
    }

    private Obj object(Node node, String path) {
        if (node instanceof Obj obj) {
            return obj;
        }
        error(path, node.loc(), "must be a mapping, not " + describe(node));
        return null;
    }

    // ---------------------------------------------------------------- helpers

    private void error(String path, Loc loc, String message) {
        errors.add(new SpecError(path, message, loc.line(), loc.column()));
    }

    static String describe(Node node) {
        return switch (node) {
            case Obj o -> "a mapping";
            case Arr a -> "a list";
            case Scalar s -> switch (s.kind()) {
                case STRING -> "the string \"" + abbreviate(s.text()) + "\"";
                case INT, FLOAT -> "the number " + abbreviate(s.text());
                case BOOL -> s.text();
                case NULL -> "null";
            };
        };
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 37) + "...";
    }

    /** Appends a key to a path, quoting keys that are not plain words so paths stay unambiguous. */
    static String join(String path, String key) {
        if (!PLAIN_KEY.matcher(key).matches()) {
            return path + "[\"" + abbreviate(key).replace("\"", "\\\"") + "\"]";
        }
        return path.isEmpty() ? key : path + "." + key;
    }

    private static <E> List<String> keys(E[] values, Function<E, String> key) {
        return Arrays.stream(values).map(key).toList();
    }

    /** One mapping being read: reports unknown keys up front and treats {@code key: null} as absent. */
    private final class Fields {
        final Obj obj;
        final String path;

        Fields(Obj obj, String path, List<String> known) {
            this.obj = obj;
            this.path = path;
            for (Field field : obj.fields().values()) {
                if (!known.contains(field.key())) {
                    error(join(path, field.key()), field.keyLoc(),
                            "unknown field '" + abbreviate(field.key()) + "'" + Suggestions.hint(field.key(), known));
                }
            }
        }

        boolean has(String key) {
            return get(key) != null;
        }

        Node get(String key) {
            Field field = obj.fields().get(key);
            if (field == null || field.value() instanceof Scalar s && s.isNull()) {
                return null;
            }
            return field.value();
        }

        String path(String key) {
            return join(path, key);
        }

        /** A missing key is reported at its enclosing mapping. */
        void missing(String key, String message) {
            error(path(key), obj.loc(), message);
        }
    }
}
