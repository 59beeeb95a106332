package io.muster.types.job;

import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One process or container of a group; all tasks of a group run together on one node.
 *
 * @param name      unique within the group, {@value JobSpecLimits#NAME_SYNTAX}
 * @param driver    exec or docker
 * @param command   exec: the program (required); docker: overrides the image's command ({@code null} = image default)
 * @param args      arguments after the command, at most {@value JobSpecLimits#MAX_ARGS}
 * @param image     docker image reference (required for docker, {@code null} for exec)
 * @param env       environment; keys match {@value JobSpecLimits#ENV_KEY_SYNTAX}; kept sorted by key
 * @param resources what the task reserves on its node
 * @param timeout   wall-clock limit of one run, whole seconds; {@code null} = none
 * @param network   docker only: give the container a network ({@code false} = no network, the default)
 * @param workdir   absolute working directory (host path for exec, container path for docker); {@code null} = default
 * @param user      user to run as, {@code name}, {@code uid} or {@code uid:gid}; {@code null} = the driver's default
 * @param secrets   secrets the task receives (by name; values never in the spec), at most {@value SecretNames#MAX_PER_TASK}
 */
public record TaskSpec(
        String name,
        Driver driver,
        String command,
        List<String> args,
        String image,
        Map<String, String> env,
        TaskResources resources,
        Duration timeout,
        boolean network,
        String workdir,
        String user,
        List<SecretRef> secrets) {

    public TaskSpec {
        secrets = secrets == null ? List.of() : List.copyOf(secrets);
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(driver, "driver");
        Objects.requireNonNull(resources, "resources");
        args = args == null ? List.of() : List.copyOf(args);
        // Sorted so iteration order (and thus canonical JSON and the worker's environment) is deterministic.
        env = env == null ? Collections.emptySortedMap() : Collections.unmodifiableSortedMap(new TreeMap<>(env));
    }

    /** A task without secrets. */
    public TaskSpec(String name, Driver driver, String command, List<String> args, String image, Map<String, String> env,
                    TaskResources resources, Duration timeout, boolean network, String workdir, String user) {
        this(name, driver, command, args, image, env, resources, timeout, network, workdir, user, List.of());
    }

    /** An exec task with default resources and no extras. */
    public static TaskSpec exec(String name, String command, List<String> args) {
        return new TaskSpec(name, Driver.EXEC, command, args, null, Map.of(), TaskResources.DEFAULT, null, false,
                null, null);
    }

    public TaskSpec withResources(TaskResources r) {
        return new TaskSpec(name, driver, command, args, image, env, r, timeout, network, workdir, user, secrets);
    }

    public TaskSpec withSecrets(List<SecretRef> s) {
        return new TaskSpec(name, driver, command, args, image, env, resources, timeout, network, workdir, user, s);
    }
}
