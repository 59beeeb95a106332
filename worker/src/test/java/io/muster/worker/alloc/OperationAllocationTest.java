package io.muster.worker.alloc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.muster.proto.AllocState;
import io.muster.proto.AllocStatus;
import io.muster.proto.Allocation;
import io.muster.proto.AssignmentEvent;
import io.muster.proto.PollResponse;
import io.muster.worker.action.ActionBackend;
import io.muster.worker.action.ActionBackends;
import io.muster.worker.action.ActionContext;
import io.muster.worker.action.ActionDriver;
import io.muster.worker.action.ActionResult;
import io.muster.worker.action.Commands;
import io.muster.worker.driver.DriverAvailability;
import io.muster.worker.driver.OutputBuffer;
import io.muster.worker.state.StateStore;
import io.muster.worker.state.WorkerState;
import io.muster.worker.state.WorkerState.StatusRecord;
import io.muster.worker.state.WorkerState.TaskRecord;
import io.muster.worker.util.Ticker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Operation allocations end to end on the worker side: the exact group spec a server sends for an action task, the
 * output excerpt in the final status (operations only), and that an allocation already finished is never run again
 * when it is assigned again (a full snapshot after a failover), also across a worker restart.
 */
class OperationAllocationTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dataDir;

    private final AtomicInteger runs = new AtomicInteger();
    private final List<ActionDriver> drivers = new ArrayList<>();

    /** Counts its runs, so a second run cannot go unseen. */
    private final ActionBackend counter = new ActionBackend() {
        public String name() { return "counter"; }
        public List<String> actions() { return List.of("count"); }
        public boolean changesSystem() { return false; }
        public ActionResult run(String action, Map<String, String> params, ActionContext ctx) {
            ctx.print("run " + runs.incrementAndGet());
            return ActionResult.success("counted");
        }
    };

    @AfterEach
    void closeDrivers() {
        drivers.forEach(ActionDriver::close);
    }

    private static String group(String backend, String action, String paramsJson) {
        return """
                {"name":"0.1","count":1,"placement":"pack","constraints":[],\
                "restart":{"attempts":0,"delay":0,"max_delay":0,"mode":"fail"},\
                "reschedule":{"attempts":0,"interval":0,"delay":0,"max_delay":0,"unlimited":false},\
                "tasks":[{"name":"action","driver":"action","action":{"backend":"%s","action":"%s","params":%s},\
                "args":[],"env":{},"resources":{"cpu":0,"memory":0},"timeout":300,"network":false}]}"""
                .formatted(backend, action, paramsJson);
    }

    private RunnerContext context() {
        List<ActionBackend> backends = new ArrayList<>(ActionBackends.builtIn());
        backends.add(counter);
        Clock clock = Clock.systemUTC();
        ActionDriver driver = new ActionDriver(new ActionDriver.Config(dataDir.resolve("allocs"),
                new ActionBackends(backends, List.of()), Commands.local(clock), ActionContext.Sleeper.REAL,
                OutputBuffer.DEFAULT_CAPACITY, 1 << 20, clock));
        drivers.add(driver);
        return new RunnerContext(Map.of("action", driver), Map.of("action", DriverAvailability.usable("action", "test")),
                dataDir.resolve("allocs"), 7, clock, Ticker.SYSTEM, Duration.ofSeconds(1));
    }

    private static final class Recorder implements AllocRunner.Listener {
        final List<StatusRecord> statuses = new CopyOnWriteArrayList<>();

        public void statusChanged(String allocId, StatusRecord status) {
            statuses.add(status);
        }

        public void taskChanged(String allocId, TaskRecord task) {}

        StatusRecord last() {
            return statuses.get(statuses.size() - 1);
        }
    }

    private StatusRecord runToEnd(String jobType, String groupJson) throws Exception {
        Recorder recorder = new Recorder();
        AllocRunner runner = new AllocRunner(new Assignment("op-" + jobType, "deploy", "0.1", 0, jobType, 0, 0, groupJson),
                null, List.of(), context(), recorder);
        runner.start();
        runner.done().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        return recorder.last();
    }

    @Test
    void anOperationsFinalStatusCarriesTheEndOfItsOutputCutAtACharacterBoundary() throws Exception {
        // 600 lines of "é" (2 bytes) and a newline: 1800 bytes, so the excerpt must cut, and may not split an é.
        String text = "éé\\n".repeat(300) + "last line";
        StatusRecord end = runToEnd("operation", group("test", "output", "{\"text\":\"" + text + "\"}"));
        assertEquals(AllocState.ALLOC_COMPLETE.name(), end.state(), end.message());
        String out = end.output();
        byte[] bytes = out.getBytes(StandardCharsets.UTF_8);
        assertTrue(bytes.length <= 1024 && bytes.length >= 1020, "at most 1 KiB, cut near it: " + bytes.length);
        assertTrue(out.endsWith("éé\nlast line\n"), out);
        assertTrue(out.startsWith("é") || out.startsWith("\n"), "starts on a character: " + out.substring(0, 3));
        assertEquals(out, new String(bytes, StandardCharsets.UTF_8), "valid UTF-8");

        AllocStatus proto = StatusOutbox.toProto("op-operation", end);
        assertEquals(out, proto.getOutput());
    }

    @Test
    void aFailedOperationReportsItsStderrAndOtherJobTypesReportNoOutput() throws Exception {
        StatusRecord failed = runToEnd("operation", group("test", "fail", "{\"message\":\"disk full\"}"));
        assertEquals(AllocState.ALLOC_FAILED.name(), failed.state());
        assertEquals(1, failed.exitCode());
        assertEquals("disk full\n", failed.output(), "no stdout, so the end of stderr");
        assertTrue(failed.message().contains("disk full"), failed.message());

        StatusRecord disabled = runToEnd("operation", group("apt", "install", "{\"package\":\"nginx\"}"));
        assertEquals(AllocState.ALLOC_FAILED.name(), disabled.state());
        assertTrue(disabled.message().contains("backend apt is not enabled on this worker"), disabled.message());

        StatusRecord batch = runToEnd("batch", group("test", "output", "{\"text\":\"hi\"}"));
        assertEquals(AllocState.ALLOC_COMPLETE.name(), batch.state());
        assertNull(batch.output(), "only operations carry the excerpt");
        assertEquals("", StatusOutbox.toProto("b", batch).getOutput());
    }

    // ---- idempotency ----

    private static PollResponse poll(long revision, boolean snapshot, String allocId, String groupJson) {
        return PollResponse.newBuilder().setRevision(revision).setFullSnapshot(snapshot)
                .addEvents(AssignmentEvent.newBuilder().setRevision(revision).setSet(Allocation.newBuilder()
                        .setId(allocId).setJobId("deploy").setGroup("0.1").setJobType("operation")
                        .setGroupSpecJson(ByteString.copyFromUtf8(groupJson)))).build();
    }

    private static void await(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            LockSupport.parkNanos(10_000_000);
        }
    }

    private static AllocStatus statusOf(Allocations allocations, String allocId) {
        return allocations.pendingReport().statuses().stream().filter(s -> s.getAllocId().equals(allocId)).findFirst()
                .orElseThrow(() -> new AssertionError("no pending status for " + allocId));
    }

    @Test
    void aFinishedAllocationAssignedAgainIsNotRunAgainAndItsFinalStatusIsReportedAgain() throws Exception {
        String group = group("counter", "count", "{}");
        StateStore store = new StateStore(dataDir.resolve("worker"));
        Allocations allocations = new Allocations(context(), store, () -> {});
        allocations.apply(poll(5, false, "attempt-1", group));
        await(() -> "ALLOC_COMPLETE".equals(allocations.states().get("attempt-1")), "the action to complete");
        assertEquals(1, runs.get());
        Allocations.Report report = allocations.pendingReport();
        assertEquals("run 1\n", statusOf(allocations, "attempt-1").getOutput());
        allocations.acknowledged(report);
        assertTrue(allocations.pendingReport().statuses().isEmpty(), "acknowledged");

        // A new leader's full snapshot still lists it (it missed the final status): not run, reported again.
        allocations.apply(poll(9, true, "attempt-1", group));
        AllocStatus again = statusOf(allocations, "attempt-1");
        assertEquals(AllocState.ALLOC_COMPLETE, again.getState());
        assertEquals("run 1\n", again.getOutput());
        assertEquals(1, runs.get(), "not run a second time");

        // The same after a worker restart: the saved state knows it finished.
        allocations.detach();
        WorkerState saved = store.load().orElseThrow();
        Allocations restarted = new Allocations(context(), store, () -> {});
        restarted.restore(saved);
        restarted.apply(poll(10, true, "attempt-1", group));
        assertEquals(AllocState.ALLOC_COMPLETE, statusOf(restarted, "attempt-1").getState());
        assertEquals("run 1\n", statusOf(restarted, "attempt-1").getOutput(), "the excerpt survives the restart");
        assertEquals(1, runs.get(), "not run a second time after a restart either");
        restarted.detach();
    }

    @Test
    void anActionRunningWhenTheWorkerStoppedIsReportedFailedAfterTheRestartNotRunAgain() throws Exception {
        // The worker died after recording the task's start, before the action's end: state says running.
        String group = group("counter", "count", "{}");
        StateStore store = new StateStore(dataDir.resolve("worker"));
        Path taskDir = java.nio.file.Files.createDirectories(dataDir.resolve("allocs").resolve("attempt-2"));
        java.nio.file.Files.writeString(taskDir.resolve(".muster-action"),
                "{\"backend\":\"counter\",\"action\":\"count\",\"startedUnixMs\":1,\"finished\":false}");
        WorkerState crashed = new WorkerState(WorkerState.CURRENT_VERSION, 7, 3, false, 0, List.of(
                new WorkerState.AllocRecord("attempt-2", "deploy", "0.1", 0, "operation", 0, 0, group, true,
                        List.of(new TaskRecord("action", "action", "attempt-2", "action counter count", 0)),
                        new StatusRecord(AllocState.ALLOC_RUNNING.name(), 0, "running", 1, 0, 0))));
        Allocations restarted = new Allocations(context(), store, () -> {});
        restarted.restore(crashed);
        await(() -> "ALLOC_FAILED".equals(restarted.states().get("attempt-2")), "the lost action to be reported failed");
        AllocStatus s = statusOf(restarted, "attempt-2");
        assertTrue(s.getMessage().contains("was running when the worker process stopped"), s.getMessage());
        assertEquals(0, runs.get(), "the action is not run again");
        restarted.detach();
    }
}
