package io.muster.worker.driver.cgroup;

/**
 * What a task's cgroup counted, read from the kernel's own counters (no process walk).
 *
 * @param memoryBytes memory charged now (page cache included, as the limit counts it)
 * @param memoryPeakBytes the most it was charged since the cgroup was made (0 where the kernel does not say)
 * @param cpuMicros CPU time used by every process of the task, user and system
 * @param oomKills processes the kernel's OOM killer killed in this cgroup
 */
public record CgroupUsage(long memoryBytes, long memoryPeakBytes, long cpuMicros, long oomKills) {
    public static final CgroupUsage NONE = new CgroupUsage(0, 0, 0, 0);
}
