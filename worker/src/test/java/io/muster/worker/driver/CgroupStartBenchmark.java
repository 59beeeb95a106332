package io.muster.worker.driver;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.muster.worker.driver.cgroup.Cgroups;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a cgroup costs per exec task: 200 {@code true} tasks one after the other, with and without cgroups, alternated
 * in rounds; wall time per task (start to result) and the worker JVM's CPU per task (creating the cgroup, writing its
 * limits, reading the OOM counter, killing what is left and removing it). Not in the default run:
 * {@code ./mvnw -B -o -pl worker test -Dtest=CgroupStartBenchmark -Dsurefire.excludedGroups=none -Dsurefire.failIfNoSpecifiedTests=false}
 */
@Tag("benchmark")
class CgroupStartBenchmark {
    private static final int TASKS = 200;

    @TempDir
    Path root;

    @Test
    void perTaskCost() throws Exception {
        assumeTrue(ExecCgroupLimitsTest.writableMemoryHierarchy().isPresent(), "needs root and a writable cgroup hierarchy");
        Cgroups cgroups = Cgroups.detect("muster-bench-" + ProcessHandle.current().pid());
        assertTrue(cgroups.enforced(), cgroups.describe());
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        for (int round = 0; round < 3; round++) {
            for (boolean limited : new boolean[] {false, true}) {
                ExecDriver.Config config = ExecDriver.Config.defaults(root);
                try (ExecDriver driver = new ExecDriver(limited ? config.withCgroups(cgroups) : config)) {
                    long cpu0 = os.getProcessCpuTime();
                    long t0 = System.nanoTime();
                    for (int i = 0; i < TASKS; i++) {
                        String key = (limited ? "l" : "u") + round + "-" + i;
                        TaskHandle h = driver.start(TaskRequest.builder(key).workDir(Files.createDirectories(root.resolve(key)))
                                .command("true").memoryMb(64).cpu(100).build());
                        assertTrue(TestWait.result(h, Duration.ofSeconds(30)).success());
                    }
                    double wallMs = (System.nanoTime() - t0) / 1e6 / TASKS;
                    double cpuMs = (os.getProcessCpuTime() - cpu0) / 1e6 / TASKS;
                    System.out.printf("round %d, %s: %.2f ms wall, %.2f ms worker CPU per task%n", round,
                            limited ? "with cgroups" : "without cgroups", wallMs, cpuMs);
                }
            }
        }
        if (cgroups instanceof io.muster.worker.driver.cgroup.CgroupV1 v1) {
            for (Path p : v1.parents().values().stream().distinct().toList()) Files.deleteIfExists(p);
        } else if (cgroups instanceof io.muster.worker.driver.cgroup.CgroupV2 v2) {
            Files.deleteIfExists(v2.root().resolve(v2.parentName()));
        }
    }
}
