package io.muster.worker.driver.cgroup;

/**
 * What one task's cgroup allows.
 *
 * @param memoryBytes hard memory limit (no swap beyond it); 0 = none
 * @param cpu the task's CPU reservation in MHz-like units (1,000 = one core): its CPU weight against the other tasks
 *     under contention, never a cap, so an idle node lends its spare cycles; 0 = the default weight
 * @param pidsMax most processes and threads the task may have at once
 */
public record TaskLimits(long memoryBytes, int cpu, int pidsMax) {
    /** Processes and threads per task unless the job says otherwise: a fork bomb stops here, a JVM fits. */
    public static final int DEFAULT_PIDS_MAX = 4096;

    public TaskLimits {
        if (memoryBytes < 0 || cpu < 0 || pidsMax <= 0) {
            throw new IllegalArgumentException("memoryBytes and cpu must be >= 0 and pidsMax > 0");
        }
    }

    /** cgroup v2 {@code cpu.weight} (1-10000, default 100): 1,000 units (a core's worth) weigh as much as a default cgroup. */
    public long cpuWeight() {
        return cpu == 0 ? 100 : Math.max(1, Math.min(10_000, cpu / 10L));
    }

    /** cgroup v1 {@code cpu.shares} (2-262144, default 1024): the same proportion as {@link #cpuWeight()}. */
    public long cpuShares() {
        return cpu == 0 ? 1024 : Math.max(2, Math.min(262_144, cpu * 1024L / 1000));
    }
}
