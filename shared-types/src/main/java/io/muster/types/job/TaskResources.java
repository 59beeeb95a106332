package io.muster.types.job;

/**
 * What one task reserves on its node ({@code resources:} key). Defaults: {@code cpu: 100, memory: 64}.
 *
 * <p>On a worker with cgroups the exec driver enforces them: {@code memory} is a hard limit (the kernel's OOM killer
 * ends a task that goes over it), {@code cpu} the task's weight under contention, {@code pids} its most processes and
 * threads. Docker enforces memory and CPU itself.
 *
 * @param cpu      CPU shares in MHz-like units, 1 – {@value JobSpecLimits#MAX_CPU}
 * @param memoryMb memory in MiB (spec key {@code memory}), 1 – {@value JobSpecLimits#MAX_MEMORY_MB}
 * @param pids     most processes and threads at once (spec key {@code pids}), 1 – {@value JobSpecLimits#MAX_PIDS};
 *                 0 = the worker's default
 * @param enforce  spec key {@code enforce}: an exec task may only run on nodes that enforce these limits (cgroups);
 *                 false runs it anywhere, with limits where the node has them
 */
public record TaskResources(int cpu, int memoryMb, int pids, boolean enforce) {

    public static final TaskResources DEFAULT = new TaskResources(100, 64);

    public TaskResources(int cpu, int memoryMb) {
        this(cpu, memoryMb, 0, false);
    }

    /** Sums the reservations (cpu and memory); a sum says nothing of pids or enforcement. */
    public TaskResources plus(TaskResources other) {
        return new TaskResources(Math.addExact(cpu, other.cpu), Math.addExact(memoryMb, other.memoryMb));
    }
}
