package io.muster.worker.driver.cgroup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The legacy hierarchies (also what a hybrid system binds its controllers to). A task's cgroup is a directory of the
 * same name in each hierarchy the worker uses; {@code memory.limit_in_bytes} and, where swap is accounted,
 * {@code memory.memsw.limit_in_bytes} (the same value: no swap beyond the limit), {@code cpu.shares},
 * {@code pids.max}. An OOM kill is counted in {@code memory.oom_control}'s {@code oom_kill} (Linux 4.13+).
 *
 * @param parents the worker's parent cgroup in each hierarchy, by controller ({@code cpu} and {@code cpuacct} may share
 *     one directory when they are mounted together)
 */
public record CgroupV1(Map<String, Path> parents) implements Cgroups {

    public CgroupV1 {
        if (!parents.containsKey("memory")) throw new IllegalArgumentException("cgroup v1 needs the memory hierarchy");
        parents = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(parents));
    }

    static CgroupV1 of(CgroupMounts mounts, String parentName) {
        Map<String, Path> parents = new LinkedHashMap<>();
        for (String c : List.of("memory", "cpu", "cpuacct", "pids")) {
            mounts.v1Mount(c).ifPresent(m -> parents.put(c, m.resolve(parentName)));
        }
        return new CgroupV1(parents);
    }

    @Override
    public String describe() {
        return "cgroup v1 at " + parents.get("memory") + " (" + String.join(", ", parents.keySet()) + ")";
    }

    /** The distinct directories a task's cgroup lives in (one per mounted hierarchy). */
    private List<Path> dirs(String name) {
        List<Path> out = new ArrayList<>();
        for (Path p : parents.values()) {
            Path d = p.resolve(name);
            if (!out.contains(d)) out.add(d);
        }
        return out;
    }

    private Path dir(String controller, String name) {
        Path p = parents.get(controller);
        return p == null ? null : p.resolve(name);
    }

    @Override
    public TaskCgroup create(String name, TaskLimits limits) throws IOException {
        List<Path> dirs = dirs(name);
        try {
            for (Path d : dirs) Files.createDirectories(d);
            Path memory = dir("memory", name);
            String bytes = limits.memoryBytes() > 0 ? Long.toString(limits.memoryBytes()) : "-1";
            CgroupFiles.write(memory.resolve("memory.limit_in_bytes"), bytes);
            // memsw >= limit_in_bytes always holds: set after it (raising) and equal (no swap beyond the limit).
            CgroupFiles.writeIfPresent(memory.resolve("memory.memsw.limit_in_bytes"), bytes);
            Path cpu = dir("cpu", name);
            if (cpu != null) CgroupFiles.write(cpu.resolve("cpu.shares"), Long.toString(limits.cpuShares()));
            Path pids = dir("pids", name);
            if (pids != null) CgroupFiles.write(pids.resolve("pids.max"), Integer.toString(limits.pidsMax()));
        } catch (IOException e) {
            for (Path d : dirs) CgroupFiles.rmdir(d);
            throw e;
        }
        return new Task(name, dirs, dir("memory", name), dir("cpuacct", name), limits);
    }

    /** A task's cgroup is empty in every hierarchy at once: each hierarchy's parent is swept on its own. */
    @Override
    public int sweep(java.time.Instant olderThan) {
        int memory = CgroupFiles.sweepEmpty(parents.get("memory"), olderThan);
        for (Path p : parents.values().stream().distinct().toList()) {
            if (!p.equals(parents.get("memory"))) CgroupFiles.sweepEmpty(p, olderThan);
        }
        return memory;
    }

    @Override
    public Optional<TaskCgroup> open(String name) {
        Path memory = dir("memory", name);
        if (!Files.isDirectory(memory)) return Optional.empty();
        long bytes = CgroupFiles.number(memory.resolve("memory.limit_in_bytes")).orElse(0);
        Path pids = dir("pids", name);
        long pidsMax = pids == null ? TaskLimits.DEFAULT_PIDS_MAX : CgroupFiles.number(pids.resolve("pids.max")).orElse(TaskLimits.DEFAULT_PIDS_MAX);
        // v1 says "no limit" with the largest page-aligned value rather than a word.
        TaskLimits limits = new TaskLimits(bytes >= (1L << 62) ? 0 : bytes, 0, (int) Math.max(1, Math.min(Integer.MAX_VALUE, pidsMax)));
        return Optional.of(new Task(name, dirs(name), memory, dir("cpuacct", name), limits));
    }

    private record Task(String name, List<Path> dirs, Path memory, Path cpuacct, TaskLimits limits) implements TaskCgroup {
        @Override
        public List<Path> procsFiles() {
            return dirs.stream().map(d -> d.resolve("cgroup.procs")).toList();
        }

        @Override
        public CgroupUsage usage() {
            long cpuNanos = cpuacct == null ? 0 : CgroupFiles.number(cpuacct.resolve("cpuacct.usage")).orElse(0);
            return new CgroupUsage(CgroupFiles.number(memory.resolve("memory.usage_in_bytes")).orElse(0),
                    CgroupFiles.number(memory.resolve("memory.max_usage_in_bytes")).orElse(0), cpuNanos / 1000,
                    CgroupFiles.keyed(memory.resolve("memory.oom_control"), "oom_kill").orElse(0));
        }

        @Override
        public void killAll() {
            CgroupFiles.killListed(memory.resolve("cgroup.procs")); // every process joined every hierarchy
        }

        @Override
        public void remove() {
            for (Path d : dirs) {
                try {
                    CgroupFiles.rmdir(d);
                } catch (IOException e) {
                    org.slf4j.LoggerFactory.getLogger(CgroupV1.class).warn("{}", e.getMessage());
                }
            }
        }
    }
}
