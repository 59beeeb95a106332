package io.muster.worker.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.muster.worker.driver.cgroup.CgroupMounts;
import io.muster.worker.driver.cgroup.Cgroups;
import io.muster.worker.driver.cgroup.CgroupV1;
import io.muster.worker.driver.cgroup.CgroupV2;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exec tasks under real cgroups, on this machine's kernel: memory over the limit ends in an OOM kill reported as
 * such, the task runs in its own cgroup with its limits, a process that left the task's process group dies with the
 * task, the pids limit stops a fork, and nothing is left behind.
 *
 * <p>Needs root and a writable cgroup file system with the memory controller (CI and the dev machine have both).
 * Where the machine has them, detection must find them: that part can fail, it is not an assumption.
 */
@Timeout(120)
public class ExecCgroupLimitsTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String PARENT = "muster-test-" + ProcessHandle.current().pid();

    @TempDir
    Path root;
    private ExecDriver driver;
    private Cgroups cgroups;

    /** A cgroup file system this process could write, or empty (then there is nothing to test here). */
    public static Optional<Path> writableMemoryHierarchy() throws IOException {
        if (!"root".equals(System.getProperty("user.name"))) return Optional.empty();
        CgroupMounts m = CgroupMounts.parse(Files.readAllLines(Path.of("/proc/self/mounts")));
        Optional<Path> v2 = m.unified().filter(p -> {
            try {
                return Files.readString(p.resolve("cgroup.controllers")).contains("memory");
            } catch (IOException e) {
                return false;
            }
        });
        return v2.or(() -> m.v1Mount("memory")).filter(Files::isWritable);
    }

    @BeforeEach
    void setUp() throws IOException {
        Optional<Path> hierarchy = writableMemoryHierarchy();
        assumeTrue(hierarchy.isPresent(), "no writable cgroup memory hierarchy, or not root: nothing to enforce with");
        cgroups = Cgroups.detect(PARENT);
        assertTrue(cgroups.enforced(), "root with a writable " + hierarchy.get() + " must get limits: " + cgroups.describe());
        driver = new ExecDriver(ExecDriver.Config.defaults(root).withCgroups(cgroups));
        DriverAvailability a = driver.probe();
        assertTrue(a.usable() && a.detail().contains("resource limits cgroup v"), a.detail());
    }

    @AfterEach
    void tearDown() throws IOException {
        if (driver != null) driver.close();
        // Whatever a failed test left running goes first, so that one failure does not fail the next tests' clean-up too.
        for (Path parent : parents()) {
            if (!Files.isDirectory(parent)) continue;
            try (var dirs = Files.list(parent)) {
                for (Path d : dirs.filter(Files::isDirectory).toList()) {
                    for (String pid : Files.readAllLines(d.resolve("cgroup.procs")))
                        if (!pid.isBlank()) ProcessHandle.of(Long.parseLong(pid.trim())).ifPresent(ProcessHandle::destroyForcibly);
                    TestWait.until(() -> {
                        try {
                            Files.deleteIfExists(d);
                            return true;
                        } catch (IOException e) {
                            return false;
                        }
                    }, WAIT, "removing " + d);
                }
            }
            Files.deleteIfExists(parent);
        }
    }

    private List<Path> parents() {
        return switch (cgroups) {
            case CgroupV2 v2 -> List.of(v2.root().resolve(PARENT));
            case CgroupV1 v1 -> v1.parents().values().stream().distinct().toList();
            case null, default -> List.of();
        };
    }

    private List<Path> taskDirs(String key) {
        return parents().stream().map(p -> p.resolve(key)).toList();
    }

    private TaskRequest.Builder task(String key, String command, String... args) throws IOException {
        return TaskRequest.builder(key).jobId("job").group("g").taskName("t")
                .workDir(Files.createDirectories(root.resolve(key))).command(command).args(args);
    }

    @Test
    void aTaskOverItsMemoryLimitIsOomKilledAndReportedSo() throws Exception {
        // tail keeps its whole input while it looks for a last line, and /dev/zero has none.
        TaskHandle h = driver.start(task("oom1", "tail", "/dev/zero").memoryMb(32).build());
        TaskResult r = TestWait.result(h, WAIT);
        assertEquals(TaskResult.Outcome.EXITED, r.outcome(), r.toString());
        assertEquals(137, r.exitCode(), "SIGKILL: " + r);
        assertTrue(r.oomKilled(), r.message());
        assertTrue(r.message().contains(TaskResult.OOM_NOTE + " of 32 MiB"), r.message());
        for (Path d : taskDirs("oom1")) assertFalse(Files.exists(d), d + " is removed when the task ends");
    }

    @Test
    void aTaskRunsInItsOwnCgroupWithItsLimitsAndItsUsageIsCounted() throws Exception {
        TaskHandle h = driver.start(task("in1", "sh", "-c", "head -c 8000000 /dev/zero > /dev/null; cat /proc/self/cgroup; sleep 60")
                .memoryMb(48).cpu(250).pidsMax(50).build());
        long pid = Long.parseLong(h.taskId());
        String cgroupFile = TestWait.until("the task's /proc/<pid>/cgroup", WAIT, () -> {
            String out = h.output().stdout().tailString(8192);
            return out.contains(PARENT + "/in1") ? out : null;
        });
        assertTrue(cgroupFile.lines().anyMatch(l -> l.endsWith("/" + PARENT + "/in1")), cgroupFile);
        assertTrue(Files.readString(Path.of("/proc/" + pid + "/cgroup")).contains(PARENT + "/in1"),
                "the task's pid itself (not only a child) is in the cgroup");
        ExecDriver.TaskUsage u = TestWait.until("usage counted", WAIT, () -> {
            ExecDriver.TaskUsage t = driver.usage().get("in1");
            return t != null && t.usage().cpuMicros() > 0 && t.usage().memoryPeakBytes() > 0 ? t : null;
        });
        assertEquals(48L << 20, u.limits().memoryBytes());
        assertEquals(50, u.limits().pidsMax());
        assertTrue(u.usage().memoryPeakBytes() <= 48L << 20, u.toString());
        h.stop(Duration.ofSeconds(2));
        TaskResult r = TestWait.result(h, WAIT);
        assertEquals(TaskResult.Outcome.STOPPED, r.outcome(), r.toString());
        assertFalse(r.oomKilled(), r.message());
        for (Path d : taskDirs("in1")) assertFalse(Files.exists(d), d + " is removed when the task ends");
        TestWait.until(() -> driver.usage().isEmpty(), WAIT, "the driver to forget the ended task");
    }

    @Test
    void aProcessThatLeftTheTasksProcessGroupDiesWithTheTask() throws Exception {
        TaskHandle h = driver.start(task("esc1", "sh", "-c", "setsid sleep 300 & echo $! > escaped.pid; exit 0").build());
        TaskResult r = TestWait.result(h, WAIT);
        assertTrue(r.success(), r.toString());
        long escaped = Long.parseLong(Files.readString(root.resolve("esc1/escaped.pid")).trim());
        // Killed before the result completed; it may linger as a zombie until its new parent reaps it.
        Optional<ProcFs.Stat> stat = ProcFs.stat(escaped);
        assertTrue(stat.isEmpty() || stat.get().zombieOrDead(), "pid " + escaped + " (its own session) still runs: " + stat);
    }

    @Test
    void thePidsLimitStopsAForkBomb() throws Exception {
        TaskHandle h = driver.start(task("pids1", "sh", "-c",
                "i=0; while [ $i -lt 20 ]; do sleep 30 & i=$((i+1)); done; echo started all; wait").pidsMax(5).build());
        TaskResult r = TestWait.result(h, WAIT);
        String err = h.output().stderr().tailString(8192).toLowerCase();
        assertTrue(err.contains("fork"), "the shell could not fork past 5 processes: " + err + " / " + r);
        assertFalse(h.output().stdout().tailString(8192).contains("started all"), r.toString());
        for (Path d : taskDirs("pids1")) assertFalse(Files.exists(d), d.toString());
    }

    @Test
    void aSweepAtStartRemovesCgroupsWhoseTasksEndedUnwatchedAndKeepsRunningOnes() throws Exception {
        TaskHandle running = driver.start(task("sw-run", "sleep", "60").build());
        // Its sh joins each hierarchy, then becomes sleep: wait for that, since this sweep skips the minute's grace below.
        TestWait.until(() -> {
            try {
                String argv0 = Files.readString(Path.of("/proc/" + running.taskId() + "/cmdline")).split("\0", 2)[0];
                return argv0.endsWith("/sleep");
            } catch (IOException e) {
                return false;
            }
        }, WAIT, "the task to have joined its cgroups and become sleep");
        driver.close(); // the worker dies; the task runs on
        cgroups.create("sw-stale", new io.muster.worker.driver.cgroup.TaskLimits(16L << 20, 100, 16)); // a task that ended unwatched
        assertEquals(0, cgroups.sweep(java.time.Instant.now().minusSeconds(60)), "younger than the minute: left alone");
        assertEquals(1, cgroups.sweep(java.time.Instant.now().plusSeconds(1)), "old enough and empty: removed; the running one stays");
        for (Path d : taskDirs("sw-stale")) assertFalse(Files.exists(d), d.toString());
        for (Path d : taskDirs("sw-run")) assertTrue(Files.exists(d), d.toString());
        driver = new ExecDriver(ExecDriver.Config.defaults(root).withCgroups(cgroups));
        TaskHandle again = driver.recover("sw-run").orElseThrow();
        assertEquals(running.taskId(), again.taskId());
        again.stop(Duration.ZERO);
        TestWait.result(again, WAIT);
        for (Path d : taskDirs("sw-run")) assertFalse(Files.exists(d), d.toString());
    }

    @Test
    void aWorkerRestartReattachesToTheTaskAndItsCgroup() throws Exception {
        TaskHandle first = driver.start(task("re1", "sleep", "60").memoryMb(40).build());
        long pid = Long.parseLong(first.taskId());
        driver.close(); // the worker goes away; the task keeps running in its cgroup
        assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
        driver = new ExecDriver(ExecDriver.Config.defaults(root).withCgroups(cgroups));
        TaskHandle again = driver.recover("re1").orElseThrow();
        assertEquals(first.taskId(), again.taskId());
        assertEquals(40L << 20, driver.usage().get("re1").limits().memoryBytes(), "limits read back from the cgroup");
        again.stop(Duration.ZERO);
        TestWait.result(again, WAIT);
        for (Path d : taskDirs("re1")) assertFalse(Files.exists(d), d.toString());
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) && !ProcFs.stat(pid).map(ProcFs.Stat::zombieOrDead).orElse(true));
    }
}
