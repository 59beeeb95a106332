package io.muster.worker.alloc;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import io.muster.types.job.ActionCall;
import java.io.IOException;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The part of a job group's canonical JSON ({@code Allocation.group_spec_json}) that a worker needs. Parsing is
 * tolerant: unknown fields are ignored, so servers can add to the schema without breaking older workers.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record GroupSpec(String name, int count, List<Task> tasks, Restart restart) {

    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .configure(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, false);
    /** Task names become part of driver keys and directory names. */
    private static final Pattern TASK_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,62}");

    public GroupSpec {
        tasks = tasks == null ? List.of() : List.copyOf(tasks);
    }

    /**
     * @param action  the {@code action} driver's backend call ({@code {backend, action, params}}); null otherwise
     * @param secrets the secrets the task names (names and how to deliver them; the values are fetched at start)
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Task(String name, String driver, String command, List<String> args, String image,
                       Map<String, String> env, Resources resources, Long timeout, boolean network, ActionCall action,
                       List<SecretUse> secrets) {
        public Task {
            secrets = secrets == null ? List.of() : List.copyOf(secrets);
            args = args == null ? List.of() : List.copyOf(args);
            env = env == null ? Map.of() : Map.copyOf(env);
            resources = resources == null ? new Resources(0, 0, 0) : resources;
        }

        /** Zero means no timeout. */
        public Duration timeoutDuration() {
            return timeout == null || timeout <= 0 ? Duration.ZERO : Duration.ofSeconds(timeout);
        }
    }

    /** @param pids most processes and threads; 0 = the worker's default */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Resources(int cpu, int memory, int pids) {}

    /** One of {@code env}, {@code file} or {@code stdin} says how the task receives secret {@code name}. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record SecretUse(String name, String env, String file, boolean stdin) {}

    /**
     * The worker-local restart policy (durations in whole seconds).
     *
     * @param mode {@code fail} (give up after the attempts) or {@code delay} (keep restarting every max_delay)
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Restart(Integer attempts, Long delay, @JsonProperty("max_delay") Long maxDelay, String mode) {}

    /**
     * Parses and checks the spec.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static GroupSpec parse(byte[] json) {
        GroupSpec spec;
        try {
            spec = JSON.readValue(json, GroupSpec.class);
        } catch (MismatchedInputException e) {
            throw new IllegalArgumentException("invalid group spec: " + e.getOriginalMessage()
                    + " at " + e.getPathReference());
        } catch (IOException e) {
            throw new IllegalArgumentException("group spec is not valid JSON: " + e.getMessage());
        }
        if (spec == null) {
            throw new IllegalArgumentException("group spec is empty");
        }
        spec.validate();
        return spec;
    }

    private void validate() {
        if (tasks.isEmpty()) {
            throw new IllegalArgumentException("group '" + name + "' has no tasks");
        }
        Set<String> names = new HashSet<>();
        for (Task task : tasks) {
            if (task.name() == null || !TASK_NAME.matcher(task.name()).matches()) {
                throw new IllegalArgumentException("group '" + name + "' has a task with an invalid name '" + task.name() + "'");
            }
            if (!names.add(task.name())) {
                throw new IllegalArgumentException("group '" + name + "' has two tasks named '" + task.name() + "'");
            }
            if (task.driver() == null || task.driver().isBlank()) {
                throw new IllegalArgumentException("task '" + task.name() + "' names no driver");
            }
            if (task.driver().equals("action") && task.action() == null) {
                throw new IllegalArgumentException("task '" + task.name() + "' uses the action driver but has no action"
                        + " ({backend, action, params})");
            }
        }
        if (restart != null && restart.mode() != null && !restart.mode().equals("fail") && !restart.mode().equals("delay")) {
            throw new IllegalArgumentException("group '" + name + "' has restart mode '" + restart.mode()
                    + "'; expected fail or delay");
        }
    }
}
