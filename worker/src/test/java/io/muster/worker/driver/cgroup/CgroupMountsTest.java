package io.muster.worker.driver.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CgroupMountsTest {

    @Test
    void aHybridSystemHasV1ControllersAndAnEmptyUnifiedMount() {
        CgroupMounts m = CgroupMounts.parse(List.of(
                "tmpfs /sys/fs/cgroup tmpfs ro,relatime,size=4096k 0 0",
                "cgroup /sys/fs/cgroup/cpu,cpuacct cgroup rw,relatime,cpu,cpuacct 0 0",
                "cgroup /sys/fs/cgroup/memory cgroup rw,relatime,memory 0 0",
                "cgroup /sys/fs/cgroup/pids cgroup rw,relatime,pids 0 0",
                "cgroup /sys/fs/cgroup/systemd cgroup rw,relatime,name=systemd 0 0",
                "cgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0",
                "proc /proc proc rw 0 0"));
        assertEquals(Optional.of(Path.of("/sys/fs/cgroup/unified")), m.unified());
        assertEquals(Optional.of(Path.of("/sys/fs/cgroup/memory")), m.v1Mount("memory"));
        assertEquals(Optional.of(Path.of("/sys/fs/cgroup/cpu,cpuacct")), m.v1Mount("cpu"));
        assertEquals(Optional.of(Path.of("/sys/fs/cgroup/cpu,cpuacct")), m.v1Mount("cpuacct"));
        assertEquals(3, m.v1().size(), "name=systemd carries no controller we use: " + m.v1());
        assertEquals(Set.of("cpu", "cpuacct"), m.v1().getFirst().controllers());
    }

    @Test
    void aPureV2SystemHasOnlyTheUnifiedMount() {
        CgroupMounts m = CgroupMounts.parse(List.of("cgroup2 /sys/fs/cgroup cgroup2 rw,nosuid,nodev,noexec,relatime,nsdelegate 0 0"));
        assertEquals(Optional.of(Path.of("/sys/fs/cgroup")), m.unified());
        assertTrue(m.v1().isEmpty());
    }

    @Test
    void escapedMountPointsAreDecoded() {
        CgroupMounts m = CgroupMounts.parse(List.of("cgroup /mnt/my\\040cgroups cgroup rw,memory 0 0"));
        assertEquals(Optional.of(Path.of("/mnt/my cgroups")), m.v1Mount("memory"));
    }

    @Test
    void withoutAnyMemoryControllerNothingIsEnforcedAndTheReasonSaysSo() {
        Cgroups c = Cgroups.detect(CgroupMounts.parse(List.of("proc /proc proc rw 0 0",
                "cgroup /sys/fs/cgroup/pids cgroup rw,pids 0 0")), "muster-test", 1);
        Cgroups.Unavailable u = assertInstanceOf(Cgroups.Unavailable.class, c);
        assertEquals("no cgroup file system with the memory controller is mounted", u.reason());
        assertEquals("not enforced: no cgroup file system with the memory controller is mounted", c.describe());
    }

    @Test
    void aHierarchyTheWorkerCannotWriteIsReportedWithWhatToDo(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        Path memory = tmp.resolve("memory");
        java.nio.file.Files.createDirectories(memory);
        java.nio.file.Files.writeString(memory.resolve("muster-test"), "a file where the parent directory should be");
        Cgroups c = Cgroups.detect(CgroupMounts.parse(List.of("cgroup " + memory + " cgroup rw,memory 0 0")), "muster-test", 1);
        Cgroups.Unavailable u = assertInstanceOf(Cgroups.Unavailable.class, c);
        assertTrue(u.reason().startsWith("cgroup v1 at " + memory.resolve("muster-test") + " (memory) is mounted, but this worker cannot create cgroups there"), u.reason());
        assertTrue(u.reason().endsWith("run the worker as root, or delegate that subtree to its user"), u.reason());
    }
}
