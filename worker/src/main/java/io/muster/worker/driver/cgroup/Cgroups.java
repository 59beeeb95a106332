package io.muster.worker.driver.cgroup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;

/**
 * How this node confines exec tasks, decided once at worker start by {@link #detect}.
 *
 * <p>Each task gets {@code <parent>/<task key>}: on cgroup v2 under the unified mount ({@code /sys/fs/cgroup/muster}),
 * on cgroup v1 under each controller's hierarchy ({@code /sys/fs/cgroup/memory/muster}, ...). The worker creates the
 * parent itself and so needs to be root (or to be delegated that part of the tree); it is the same choice Nomad makes
 * with its {@code nomad.slice}.
 */
public sealed interface Cgroups permits CgroupV2, CgroupV1, Cgroups.Unavailable {

    /** The default parent cgroup's name. */
    String DEFAULT_PARENT = "muster";
    /** The v1 controllers this worker uses (cpuacct for CPU time: on v1, cpu does not count it). */
    Set<String> V1_CONTROLLERS = Set.of("memory", "cpu", "cpuacct", "pids");

    /** True when tasks get limits. */
    default boolean enforced() {
        return !(this instanceof Unavailable);
    }

    /** One line for the start-up log and {@code node status}: the mechanism, or why there is none. */
    String describe();

    /** Creates the task's cgroup with its limits (a leftover one of the same name is reused). */
    TaskCgroup create(String name, TaskLimits limits) throws IOException;

    /**
     * The task's cgroup if it exists (a task re-attached after a worker restart), with the memory and pids limits
     * read back from it (the CPU weight is not: it stands as 0).
     */
    Optional<TaskCgroup> open(String name);

    /**
     * Removes task cgroups left empty under the parent (their task ended while no worker watched it, e.g. the worker was
     * killed): those with no process that were last changed before {@code olderThan}. The age keeps a sweep from
     * removing a cgroup another worker on the machine has just made for a task that has not joined it yet.
     *
     * @return how many were removed
     */
    default int sweep(java.time.Instant olderThan) {
        return 0;
    }

    /** No limits on this node, and why. */
    record Unavailable(String reason) implements Cgroups {
        @Override
        public String describe() {
            return "not enforced: " + reason;
        }

        @Override
        public TaskCgroup create(String name, TaskLimits limits) throws IOException {
            throw new IOException("resource limits are not available on this node: " + reason);
        }

        @Override
        public Optional<TaskCgroup> open(String name) {
            return Optional.empty();
        }
    }

    static Cgroups unavailable(String reason) {
        return new Unavailable(reason);
    }

    /** Detects what the kernel offers at {@code /proc/self/mounts} and proves it with a probe cgroup. */
    static Cgroups detect(String parent) {
        if (!System.getProperty("os.name", "").toLowerCase().contains("linux")) {
            return unavailable("cgroups are Linux only, this is " + System.getProperty("os.name"));
        }
        try {
            return detect(CgroupMounts.parse(Files.readAllLines(Path.of("/proc/self/mounts"))), parent, ProcessHandle.current().pid());
        } catch (IOException e) {
            return unavailable("cannot read /proc/self/mounts: " + e.getMessage());
        }
    }

    /**
     * Picks v2 when the unified hierarchy offers the memory controller, else v1 when a hierarchy carries memory;
     * then creates and removes {@code <parent>/probe-<pid>} with a limit set, so "enforced" means it worked here.
     */
    static Cgroups detect(CgroupMounts mounts, String parent, long pid) {
        Cgroups found;
        Optional<Path> unified = mounts.unified().filter(CgroupV2::offersMemory);
        if (unified.isPresent()) {
            found = new CgroupV2(unified.get(), parent);
        } else if (mounts.v1Mount("memory").isPresent()) {
            found = CgroupV1.of(mounts, parent);
        } else {
            return unavailable(mounts.unified().isPresent()
                    ? "the cgroup2 hierarchy at " + mounts.unified().get() + " does not offer the memory controller and no cgroup v1 memory hierarchy is mounted"
                    : "no cgroup file system with the memory controller is mounted");
        }
        try {
            if (found instanceof CgroupV2 v2) v2.prepare();
            // Several workers may share a JVM (tests, dev): each probes its own cgroup.
            TaskCgroup probe = found.create("probe-" + pid + "-" + CgroupProbes.next(), new TaskLimits(64L << 20, 100, 16));
            probe.remove();
            return found;
        } catch (IOException e) {
            return unavailable(found.describe() + " is mounted, but this worker cannot create cgroups there (" + e.getMessage()
                    + "); run the worker as root, or delegate that subtree to its user");
        }
    }
}
