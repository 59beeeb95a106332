package io.muster.worker.action;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.muster.types.job.ActionCall;
import io.muster.worker.driver.OutputBuffer;
import io.muster.worker.driver.TaskHandle;
import io.muster.worker.driver.TaskRequest;
import io.muster.worker.driver.TaskResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The action driver: results, output and log files, timeout, stop (killing programs), and no second run after a restart. */
class ActionDriverTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path allocRoot;

    private ActionDriver driver;
    private final AtomicInteger runs = new AtomicInteger();
    private final AtomicLong childPid = new AtomicLong();
    private final CountDownLatch childStarted = new CountDownLatch(1);

    /** Counts its runs; {@code sleep} runs a real sleep(1) process, to see it killed. */
    private final ActionBackend probe = new ActionBackend() {
        public String name() { return "probe"; }
        public List<String> actions() { return List.of("count", "sleep"); }
        public boolean changesSystem() { return true; }
        public ActionResult run(String action, Map<String, String> params, ActionContext ctx) {
            runs.incrementAndGet();
            if (action.equals("count")) {
                ctx.print("run " + runs.get());
                return ActionResult.success("counted");
            }
            CommandRunner.Result r = ctx.run(List.of("sh", "-c", "echo $$; exec sleep 60"), Map.of());
            return r.ok() ? ActionResult.success("slept") : ActionResult.failed("sleep: " + r.describe());
        }
    };

    private ActionDriver driver() {
        Clock clock = Clock.systemUTC();
        CommandRunner recordingPid = command -> Commands.local(clock).run(new CommandRunner.Command(command.argv(),
                command.env(), command.deadline(), line -> {
                    if (childPid.get() == 0 && line.matches("\\d+")) {
                        childPid.set(Long.parseLong(line));
                        childStarted.countDown();
                    }
                    command.output().accept(line);
                }));
        List<ActionBackend> backends = new java.util.ArrayList<>(ActionBackends.builtIn());
        backends.add(probe);
        return new ActionDriver(new ActionDriver.Config(allocRoot, new ActionBackends(backends, List.of("probe")),
                recordingPid, ActionContext.Sleeper.REAL, 64 * 1024, 1 << 20, clock));
    }

    @AfterEach
    void close() {
        if (driver != null) {
            driver.close();
        }
    }

    private TaskRequest request(String allocId, ActionCall call, Duration timeout) throws Exception {
        Path dir = Files.createDirectories(allocRoot.resolve(allocId));
        return TaskRequest.builder(allocId).taskName("action").workDir(dir).action(call).timeout(timeout)
                .killGrace(Duration.ofSeconds(1)).env("MUSTER_ALLOC_ID", allocId).build();
    }

    private static TaskResult result(TaskHandle h) {
        try {
            return h.result().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return fail("action " + h.allocId() + " did not end within " + WAIT);
        } catch (InterruptedException | ExecutionException e) {
            return fail(e);
        }
    }

    @Test
    void anActionsOutputGoesToTheBufferAndTheLogFilesAndItsResultToTheExitCode() throws Exception {
        driver = driver();
        assertTrue(driver.probe().usable());
        TaskHandle ok = driver.start(request("ok", new ActionCall("test", "output", Map.of("text", "one\ntwo")), null));
        TaskResult r = result(ok);
        assertEquals(TaskResult.Outcome.EXITED, r.outcome());
        assertEquals(0, r.exitCode());
        assertEquals("printed 2 line(s)", r.message());
        assertEquals("one\ntwo\n", ok.output().stdout().tailString(1000));
        assertEquals("one\ntwo\n", Files.readString(allocRoot.resolve("ok").resolve(OutputBuffer.STDOUT_FILE)));

        TaskHandle bad = driver.start(request("bad", new ActionCall("test", "fail", Map.of("message", "no luck")), null));
        TaskResult b = result(bad);
        assertEquals(1, b.exitCode());
        assertFalse(b.success());
        assertEquals("no luck", b.message());
        assertTrue(Files.readString(allocRoot.resolve("bad").resolve(OutputBuffer.STDERR_FILE)).contains("no luck"));

        TaskHandle off = driver.start(request("off", new ActionCall("apt", "update", Map.of()), null));
        assertEquals("backend apt is not enabled on this worker (enable it with backends: [apt] in the worker config)",
                result(off).message());
    }

    @Test
    void aTimeoutInterruptsTheActionAndKillsItsProgram() throws Exception {
        driver = driver();
        TaskHandle h = driver.start(request("slow", new ActionCall("probe", "sleep", Map.of()), Duration.ofSeconds(1)));
        assertTrue(childStarted.await(WAIT.toSeconds(), TimeUnit.SECONDS), "the program started");
        TaskResult r = result(h);
        assertEquals(TaskResult.Outcome.TIMED_OUT, r.outcome());
        assertEquals(1, r.exitCode());
        assertTrue(r.message().startsWith("timed out after 1s"), r.message());
        assertProcessGone(childPid.get());
    }

    @Test
    void stopInterruptsTheActionAndKillsItsProgram() throws Exception {
        driver = driver();
        TaskHandle h = driver.start(request("stopme", new ActionCall("probe", "sleep", Map.of()), null));
        assertTrue(childStarted.await(WAIT.toSeconds(), TimeUnit.SECONDS), "the program started");
        assertFalse(h.result().isDone());
        h.stop(Duration.ofSeconds(1));
        TaskResult r = result(h);
        assertEquals(TaskResult.Outcome.STOPPED, r.outcome());
        assertTrue(r.message().startsWith("stopped; sleep: killed"), r.message());
        assertProcessGone(childPid.get());
    }

    @Test
    void aTimeoutCutsAPingSleepShort() throws Exception {
        driver = driver();
        TaskHandle h = driver.start(request("nap", new ActionCall("ping", "sleep", Map.of("duration", "60s")), Duration.ofMillis(300)));
        TaskResult r = result(h);
        assertEquals(TaskResult.Outcome.TIMED_OUT, r.outcome());
        assertTrue(r.message().contains("cut short"), r.message());
    }

    @Test
    void aFinishedActionIsRecoveredWithItsResultAndNeverRunAgain() throws Exception {
        driver = driver();
        TaskHandle first = driver.start(request("once", new ActionCall("probe", "count", Map.of()), null));
        assertEquals(0, result(first).exitCode());
        driver.close();

        driver = driver(); // a new worker process
        Optional<TaskHandle> recovered = driver.recover("once");
        assertTrue(recovered.isPresent());
        TaskResult r = result(recovered.get());
        assertEquals(TaskResult.Outcome.EXITED, r.outcome());
        assertEquals(0, r.exitCode());
        assertEquals("counted", r.message());
        assertEquals("run 1\n", recovered.get().output().stdout().tailString(100), "output replayed from the log file");
        assertEquals(1, runs.get(), "recovery does not run the action");
        assertEquals(Optional.empty(), driver.recover("never-started"));
    }

    @Test
    void anActionWhoseEndWasNotRecordedIsLostNotRunAgain() throws Exception {
        driver = driver();
        Path dir = Files.createDirectories(allocRoot.resolve("crashed"));
        ActionRecord.running("probe", "count", Clock.systemUTC().instant()).write(dir); // the worker died mid-action

        TaskHandle again = driver.start(request("crashed", new ActionCall("probe", "count", Map.of()), null));
        TaskResult r = result(again);
        assertEquals(TaskResult.Outcome.LOST, r.outcome());
        assertTrue(r.message().contains("by an earlier worker process") && r.message().contains("not run again"), r.message());
        assertEquals(0, runs.get(), "not run a second time");

        // The loss is recorded: recovery reports it too, and a restart by the task's own policy is a visible new run.
        assertEquals(TaskResult.Outcome.LOST, result(driver.recover("crashed").orElseThrow()).outcome());
        assertEquals(0, result(driver.start(request("crashed", new ActionCall("probe", "count", Map.of()), null))).exitCode());
        assertEquals(1, runs.get());

        Path dir2 = Files.createDirectories(allocRoot.resolve("crashed2"));
        ActionRecord.running("probe", "count", Clock.systemUTC().instant()).write(dir2);
        TaskResult lost = result(driver.recover("crashed2").orElseThrow());
        assertEquals(TaskResult.Outcome.LOST, lost.outcome());
        assertTrue(lost.message().contains("was running when the worker process stopped"), lost.message());
    }

    @Test
    void anActionThatIgnoresItsInterruptionIsGivenUpOnAfterTheGrace() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch running = new CountDownLatch(1);
        ActionBackend stubborn = new ActionBackend() {
            public String name() { return "stubborn"; }
            public List<String> actions() { return List.of("hang"); }
            public boolean changesSystem() { return false; }
            public ActionResult run(String action, Map<String, String> params, ActionContext ctx) {
                running.countDown();
                while (true) {
                    try {
                        release.await();
                        return ActionResult.success("released");
                    } catch (InterruptedException ignored) {
                        // deliberately deaf to the stop
                    }
                }
            }
        };
        Clock clock = Clock.systemUTC();
        driver = new ActionDriver(new ActionDriver.Config(allocRoot, new ActionBackends(List.of(stubborn), List.of()),
                Commands.local(clock), ActionContext.Sleeper.REAL, 4096, 1 << 20, clock));
        try {
            TaskHandle h = driver.start(request("deaf", new ActionCall("stubborn", "hang", Map.of()), null));
            assertTrue(running.await(WAIT.toSeconds(), TimeUnit.SECONDS));
            h.stop(Duration.ZERO);
            TaskResult r = result(h);
            assertEquals(TaskResult.Outcome.STOPPED, r.outcome());
            assertTrue(r.message().contains("given up on"), r.message());
            assertTrue(ActionRecord.read(allocRoot.resolve("deaf")).orElseThrow().finished(), "the end is recorded");
        } finally {
            release.countDown();
        }
    }

    @Test
    void aRequestWithoutAnActionFailsToStart() throws Exception {
        driver = driver();
        TaskResult r = result(driver.start(request("none", null, null)));
        assertEquals(TaskResult.Outcome.FAILED_TO_START, r.outcome());
        assertTrue(r.message().contains("names no action"), r.message());
    }

    private static void assertProcessGone(long pid) throws InterruptedException {
        assertTrue(pid > 0, "the program's pid was seen");
        Optional<ProcessHandle> p = ProcessHandle.of(pid);
        if (p.isPresent()) {
            try {
                p.get().onExit().get(WAIT.toSeconds(), TimeUnit.SECONDS);
            } catch (ExecutionException | TimeoutException e) {
                fail("process " + pid + " still runs");
            }
        }
    }
}
