package io.muster.worker.alloc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.muster.proto.AllocState;
import io.muster.worker.driver.DriverAvailability;
import io.muster.worker.driver.OutputBuffer;
import io.muster.worker.driver.TaskDriver;
import io.muster.worker.driver.TaskHandle;
import io.muster.worker.driver.TaskRequest;
import io.muster.worker.driver.TaskResult;
import io.muster.worker.fake.ManualTime;
import io.muster.worker.state.WorkerState.StatusRecord;
import io.muster.worker.state.WorkerState.TaskRecord;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The restart backoff of a failing task, driven by a manual clock: every restart waits exactly the policy's delay
 * (15 s, then 30 s) of injected time, and nothing else makes it go. No test thread sleeps.
 */
class AllocRunnerRestartTest {
    private static final Duration GUARD = Duration.ofSeconds(10);
    private static final long START_MS = 1_700_000_000_000L;

    @TempDir
    Path allocRoot;

    /** Every start "runs" a task that has already failed with exit code 1, and is recorded. */
    private static final class FailingDriver implements TaskDriver {
        final BlockingQueue<TaskRequest> starts = new LinkedBlockingQueue<>();
        final AtomicInteger pid = new AtomicInteger(100);
        final ManualTime time;

        FailingDriver(ManualTime time) {
            this.time = time;
        }

        @Override
        public String name() {
            return "fake";
        }

        @Override
        public DriverAvailability probe() {
            return DriverAvailability.usable("fake", "test");
        }

        @Override
        public TaskHandle start(TaskRequest request) {
            starts.add(request);
            Instant now = time.clock().instant();
            TaskResult failed = new TaskResult(TaskResult.Outcome.EXITED, 1, "exited with code 1", now, now);
            String taskId = Integer.toString(pid.incrementAndGet());
            return new TaskHandle() {
                @Override
                public String allocId() {
                    return request.allocId();
                }

                @Override
                public String taskId() {
                    return taskId;
                }

                @Override
                public CompletableFuture<TaskResult> result() {
                    return CompletableFuture.completedFuture(failed);
                }

                @Override
                public void stop(Duration grace) {}

                @Override
                public OutputBuffer output() {
                    return new OutputBuffer(1024);
                }
            };
        }

        @Override
        public Optional<TaskHandle> recover(String allocId) {
            return Optional.empty();
        }

        @Override
        public void close() {}
    }

    private static final class Recorder implements AllocRunner.Listener {
        final List<StatusRecord> statuses = new CopyOnWriteArrayList<>();

        @Override
        public void statusChanged(String allocId, StatusRecord status) {
            statuses.add(status);
        }

        @Override
        public void taskChanged(String allocId, TaskRecord task) {}

        StatusRecord last() {
            return statuses.get(statuses.size() - 1);
        }
    }

    @Test
    void restartsWaitTheBackoffOfInjectedTimeThenTheAllocationFails() throws Exception {
        ManualTime time = new ManualTime(START_MS);
        FailingDriver driver = new FailingDriver(time);
        RunnerContext ctx = new RunnerContext(Map.of("fake", driver), Map.of(), allocRoot, 7, time.clock(), time,
                Duration.ofSeconds(1));
        String group = """
                {"name": "web", "count": 1,
                 "tasks": [{"name": "main", "driver": "fake", "command": "false"}],
                 "restart": {"attempts": 2, "delay": 15, "max_delay": 60, "mode": "fail"}}""";
        Assignment assignment = new Assignment("a1", "job", "web", 0, "batch", 0, 0, group);
        Recorder recorder = new Recorder();
        AllocRunner runner = new AllocRunner(assignment, null, List.of(), ctx, recorder);

        runner.start();
        assertNotNull(driver.starts.poll(GUARD.toSeconds(), TimeUnit.SECONDS), "first run");

        // Restart 1 of 2 comes after 15 s.
        time.awaitWaitsBegun(1, GUARD);
        assertTrue(recorder.last().message().contains("restart 1 of 2 in 15s"), recorder.last().message());
        time.advance(Duration.ofSeconds(14));
        assertEquals(1, time.waiting(), "still in the 15 s delay");
        assertNull(driver.starts.poll(), "no restart before 15 s");
        time.advance(Duration.ofSeconds(1));
        assertNotNull(driver.starts.poll(GUARD.toSeconds(), TimeUnit.SECONDS), "restart 1 at 15 s");

        // Restart 2 of 2 comes after twice the delay.
        time.awaitWaitsBegun(2, GUARD);
        assertTrue(recorder.last().message().contains("restart 2 of 2 in 30s"), recorder.last().message());
        time.advance(Duration.ofSeconds(29));
        assertEquals(1, time.waiting(), "still in the 30 s delay");
        assertNull(driver.starts.poll(), "no restart before 30 s");
        time.advance(Duration.ofSeconds(1));
        assertNotNull(driver.starts.poll(GUARD.toSeconds(), TimeUnit.SECONDS), "restart 2 at 45 s");

        // Attempts used up: the allocation fails, finished at the injected time, 45 s after the start.
        runner.done().get(GUARD.toSeconds(), TimeUnit.SECONDS);
        StatusRecord terminal = recorder.last();
        assertEquals(AllocState.ALLOC_FAILED.name(), terminal.state());
        assertEquals(2, terminal.restarts());
        assertTrue(terminal.message().contains("after 2 restarts"), terminal.message());
        assertEquals(START_MS + 45_000, terminal.finishedUnixMs());
        assertEquals(START_MS, terminal.startedUnixMs());
        assertEquals(0, time.waiting());
    }

    @Test
    void aStopEndsTheRestartDelayWithoutTimePassing() throws Exception {
        ManualTime time = new ManualTime(START_MS);
        FailingDriver driver = new FailingDriver(time);
        RunnerContext ctx = new RunnerContext(Map.of("fake", driver), Map.of(), allocRoot, 7, time.clock(), time,
                Duration.ofSeconds(1));
        String group = """
                {"name": "web", "count": 1,
                 "tasks": [{"name": "main", "driver": "fake", "command": "false"}],
                 "restart": {"attempts": 5, "delay": 600, "mode": "fail"}}""";
        Recorder recorder = new Recorder();
        AllocRunner runner = new AllocRunner(new Assignment("a2", "job", "web", 0, "service", 0, 0, group), null,
                List.of(), ctx, recorder);

        runner.start();
        assertNotNull(driver.starts.poll(GUARD.toSeconds(), TimeUnit.SECONDS), "first run");
        time.awaitWaitsBegun(1, GUARD);
        runner.stop("deleted by the server");
        runner.done().get(GUARD.toSeconds(), TimeUnit.SECONDS);
        assertEquals(AllocState.ALLOC_STOPPED.name(), recorder.last().state());
        assertNull(driver.starts.poll(), "not restarted after the stop");
        assertEquals(0, time.nanoTime(), "no time passed");
    }
}
