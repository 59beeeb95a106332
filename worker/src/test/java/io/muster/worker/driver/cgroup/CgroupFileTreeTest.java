package io.muster.worker.driver.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The files each cgroup version writes and reads, against a directory tree laid out as the kernel lays out its
 * interface files. (cgroup v2 cannot be mounted with controllers on the hybrid machines CI runs on; the kernel's
 * side of v1 is exercised for real in {@link io.muster.worker.driver.ExecCgroupLimitsTest}.)
 */
class CgroupFileTreeTest {
    @TempDir
    Path root;

    private static String read(Path p) throws Exception {
        return Files.readString(p).trim();
    }

    @Test
    void v2EnablesItsControllersDownToTheParentAndWritesEachLimit() throws Exception {
        Files.writeString(root.resolve("cgroup.controllers"), "cpuset cpu io memory hugetlb pids rdma misc\n");
        Files.writeString(root.resolve("cgroup.subtree_control"), "cpu\n"); // systemd enabled cpu already
        Cgroups c = Cgroups.detect(CgroupMounts.parse(List.of("cgroup2 " + root + " cgroup2 rw 0 0")), "muster", 42);
        CgroupV2 v2 = assertInstanceOf(CgroupV2.class, c, c.describe());
        assertEquals("+memory +pids", read(root.resolve("cgroup.subtree_control")), "only what was missing is enabled");
        assertEquals("+memory +cpu +pids", read(root.resolve("muster/cgroup.subtree_control")));
        try (var s = Files.list(root.resolve("muster"))) {
            assertEquals(List.of("cgroup.subtree_control"), s.map(p -> p.getFileName().toString()).toList(), "no probe left");
        }

        Files.createDirectories(root.resolve("muster/a1.web"));
        Files.writeString(root.resolve("muster/a1.web/memory.swap.max"), "max\n");
        TaskCgroup t = v2.create("a1.web", new TaskLimits(64L << 20, 500, 128));
        Path dir = root.resolve("muster/a1.web");
        assertEquals(Long.toString(64L << 20), read(dir.resolve("memory.max")));
        assertEquals("0", read(dir.resolve("memory.swap.max")), "no swap beyond the limit, where swap is accounted");
        assertFalse(Files.exists(dir.resolve("memory.oom.group")), "optional files are written only where the kernel has them");
        assertEquals("50", read(dir.resolve("cpu.weight")), "500 units = half a core's weight (100 per 1,000)");
        assertEquals("128", read(dir.resolve("pids.max")));
        assertEquals(List.of(dir.resolve("cgroup.procs")), t.procsFiles());

        Files.writeString(dir.resolve("memory.current"), "12582912\n");
        Files.writeString(dir.resolve("memory.peak"), "20971520\n");
        Files.writeString(dir.resolve("cpu.stat"), "usage_usec 1500000\nuser_usec 1000000\nsystem_usec 500000\n");
        Files.writeString(dir.resolve("memory.events"), "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\noom_group_kill 0\n");
        assertEquals(new CgroupUsage(12L << 20, 20L << 20, 1_500_000, 1), t.usage());

        TaskCgroup reopened = v2.open("a1.web").orElseThrow();
        assertEquals(new TaskLimits(64L << 20, 0, 128), reopened.limits(), "memory and pids limits are read back");
        t.remove();
        assertFalse(Files.exists(dir));
        assertTrue(v2.open("a1.web").isEmpty());
    }

    @Test
    void v2WithoutTheMemoryControllerFallsBackToV1OrSaysWhy() throws Exception {
        Files.writeString(root.resolve("cgroup.controllers"), "hugetlb\n"); // a hybrid system's unified mount
        Cgroups c = Cgroups.detect(CgroupMounts.parse(List.of("cgroup2 " + root + " cgroup2 rw 0 0")), "muster", 1);
        Cgroups.Unavailable u = assertInstanceOf(Cgroups.Unavailable.class, c);
        assertTrue(u.reason().contains("does not offer the memory controller"), u.reason());
    }

    @Test
    void v1WritesEachHierarchyAndCountsOomKillsFromOomControl() throws Exception {
        Path memory = root.resolve("memory");
        Path cpu = root.resolve("cpu,cpuacct");
        Path pids = root.resolve("pids");
        for (Path p : List.of(memory, cpu, pids)) Files.createDirectories(p);
        Cgroups c = Cgroups.detect(CgroupMounts.parse(List.of("cgroup " + memory + " cgroup rw,memory 0 0",
                "cgroup " + cpu + " cgroup rw,cpu,cpuacct 0 0", "cgroup " + pids + " cgroup rw,pids 0 0")), "muster", 7);
        CgroupV1 v1 = assertInstanceOf(CgroupV1.class, c, c.describe());
        assertEquals("cgroup v1 at " + memory.resolve("muster") + " (memory, cpu, cpuacct, pids)", v1.describe());

        Files.createDirectories(memory.resolve("muster/a2"));
        Files.writeString(memory.resolve("muster/a2/memory.memsw.limit_in_bytes"), "9223372036854771712\n");
        TaskCgroup t = v1.create("a2", new TaskLimits(32L << 20, 2000, 64));
        assertEquals(Long.toString(32L << 20), read(memory.resolve("muster/a2/memory.limit_in_bytes")));
        assertEquals(Long.toString(32L << 20), read(memory.resolve("muster/a2/memory.memsw.limit_in_bytes")));
        assertEquals("2048", read(cpu.resolve("muster/a2/cpu.shares")), "2 cores' worth = twice the default 1024 shares");
        assertEquals("64", read(pids.resolve("muster/a2/pids.max")));
        assertEquals(List.of(memory.resolve("muster/a2/cgroup.procs"), cpu.resolve("muster/a2/cgroup.procs"),
                pids.resolve("muster/a2/cgroup.procs")), t.procsFiles(), "one per hierarchy: cpu and cpuacct share theirs");

        Files.writeString(memory.resolve("muster/a2/memory.usage_in_bytes"), "1048576\n");
        Files.writeString(memory.resolve("muster/a2/memory.max_usage_in_bytes"), "33554432\n");
        Files.writeString(memory.resolve("muster/a2/memory.oom_control"), "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
        Files.writeString(cpu.resolve("muster/a2/cpuacct.usage"), "2500000000\n");
        assertEquals(new CgroupUsage(1L << 20, 32L << 20, 2_500_000, 2), t.usage());
        assertEquals(new TaskLimits(32L << 20, 0, 64), v1.open("a2").orElseThrow().limits());

        t.remove();
        for (Path p : List.of(memory, cpu, pids)) assertFalse(Files.exists(p.resolve("muster/a2")), p.toString());
    }

    @Test
    void aSweepRemovesOnlyOldEmptyTaskCgroups() throws Exception {
        CgroupV2 v2 = new CgroupV2(root, "muster");
        java.time.Instant now = java.time.Instant.parse("2026-12-07T08:00:00Z");
        for (String name : List.of("old-empty", "old-busy", "new-empty")) {
            Path d = Files.createDirectories(root.resolve("muster").resolve(name));
            Files.writeString(d.resolve("cgroup.procs"), name.equals("old-busy") ? "4242\n" : "");
            Files.writeString(d.resolve("memory.max"), "67108864\n");
            Files.setLastModifiedTime(d, java.nio.file.attribute.FileTime.from(name.startsWith("old") ? now.minusSeconds(3600) : now));
        }
        Files.writeString(root.resolve("muster/cgroup.subtree_control"), "+memory\n"); // the parent's own files stay
        assertEquals(1, v2.sweep(now.minusSeconds(60)));
        assertFalse(Files.exists(root.resolve("muster/old-empty")));
        assertTrue(Files.exists(root.resolve("muster/old-busy")), "a cgroup with a process is a task still running");
        assertTrue(Files.exists(root.resolve("muster/new-empty")), "just made: its task may not have joined yet");
        assertTrue(Files.exists(root.resolve("muster/cgroup.subtree_control")));
    }

    @Test
    void cpuReservationsMapToWeightsAndSharesWithinTheKernelsRanges() {
        assertEquals(10, new TaskLimits(0, 100, 1).cpuWeight());
        assertEquals(100, new TaskLimits(0, 1000, 1).cpuWeight());
        assertEquals(1, new TaskLimits(0, 1, 1).cpuWeight());
        assertEquals(10_000, new TaskLimits(0, 1_000_000, 1).cpuWeight());
        assertEquals(102, new TaskLimits(0, 100, 1).cpuShares());
        assertEquals(2, new TaskLimits(0, 1, 1).cpuShares());
        assertEquals(262_144, new TaskLimits(0, 1_000_000, 1).cpuShares());
        assertEquals(100, new TaskLimits(0, 0, 1).cpuWeight(), "no reservation: the kernel's default");
    }
}
