package io.muster.worker.driver.cgroup;

import java.nio.file.Path;
import java.util.List;

/** One task's cgroup (in each hierarchy it spans). */
public interface TaskCgroup {

    /** The cgroup's name under the worker's parent cgroup (the task's key). */
    String name();

    /** The {@code cgroup.procs} files a process writes its pid into to join (one per v1 hierarchy, one on v2). */
    List<Path> procsFiles();

    /** Current counters; a file the kernel does not offer counts as 0. */
    CgroupUsage usage();

    /** SIGKILL to every process still in the cgroup, wherever it moved in its session or process group. */
    void killAll();

    /** Removes the cgroup (after {@link #killAll()}); a cgroup that is already gone is fine. */
    void remove();

    /** The limits as the task sees them, for messages ("memory 64 MiB"). */
    TaskLimits limits();
}
