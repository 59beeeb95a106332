package io.muster.worker.driver;

import io.muster.types.job.ActionCall;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What to run for one allocation.
 *
 * @param allocId allocation id; also names the container ({@code muster-<allocId>}) and the
 *     alloc directory, so it is limited to {@code [A-Za-z0-9][A-Za-z0-9_.-]{0,127}}
 * @param jobId job the allocation belongs to (labels, {@code MUSTER_JOB_ID})
 * @param group task group name
 * @param taskName task name
 * @param command program to run. exec: a name looked up in the task's PATH, or a path (relative
 *     paths resolve against {@code workDir}); required. docker: replaces the image's CMD
 *     (the image's ENTRYPOINT, if any, still applies); null keeps the image's CMD
 * @param args arguments after {@code command}
 * @param image docker image, which must already be present on the node (no registry pulls)
 * @param env task environment; it is added to a minimal base, never to the worker's environment
 * @param workDir the per-allocation directory, created by the caller. exec: the task's working
 *     directory and HOME, and where {@code stdout.log}/{@code stderr.log} and the recovery record
 *     live (required). docker: where the output is mirrored on the host (optional)
 * @param cpu CPU in MHz-like shares; 0 = no CPU limit (see each driver for the mapping)
 * @param memoryMb memory limit in MiB; 0 = no limit. Enforced by docker, and by exec where the node has cgroups
 * @param timeout maximum run time; {@link Duration#ZERO} (or null) = none
 * @param network docker only: {@code true} attaches the default bridge network, {@code false}
 *     (default) runs with network mode {@code none}
 * @param killGrace time between SIGTERM and SIGKILL when the timeout fires; default 5s
 * @param action action driver only: the backend action to run (null for other drivers)
 * @param pidsMax exec with cgroups: most processes and threads at once; 0 = the default
 *     ({@link io.muster.worker.driver.cgroup.TaskLimits#DEFAULT_PIDS_MAX})
 * @param secrets the secrets the task receives, values in memory only; never part of {@code env} (which is logged
 *     and compared), the drivers add them when they start the task
 */
public record TaskRequest(
        String allocId,
        String jobId,
        String group,
        String taskName,
        String command,
        List<String> args,
        String image,
        Map<String, String> env,
        Path workDir,
        int cpu,
        int memoryMb,
        Duration timeout,
        boolean network,
        Duration killGrace,
        ActionCall action,
        int pidsMax,
        TaskSecrets secrets) {

    public static final Duration DEFAULT_KILL_GRACE = Duration.ofSeconds(5);
    private static final Pattern ALLOC_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");

    public TaskRequest {
        Objects.requireNonNull(allocId, "allocId");
        if (!ALLOC_ID.matcher(allocId).matches()) {
            throw new IllegalArgumentException("allocId '" + allocId + "' must match " + ALLOC_ID.pattern());
        }
        jobId = Objects.requireNonNullElse(jobId, "");
        group = Objects.requireNonNullElse(group, "");
        taskName = Objects.requireNonNullElse(taskName, "");
        args = args == null ? List.of() : List.copyOf(args);
        env = env == null ? Map.of() : Map.copyOf(env);
        for (String key : env.keySet()) {
            if (key.isEmpty() || key.indexOf('=') >= 0 || key.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("invalid environment variable name '" + key + "'");
            }
        }
        if (cpu < 0 || memoryMb < 0 || pidsMax < 0) {
            throw new IllegalArgumentException("cpu, memoryMb and pidsMax must be >= 0 (got " + cpu + ", " + memoryMb + ", " + pidsMax + ")");
        }
        secrets = secrets == null ? TaskSecrets.NONE : secrets;
        timeout = timeout == null ? Duration.ZERO : timeout;
        killGrace = killGrace == null ? DEFAULT_KILL_GRACE : killGrace;
        if (timeout.isNegative() || killGrace.isNegative()) {
            throw new IllegalArgumentException("timeout and killGrace must not be negative");
        }
    }

    public boolean hasTimeout() {
        return !timeout.isZero();
    }

    public static Builder builder(String allocId) {
        return new Builder(allocId);
    }

    /** Fluent construction; unset fields take the record's defaults. */
    public static final class Builder {
        private final String allocId;
        private String jobId = "";
        private String group = "";
        private String taskName = "";
        private String command;
        private final List<String> args = new ArrayList<>();
        private String image;
        private final Map<String, String> env = new LinkedHashMap<>();
        private Path workDir;
        private int cpu;
        private int memoryMb;
        private Duration timeout = Duration.ZERO;
        private boolean network;
        private Duration killGrace = DEFAULT_KILL_GRACE;
        private ActionCall action;
        private int pidsMax;
        private TaskSecrets secrets = TaskSecrets.NONE;

        private Builder(String allocId) {
            this.allocId = allocId;
        }

        public Builder jobId(String v) { jobId = v; return this; }
        public Builder group(String v) { group = v; return this; }
        public Builder taskName(String v) { taskName = v; return this; }
        public Builder command(String v) { command = v; return this; }
        public Builder args(String... v) { args.addAll(List.of(v)); return this; }
        public Builder args(List<String> v) { args.addAll(v); return this; }
        public Builder image(String v) { image = v; return this; }
        public Builder env(String key, String value) { env.put(key, value); return this; }
        public Builder env(Map<String, String> v) { env.putAll(v); return this; }
        public Builder workDir(Path v) { workDir = v; return this; }
        public Builder cpu(int v) { cpu = v; return this; }
        public Builder memoryMb(int v) { memoryMb = v; return this; }
        public Builder timeout(Duration v) { timeout = v; return this; }
        public Builder network(boolean v) { network = v; return this; }
        public Builder killGrace(Duration v) { killGrace = v; return this; }
        public Builder action(ActionCall v) { action = v; return this; }
        public Builder secrets(TaskSecrets v) { secrets = v; return this; }
        public Builder pidsMax(int v) { pidsMax = v; return this; }

        public TaskRequest build() {
            return new TaskRequest(allocId, jobId, group, taskName, command, args, image, env, workDir,
                    cpu, memoryMb, timeout, network, killGrace, action, pidsMax, secrets);
        }
    }
}
