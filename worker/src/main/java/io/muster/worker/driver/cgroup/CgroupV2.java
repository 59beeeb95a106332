package io.muster.worker.driver.cgroup;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The unified hierarchy. The worker enables memory, cpu and pids for its parent's children (cgroup v2's "no internal
 * processes" rule is met: the parent holds no process, only task cgroups), and each task cgroup gets
 * {@code memory.max} with {@code memory.swap.max = 0} (the limit is not bypassed through swap), {@code memory.oom.group
 * = 1} (an OOM kill takes the whole task, not one random process of it), {@code cpu.weight} and {@code pids.max}.
 */
public record CgroupV2(Path root, String parentName) implements Cgroups {
    static final List<String> CONTROLLERS = List.of("memory", "cpu", "pids");

    static boolean offersMemory(Path root) {
        try {
            return List.of(Files.readString(root.resolve("cgroup.controllers"), StandardCharsets.US_ASCII).trim().split("\\s+"))
                    .contains("memory");
        } catch (IOException e) {
            return false;
        }
    }

    Path parent() {
        return root.resolve(parentName);
    }

    @Override
    public String describe() {
        return "cgroup v2 at " + parent() + " (memory, cpu, pids)";
    }

    /** Enables the controllers from the root down to the parent's children. */
    void prepare() throws IOException {
        enable(root);
        Files.createDirectories(parent());
        enable(parent());
    }

    private static void enable(Path cgroup) throws IOException {
        Path control = cgroup.resolve("cgroup.subtree_control");
        String enabled = Files.exists(control) ? Files.readString(control, StandardCharsets.US_ASCII) : "";
        List<String> have = List.of(enabled.trim().split("\\s+"));
        StringBuilder add = new StringBuilder();
        for (String c : CONTROLLERS) {
            if (!have.contains(c)) add.append(add.isEmpty() ? "" : " ").append('+').append(c);
        }
        if (!add.isEmpty()) CgroupFiles.write(control, add.toString());
    }

    @Override
    public TaskCgroup create(String name, TaskLimits limits) throws IOException {
        Path dir = parent().resolve(name);
        Files.createDirectories(dir);
        try {
            CgroupFiles.write(dir.resolve("memory.max"), limits.memoryBytes() > 0 ? Long.toString(limits.memoryBytes()) : "max");
            CgroupFiles.writeIfPresent(dir.resolve("memory.swap.max"), limits.memoryBytes() > 0 ? "0" : "max");
            CgroupFiles.writeIfPresent(dir.resolve("memory.oom.group"), "1");
            CgroupFiles.write(dir.resolve("cpu.weight"), Long.toString(limits.cpuWeight()));
            CgroupFiles.write(dir.resolve("pids.max"), Integer.toString(limits.pidsMax()));
        } catch (IOException e) {
            CgroupFiles.rmdir(dir);
            throw e;
        }
        return new Task(name, dir, limits);
    }

    @Override
    public int sweep(java.time.Instant olderThan) {
        return CgroupFiles.sweepEmpty(parent(), olderThan);
    }

    @Override
    public Optional<TaskCgroup> open(String name) {
        Path dir = parent().resolve(name);
        if (!Files.isDirectory(dir)) return Optional.empty();
        TaskLimits limits = new TaskLimits(CgroupFiles.number(dir.resolve("memory.max")).orElse(0), 0,
                (int) Math.max(1, Math.min(Integer.MAX_VALUE, CgroupFiles.number(dir.resolve("pids.max")).orElse(TaskLimits.DEFAULT_PIDS_MAX))));
        return Optional.of(new Task(name, dir, limits));
    }

    private record Task(String name, Path dir, TaskLimits limits) implements TaskCgroup {
        @Override
        public List<Path> procsFiles() {
            return List.of(dir.resolve("cgroup.procs"));
        }

        @Override
        public CgroupUsage usage() {
            return new CgroupUsage(CgroupFiles.number(dir.resolve("memory.current")).orElse(0),
                    CgroupFiles.number(dir.resolve("memory.peak")).orElse(0),
                    CgroupFiles.keyed(dir.resolve("cpu.stat"), "usage_usec").orElse(0),
                    CgroupFiles.keyed(dir.resolve("memory.events"), "oom_kill").orElse(0));
        }

        @Override
        public void killAll() {
            Path kill = dir.resolve("cgroup.kill"); // Linux 5.14+: the kernel kills them all at once, forks included
            try {
                if (Files.exists(kill)) {
                    CgroupFiles.write(kill, "1");
                }
            } catch (IOException e) {
                // fall through to the per-process kill
            }
            CgroupFiles.killListed(dir.resolve("cgroup.procs"));
        }

        @Override
        public void remove() {
            try {
                CgroupFiles.rmdir(dir);
            } catch (IOException e) {
                org.slf4j.LoggerFactory.getLogger(CgroupV2.class).warn("{}", e.getMessage());
            }
        }
    }
}
