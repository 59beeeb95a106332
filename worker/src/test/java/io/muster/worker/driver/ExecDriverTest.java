package io.muster.worker.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExecDriverTest {

    private static final Duration WAIT = Duration.ofSeconds(15);

    @TempDir
    Path root;
    private ExecDriver driver;

    @BeforeEach
    void setUp() {
        driver = new ExecDriver(new ExecDriver.Config(root, OutputBuffer.DEFAULT_CAPACITY,
                OutputBuffer.DEFAULT_MAX_LOG_FILE_BYTES, Duration.ofMillis(20)));
        DriverAvailability availability = driver.probe();
        assumeTrue(availability.usable(), "exec driver unusable here: " + availability.detail());
    }

    @AfterEach
    void tearDown() {
        driver.close();
    }

    private TaskRequest.Builder task(String allocId, String command, String... args) throws IOException {
        Path dir = Files.createDirectories(root.resolve(allocId));
        return TaskRequest.builder(allocId).jobId("job-1").group("g").taskName("t")
                .workDir(dir).command(command).args(args);
    }

    private static Map<String, String> parseEnv(String text) {
        return text.lines().filter(l -> l.contains("="))
                .collect(Collectors.toMap(l -> l.substring(0, l.indexOf('=')), l -> l.substring(l.indexOf('=') + 1)));
    }

    @Test
    void taskSeesItsEnvironmentAndNothingOfTheWorkers() throws IOException {
        TaskHandle h = driver.start(task("env1", "env").env("GREETING", "hello world").env("LANG", "en_US.UTF-8").build());
        TaskResult r = TestWait.result(h, WAIT);
        assertTrue(r.success(), r.toString());

        Map<String, String> env = parseEnv(h.output().stdout().tailString(64 * 1024));
        assertEquals("hello world", env.get("GREETING"));
        assertEquals("en_US.UTF-8", env.get("LANG"), "task env overrides the base");
        assertEquals(ExecDriver.BASE_PATH, env.get("PATH"));
        assertEquals(root.resolve("env1").toString(), env.get("HOME"));
        assertEquals("env1", env.get("MUSTER_ALLOC_ID"));
        assertEquals("job-1", env.get("MUSTER_JOB_ID"));
        assertEquals(new TreeSet<>(Set.of("PATH", "HOME", "LANG", "GREETING", "MUSTER_ALLOC_ID", "MUSTER_JOB_ID",
                "MUSTER_GROUP", "MUSTER_TASK", "MUSTER_ALLOC_DIR")), new TreeSet<>(env.keySet()));
        for (String workerVar : System.getenv().keySet()) {
            if (!Set.of("PATH", "HOME", "LANG").contains(workerVar)) {
                assertFalse(env.containsKey(workerVar), "worker variable " + workerVar + " leaked into the task");
            }
        }
    }

    @Test
    void runsInTheAllocDirectory() throws Exception {
        TaskHandle h = driver.start(task("cwd1", "sh", "-c", "pwd; echo data > made-here.txt").build());
        TaskResult r = TestWait.result(h, WAIT);
        assertTrue(r.success(), r.toString());
        Path dir = root.resolve("cwd1");
        assertEquals(dir.toRealPath().toString(), h.output().stdout().tailString(4096).trim());
        assertEquals("data\n", Files.readString(dir.resolve("made-here.txt")));
    }

    @Test
    void reportsNonZeroExitCodeAndStderr() throws IOException {
        TaskHandle h = driver.start(task("exit7", "sh", "-c", "echo bad thing >&2; exit 7").build());
        TaskResult r = TestWait.result(h, WAIT);
        assertEquals(TaskResult.Outcome.EXITED, r.outcome());
        assertEquals(7, r.exitCode());
        assertFalse(r.success());
        assertTrue(r.message().contains("7"), r.message());
        assertFalse(r.finishedAt().isBefore(r.startedAt()));
        assertEquals("bad thing\n", h.output().stderr().tailString(4096));
        assertEquals(Long.parseLong(h.taskId()), Long.parseLong(h.taskId()), "taskId is the pid");
    }

    @Test
    void outputIsBoundedKeepsTheLastBytesAndCountsWhatWasDropped() throws Exception {
        driver.close();
        int capacity = 4096;
        long maxFile = 8192;
        driver = new ExecDriver(new ExecDriver.Config(root, capacity, maxFile, Duration.ofMillis(20)));
        // 400 lines of 50 bytes, then a marker: 20,004 bytes, five times the buffer.
        String script = "i=0; while [ $i -lt 400 ]; do printf '%049d\\n' $i; i=$((i+1)); done; echo END; echo oops >&2";
        TaskHandle h = driver.start(task("big1", "sh", "-c", script).build());
        TaskResult r = TestWait.result(h, WAIT);
        assertTrue(r.success(), r.toString());

        StreamBuffer.Snapshot out = h.output().stdout().snapshot();
        long total = 400 * 50 + 4;
        assertEquals(total, out.totalBytes());
        assertEquals(capacity, out.data().length);
        assertEquals(total - capacity, out.droppedBytes());
        String kept = out.text();
        assertTrue(kept.endsWith(String.format("%049d\nEND\n", 399)), kept.substring(kept.length() - 120));
        assertEquals("oops\n", h.output().stderr().tailString(100));
        assertEquals(0, h.output().stderr().droppedBytes());

        // On disk: copy-truncate kept the newest maxFile bytes in stdout.log.1 and the live file is bounded.
        Path dir = root.resolve("big1");
        String disk = Files.readString(dir.resolve("stdout.log.1")) + Files.readString(dir.resolve("stdout.log"));
        assertTrue(disk.endsWith("END\n"), "newest output is on disk");
        assertTrue(Files.size(dir.resolve("stdout.log.1")) <= maxFile);
        assertTrue(Files.size(dir.resolve("stdout.log")) <= maxFile);
    }

    /** The task forks a grandchild that ignores SIGTERM; all of it must be gone after the timeout. */
    @Test
    void timeoutKillsTheWholeProcessGroup() throws Exception {
        String script = "(trap '' TERM; exec sleep 300) & echo $! > grandchild.pid; echo ready; wait";
        Instant before = Instant.now();
        TaskHandle h = driver.start(task("timeout1", "sh", "-c", script)
                .timeout(Duration.ofMillis(700)).killGrace(Duration.ofMillis(500)).build());
        TaskResult r = TestWait.result(h, WAIT);
        assertEquals(TaskResult.Outcome.TIMED_OUT, r.outcome(), r.toString());
        assertTrue(r.timedOut());
        assertTrue(Duration.between(before, r.finishedAt()).compareTo(Duration.ofMillis(700)) >= 0);
        assertEquals(128 + 15, r.exitCode(), "the shell died of SIGTERM");
        assertGone(readPid(root.resolve("timeout1/grandchild.pid")));
        assertGone(Long.parseLong(h.taskId()));
    }

    @Test
    void stopTerminatesThenKillsTheGroup() throws Exception {
        String script = "(trap '' TERM; exec sleep 300) & echo $! > grandchild.pid; echo ready; wait";
        TaskHandle h = driver.start(task("stop1", "sh", "-c", script).build());
        TestWait.outputContains(h, "ready", WAIT);
        long grandchild = readPid(root.resolve("stop1/grandchild.pid"));
        assertTrue(ProcessHandle.of(grandchild).map(ProcessHandle::isAlive).orElse(false));

        h.stop(Duration.ofSeconds(1));
        TaskResult r = TestWait.result(h, WAIT);
        assertEquals(TaskResult.Outcome.STOPPED, r.outcome(), r.toString());
        assertTrue(r.stopped());
        assertGone(grandchild);
        h.stop(Duration.ZERO); // no-op once over
    }

    @Test
    void leftoverBackgroundProcessesDieWhenTheTaskExits() throws Exception {
        TaskHandle h = driver.start(task("bg1", "sh", "-c", "sleep 300 & echo $! > bg.pid").build());
        TaskResult r = TestWait.result(h, WAIT);
        assertTrue(r.success(), r.toString());
        assertGone(readPid(root.resolve("bg1/bg.pid")));
    }

    @Test
    void missingCommandFailsToStartWithAClearMessage() throws IOException {
        TaskHandle h = driver.start(task("nocmd", "no-such-command-xyz", "arg").build());
        TaskResult r = TestWait.result(h, WAIT);
        assertEquals(TaskResult.Outcome.FAILED_TO_START, r.outcome());
        assertTrue(r.failedToStart());
        assertTrue(r.message().contains("no-such-command-xyz") && r.message().contains("not found"), r.message());

        TaskHandle rel = driver.start(task("nocmd2", "./missing.sh").build());
        assertTrue(TestWait.result(rel, WAIT).message().contains("missing.sh"));

        TaskRequest wrongDir = TaskRequest.builder("nodir").command("true").workDir(root.resolve("elsewhere")).build();
        TaskResult wd = TestWait.result(driver.start(wrongDir), WAIT);
        assertEquals(TaskResult.Outcome.FAILED_TO_START, wd.outcome());
        assertTrue(wd.message().contains("workDir"), wd.message());
    }

    @Test
    void aNewDriverInstanceRecoversARunningTaskWithoutStartingItTwice() throws Exception {
        TaskRequest request = task("rec1", "sh", "-c", "echo started; exec sleep 300").build();
        TaskHandle first = driver.start(request);
        TestWait.outputContains(first, "started", WAIT);
        assertSame(first, driver.start(request), "same driver: start re-attaches");

        driver.close(); // the worker goes away; the task must not
        TaskResult detached = TestWait.result(first, WAIT);
        assertEquals(TaskResult.Outcome.DETACHED, detached.outcome());
        long pid = Long.parseLong(first.taskId());
        assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "task survived close()");

        driver = new ExecDriver(ExecDriver.Config.defaults(root));
        Optional<TaskHandle> recovered = driver.recover("rec1");
        assertTrue(recovered.isPresent());
        TaskHandle h = recovered.get();
        assertEquals(first.taskId(), h.taskId());
        assertFalse(h.result().isDone());
        TestWait.outputContains(h, "started", WAIT); // replayed from stdout.log
        assertEquals(h.taskId(), driver.start(request).taskId(), "start after restart re-attaches, no duplicate");

        h.stop(Duration.ofSeconds(2));
        TaskResult r = TestWait.result(h, WAIT);
        assertEquals(TaskResult.Outcome.STOPPED, r.outcome());
        assertEquals(TaskResult.UNKNOWN_EXIT_CODE, r.exitCode());
        assertTrue(r.message().contains("re-attached"), r.message());
        assertGone(pid);
        assertTrue(driver.recover("rec1").isEmpty(), "record removed once the task is over");
        assertTrue(driver.recover("never-started").isEmpty());
    }

    @Test
    void theTimeoutStillAppliesAfterRecovery() throws Exception {
        TaskRequest request = task("rec2", "sh", "-c", "echo started; exec sleep 300")
                .timeout(Duration.ofMillis(1500)).killGrace(Duration.ofMillis(500)).build();
        TaskHandle first = driver.start(request);
        TestWait.outputContains(first, "started", WAIT);
        driver.close();

        driver = new ExecDriver(ExecDriver.Config.defaults(root));
        TaskHandle h = driver.recover("rec2").orElseThrow();
        TaskResult r = TestWait.result(h, WAIT);
        assertEquals(TaskResult.Outcome.TIMED_OUT, r.outcome(), r.toString());
        assertTrue(Duration.between(r.startedAt(), r.finishedAt()).compareTo(Duration.ofMillis(1500)) >= 0, r.toString());
        assertGone(Long.parseLong(h.taskId()));
    }

    @Test
    void recoverReportsLostWhenTheRecordedProcessIsGone() throws Exception {
        Path dir = Files.createDirectories(root.resolve("lost1"));
        // Our own pid with a start time that is not ours: a reused pid, not the task.
        long self = ProcessHandle.current().pid();
        new ExecTaskRecord(self, 1, true, Instant.now(), 0, 1000, "/bin/true").write(dir);
        TaskHandle h = driver.recover("lost1").orElseThrow();
        TaskResult r = TestWait.result(h, WAIT);
        assertEquals(TaskResult.Outcome.LOST, r.outcome());
        assertTrue(r.message().contains(Long.toString(self)), r.message());
        assertTrue(driver.recover("lost1").isEmpty(), "stale record removed");
    }

    private static long readPid(Path file) throws IOException {
        return Long.parseLong(Files.readString(file, StandardCharsets.UTF_8).trim());
    }

    /** Waits (bounded) for the process to exit, then asserts it is gone. */
    private static void assertGone(long pid) {
        Optional<ProcessHandle> p = ProcessHandle.of(pid);
        if (p.isPresent()) {
            TestWait.get(p.get().onExit(), Duration.ofSeconds(10), "pid " + pid + " to exit");
        }
        assertFalse(ProcFs.stat(pid).filter(s -> !s.zombieOrDead()).isPresent(),
                "pid " + pid + " still running: " + Arrays.toString(ProcFs.stat(pid).stream().toArray()));
    }
}
