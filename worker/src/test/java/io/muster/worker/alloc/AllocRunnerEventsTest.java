package io.muster.worker.alloc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.muster.proto.AllocEventType;
import io.muster.proto.AllocStatus;
import io.muster.worker.driver.DriverAvailability;
import io.muster.worker.driver.OutputBuffer;
import io.muster.worker.driver.TaskDriver;
import io.muster.worker.driver.TaskHandle;
import io.muster.worker.driver.TaskRequest;
import io.muster.worker.driver.TaskResult;
import io.muster.worker.fake.ManualTime;
import io.muster.worker.state.WorkerState.EventRecord;
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
 * The events a worker reports for an allocation: received, each start with its pid, each timeout with the limit as
 * people write it ("3s"), each restart as it is decided (before its delay), and the end; numbered for the server.
 */
class AllocRunnerEventsTest {
    private static final Duration GUARD = Duration.ofSeconds(10);
    private static final long START_MS = 1_700_000_000_000L;

    @TempDir
    Path allocRoot;

    /** Every run "times out" at once (the driver's TIMED_OUT outcome, exit code 143). */
    private static final class TimingOutDriver implements TaskDriver {
        final BlockingQueue<TaskRequest> starts = new LinkedBlockingQueue<>();
        final AtomicInteger pid = new AtomicInteger(100);
        final ManualTime time;
        final java.util.function.Function<Instant, TaskResult> outcome;

        TimingOutDriver(ManualTime time) {
            this(time, now -> new TaskResult(TaskResult.Outcome.TIMED_OUT, 143, "timed out after 3s; process group killed", now, now));
        }

        TimingOutDriver(ManualTime time, java.util.function.Function<Instant, TaskResult> outcome) {
            this.time = time;
            this.outcome = outcome;
        }

        @Override
        public String name() {
            return "exec";
        }

        @Override
        public DriverAvailability probe() {
            return DriverAvailability.usable("exec", "test");
        }

        @Override
        public TaskHandle start(TaskRequest request) {
            starts.add(request);
            Instant now = time.clock().instant();
            TaskResult r = outcome.apply(now);
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
                    return CompletableFuture.completedFuture(r);
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
            return statuses.getLast();
        }
    }

    private static List<String> messages(StatusRecord s) {
        return s.events().stream().map(EventRecord::message).toList();
    }

    @Test
    void timeoutsAndRestartsAreReportedAsTheyHappen() throws Exception {
        ManualTime time = new ManualTime(START_MS);
        TimingOutDriver driver = new TimingOutDriver(time);
        RunnerContext ctx = new RunnerContext(Map.of("exec", driver), Map.of(), allocRoot, 7, time.clock(), time, Duration.ofSeconds(1));
        String group = """
                {"name": "main", "count": 1,
                 "tasks": [{"name": "sleeper", "driver": "exec", "command": "sleep", "args": ["30"], "timeout": 3}],
                 "restart": {"attempts": 1, "delay": 15, "mode": "fail"}}""";
        Recorder recorder = new Recorder();
        AllocRunner runner = new AllocRunner(new Assignment("a1", "job", "main", 0, "batch", 0, 0, group), null, List.of(), ctx, recorder);

        runner.start();
        assertNotNull(driver.starts.poll(GUARD.toSeconds(), TimeUnit.SECONDS), "first run");
        // The restart is reported when it is decided, while its 15 s delay has not begun to pass.
        time.awaitWaitsBegun(1, GUARD);
        assertEquals(List.of("received by node 7", "task sleeper started: exec pid 101", "task sleeper timed out after 3s",
                "task sleeper: restart 1 of 1 in 15s after timing out"), messages(recorder.last()));
        time.advance(Duration.ofSeconds(15));
        runner.done().get(GUARD.toSeconds(), TimeUnit.SECONDS);

        StatusRecord end = recorder.last();
        assertEquals(List.of("received by node 7", "task sleeper started: exec pid 101", "task sleeper timed out after 3s",
                "task sleeper: restart 1 of 1 in 15s after timing out", "task sleeper started: exec pid 102",
                "task sleeper timed out after 3s", "task sleeper: timed out after 3s; process group killed (after 1 restart)"), messages(end));
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L), end.events().stream().map(EventRecord::seq).toList());
        assertEquals(START_MS + 15_000, end.events().get(4).timeUnixMs(), "stamped with the worker's (injected) clock");

        // What goes to the server: the same events, typed and numbered.
        AllocStatus proto = StatusOutbox.toProto("a1", end);
        assertEquals(List.of(AllocEventType.ALLOC_EVENT_RECEIVED, AllocEventType.ALLOC_EVENT_TASK_STARTED, AllocEventType.ALLOC_EVENT_TIMED_OUT,
                AllocEventType.ALLOC_EVENT_RESTARTING, AllocEventType.ALLOC_EVENT_TASK_STARTED, AllocEventType.ALLOC_EVENT_TIMED_OUT,
                AllocEventType.ALLOC_EVENT_FAILED), proto.getEventsList().stream().map(io.muster.proto.AllocEvent::getType).toList());
        assertEquals(7, proto.getEvents(6).getSeq());
    }

    @Test
    void anOutOfMemoryKillIsReportedAsSuchWhenTheDriverCanTell() throws Exception {
        ManualTime time = new ManualTime(START_MS);
        TimingOutDriver driver = new TimingOutDriver(time, now -> new TaskResult(TaskResult.Outcome.EXITED, 137,
                "container exited with code 137; " + TaskResult.OOM_NOTE, now, now));
        RunnerContext ctx = new RunnerContext(Map.of("exec", driver), Map.of(), allocRoot, 7, time.clock(), time, Duration.ofSeconds(1));
        String group = """
                {"name": "main", "count": 1, "tasks": [{"name": "hog", "driver": "exec", "command": "hog"}],
                 "restart": {"attempts": 0, "mode": "fail"}}""";
        Recorder recorder = new Recorder();
        AllocRunner runner = new AllocRunner(new Assignment("a2", "job", "main", 0, "batch", 0, 0, group), null, List.of(), ctx, recorder);
        runner.start();
        runner.done().get(GUARD.toSeconds(), TimeUnit.SECONDS);
        List<EventRecord> events = recorder.last().events();
        assertEquals("ALLOC_EVENT_OOM_KILLED", events.get(events.size() - 2).type());
        assertEquals("task hog ran out of memory and was killed (exit code 137)", events.get(events.size() - 2).message());
        assertEquals("ALLOC_EVENT_FAILED", events.getLast().type());
    }

    @Test
    void aReattachedRunnerGoesOnNumberingAndKeepsTheBound() {
        List<EventRecord> old = new java.util.ArrayList<>();
        for (int i = 1; i <= EventRecord.KEPT; i++) old.add(new EventRecord(i, START_MS + i, "ALLOC_EVENT_RESTARTING", "r" + i));
        StatusRecord before = new StatusRecord("ALLOC_RUNNING", 0, "running", START_MS, 0, 3).withEvents(old);
        assertEquals(EventRecord.KEPT, before.lastEventSeq());
        AllocStatus proto = StatusOutbox.toProto("a1", before);
        assertEquals(EventRecord.KEPT, proto.getEventsCount());
        // An unknown type name (a state file from a newer worker) travels as unspecified: the server skips it.
        StatusRecord odd = before.withEvents(List.of(new EventRecord(21, START_MS, "ALLOC_EVENT_FROM_THE_FUTURE", "?")));
        assertEquals(AllocEventType.ALLOC_EVENT_TYPE_UNSPECIFIED, StatusOutbox.toProto("a1", odd).getEvents(0).getType());
    }
}
