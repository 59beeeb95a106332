package io.muster.types.job;

import static io.muster.types.job.JobSpecLimits.*;
import static io.muster.types.yaml.SourceTree.join;

import io.muster.types.yaml.SourceTree.Field;
import io.muster.types.yaml.SourceTree.Node;
import io.muster.types.yaml.SourceTree.Obj;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** Reads one task of a group: driver, command and arguments or image, env, resources and the optional settings. */
final class TaskReader extends SpecValues {
    static final List<String> TASK_KEYS = List.of("name", "driver", "command", "args", "image", "env", "resources",
            "timeout", "network", "workdir", "user", "secrets");
    static final List<String> SECRET_KEYS = List.of("name", "env", "file", "stdin");
    static final List<String> RESOURCE_KEYS = List.of("cpu", "memory", "pids", "enforce");

    private static final Pattern ENV_KEY = Pattern.compile(ENV_KEY_SYNTAX);
    private static final Pattern USER = Pattern.compile(USER_SYNTAX);
    private static final Pattern IMAGE = Pattern.compile(IMAGE_SYNTAX);
    private static final int MAX_PATH = 4096;

    TaskReader(List<SpecError> errors) {
        super(errors);
    }

    TaskSpec read(Node node, String path, Map<String, String> seenNames) {
        Obj obj = object(node, path);
        if (obj == null) {
            return null;
        }
        int before = errors.size();
        Fields f = new Fields(obj, path, TASK_KEYS);
        String name = requiredName(f, "name");
        unique(name, "task", f, seenNames);
        Duration timeout = f.has("timeout") ? duration(f.get("timeout"), f.path("timeout"), 1) : null;
        TaskSpec task = fields(f, name, timeout);
        List<SecretRef> secrets = f.has("secrets") ? secrets(f.get("secrets"), f.path("secrets"), task) : List.of();
        return errors.size() == before && task != null ? task.withSecrets(secrets) : null;
    }

    /**
     * The fields of a task besides its name and timeout, which the caller reads (a group's task and an operation's
     * exec/docker step differ there). Unknown keys are the caller's {@link Fields}' business.
     *
     * @return the task, or null when any field was bad or {@code name} is null
     */
    TaskSpec fields(Fields f, String name, Duration timeout) {
        int before = errors.size();
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
        return errors.size() == before && name != null
                ? new TaskSpec(name, driver, command, args, image, env, resources, timeout, network, workdir, user)
                : null;
    }

    /**
     * {@code secrets: [{name: db, env: DB_PASSWORD} | {name: key, file: /secrets/key} | {name: cfg, stdin: true}]}: one
     * way each, no name twice, no variable or file twice, no variable that {@code env} sets too.
     */
    private List<SecretRef> secrets(Node node, String path, TaskSpec task) {
        List<Node> items = list(node, path, 0, SecretNames.MAX_PER_TASK, "secret");
        if (items == null) return null;
        List<SecretRef> out = new ArrayList<>();
        java.util.Set<String> names = new java.util.HashSet<>();
        java.util.Set<String> targets = new java.util.HashSet<>();
        for (int i = 0; i < items.size(); i++) {
            String p = path + "[" + i + "]";
            Obj obj = object(items.get(i), p);
            if (obj == null) continue;
            Fields f = new Fields(obj, p, SECRET_KEYS);
            String name = f.has("name") ? text(f.get("name"), f.path("name"), 128, false) : null;
            if (!f.has("name")) f.missing("name", "is required (the name given to 'muster secret put')");
            else if (name != null && !SecretNames.valid(name)) {
                error(f.path("name"), f.get("name").loc(), "'" + name + "' is not a secret name (must match " + SecretNames.SYNTAX + ")");
                name = null;
            } else if (name != null && !names.add(name)) {
                error(f.path("name"), f.get("name").loc(), "secret '" + name + "' is named twice in this task");
                name = null;
            }
            String env = f.has("env") ? text(f.get("env"), f.path("env"), 256, false) : null;
            if (env != null && !ENV_KEY.matcher(env).matches()) {
                error(f.path("env"), f.get("env").loc(), "'" + env + "' is not a valid variable name (must match " + ENV_KEY_SYNTAX + ")");
                env = null;
            } else if (env != null && task != null && task.env().containsKey(env)) {
                error(f.path("env"), f.get("env").loc(), "'" + env + "' is also set by the task's env: a variable gets one value");
                env = null;
            } else if (env != null && !targets.add("env:" + env)) {
                error(f.path("env"), f.get("env").loc(), "variable '" + env + "' receives two secrets");
                env = null;
            }
            String file = f.has("file") ? text(f.get("file"), f.path("file"), MAX_PATH, false) : null;
            if (file != null && (!file.startsWith("/") || file.endsWith("/") || java.util.Arrays.asList(file.split("/")).contains(".."))) {
                error(f.path("file"), f.get("file").loc(), "must be an absolute file path without '..' (e.g. /secrets/tls.key)");
                file = null;
            } else if (file != null && !targets.add("file:" + file.substring(file.lastIndexOf('/') + 1))) {
                // exec tasks get each file by its last segment in one secrets directory: those must differ too
                error(f.path("file"), f.get("file").loc(), "another secret file of this task has the name '"
                        + file.substring(file.lastIndexOf('/') + 1) + "'");
                file = null;
            }
            boolean stdin = f.has("stdin") && Boolean.TRUE.equals(bool(f.get("stdin"), f.path("stdin")));
            if (stdin && task != null && task.driver() == Driver.DOCKER) {
                // A container's stdin would need an attached stream kept open by the worker; docker tasks take env or file.
                error(f.path("stdin"), f.get("stdin").loc(), "is for exec tasks: a docker task receives secrets as env or file");
                continue;
            }
            int ways = (f.has("env") ? 1 : 0) + (f.has("file") ? 1 : 0) + (stdin ? 1 : 0);
            if (ways != 1) {
                error(p, obj.loc(), "give exactly one of env: VARIABLE, file: /path or stdin: true (found " + ways + ")");
                continue;
            }
            if (name != null && (env != null || file != null || stdin)) out.add(new SecretRef(name, env, file, stdin));
        }
        return out;
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
        Integer pids = f.has("pids") ? intIn(f.get("pids"), f.path("pids"), 1, MAX_PIDS) : Integer.valueOf(0);
        Boolean enforce = f.has("enforce") ? bool(f.get("enforce"), f.path("enforce")) : Boolean.FALSE;
        return cpu == null || mem == null || pids == null || enforce == null ? null : new TaskResources(cpu, mem, pids, enforce);
    }
}
