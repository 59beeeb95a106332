package io.muster.worker;

import static io.muster.worker.WorkerHarness.alloc;
import static io.muster.worker.WorkerHarness.shGroup;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.muster.proto.AllocState;
import io.muster.proto.AllocStatus;
import io.muster.proto.LogsReply;
import io.muster.proto.StatusReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Assignment events in, real exec tasks run, statuses out, against one fake server. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class AllocationTest {
    @TempDir
    Path dataDir;
    private WorkerHarness h;
    private WorkerDaemon worker;
    private long node;

    @BeforeEach
    void setUp() throws Exception {
        h = new WorkerHarness(dataDir, 1);
        worker = h.startRunning(h.cluster.token(1));
        node = worker.nodeId();
    }

    @AfterEach
    void tearDown() throws Exception {
        h.close();
    }

    @Test
    void batchTasksReportRunningThenTheirExitCode() throws Exception {
        h.cluster.set(node, alloc("ok", "batch", shGroup("echo hi", 0)));
        AllocStatus ok = h.awaitState("ok", AllocState.ALLOC_COMPLETE);
        assertEquals(0, ok.getExitCode());
        assertTrue(ok.getStartedUnixMs() > 0 && ok.getFinishedUnixMs() >= ok.getStartedUnixMs(), ok.toString());
        assertTrue(ok.getMessage().contains("exited with code 0"), ok.getMessage());

        // The first attempt waits for a go-ahead, so its RUNNING report cannot coalesce with the exit that follows
        // (statuses are reported latest-first: a task that ends within one report interval is never seen running).
        Path go = dataDir.resolve("go-bad");
        h.cluster.set(node, alloc("bad", "batch", shGroup("while [ ! -e '" + go + "' ]; do sleep 0.05; done; exit 3", 1)));
        h.awaitState("bad", AllocState.ALLOC_RUNNING);
        Files.createFile(go);
        AllocStatus bad = h.awaitState("bad", AllocState.ALLOC_FAILED);
        assertEquals(3, bad.getExitCode());
        assertEquals(1, bad.getRestarts(), "one restart allowed by the policy, then failed");
        assertTrue(bad.getMessage().contains("exited with code 3"), bad.getMessage());
        assertTrue(h.everReported("bad", AllocState.ALLOC_RUNNING));

        Await.until("the statuses to be acknowledged (nothing left to report)",
                () -> lastReport().getAllocationsCount() == 0, () -> lastReport().toString());
        assertEquals(h.cluster.revision(), worker.status().lastRevision());
    }

    @Test
    void aServiceRunsUntilTheServerDeletesIt() throws Exception {
        h.cluster.set(node, alloc("svc", "service", shGroup("echo serving; exec sleep 30", 0)));
        AllocStatus running = h.awaitState("svc", AllocState.ALLOC_RUNNING);
        assertTrue(running.getStartedUnixMs() > 0);
        assertEquals(java.util.Set.of("svc"), worker.status().runningAllocs());
        long pid = Long.parseLong(Files.readString(dataDir.resolve("allocs/svc/.muster-exec-task")).lines()
                .filter(l -> l.startsWith("pid=")).findFirst().orElseThrow().substring(4));
        assertTrue(ProcessHandle.of(pid).isPresent());

        h.cluster.delete(node, "svc");
        AllocStatus stopped = h.awaitState("svc", AllocState.ALLOC_STOPPED);
        assertTrue(stopped.getMessage().startsWith("stopped: deleted by the server"), stopped.getMessage());
        Await.until("the task process to be gone", () -> ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true));
        // Deleted, final status acknowledged: the record and its logs stay until the retention ends, then both go.
        Await.until("the final status to be acknowledged", () -> lastReport().getAllocationsCount() == 0);
        assertEquals("stopped", worker.status().allocations().get("svc"));
        LogsReply logs = Await.get(h.cluster.fetchLogs(node, "svc", 4096), "logs of the stopped allocation");
        assertTrue(logs.getFound(), logs.getError());
        assertEquals("serving\n", logs.getStdout().toStringUtf8());
        h.cluster.clock.advance(java.time.Duration.ofHours(25));
        Await.until("the allocation to be forgotten", () -> !worker.status().allocations().containsKey("svc")
                && !Files.exists(dataDir.resolve("allocs/svc")), () -> worker.status().toString());
    }

    @Test
    void finishedAllocationsAreForgottenAfterTheRetentionPeriod() {
        h.cluster.set(node, alloc("old", "batch", shGroup("true", 0)));
        h.awaitState("old", AllocState.ALLOC_COMPLETE);
        Await.until("the final status to be acknowledged", () -> lastReport().getAllocationsCount() == 0);
        assertEquals("complete", worker.status().allocations().get("old"), "kept for a while (logs, repeated Sets)");
        assertTrue(Files.isDirectory(dataDir.resolve("allocs/old")));

        h.cluster.clock.advance(java.time.Duration.ofHours(25));
        Await.until("the finished allocation to be forgotten", () -> !worker.status().allocations().containsKey("old")
                && !Files.exists(dataDir.resolve("allocs/old")), () -> worker.status().toString());
    }

    @Test
    void aServiceThatExitsIsRestartedAndFailsOnceItsAttemptsAreUsed() {
        h.cluster.set(node, alloc("flaky", "service", shGroup("exit 0", 2)));
        AllocStatus done = h.awaitState("flaky", AllocState.ALLOC_COMPLETE);
        assertEquals(2, done.getRestarts(), "services restart on any exit, even a clean one");
    }

    @Test
    void tasksSeeTheirEnvironmentAndTheirLogsAreServedOverTheControlStream() {
        h.cluster.set(node, alloc("logs", "batch", shGroup(
                "echo \"$GREETING $MUSTER_ALLOC_ID $MUSTER_JOB_ID $MUSTER_NODE_ID $MUSTER_ALLOC_INDEX\"; echo oops >&2", 0)));
        h.awaitState("logs", AllocState.ALLOC_COMPLETE);
        Await.until("the control stream", () -> h.cluster.hasControlStream(node));

        LogsReply reply = Await.get(h.cluster.fetchLogs(node, "logs", 4096), "logs");
        assertTrue(reply.getFound(), reply.toString());
        assertEquals("hello logs job-logs " + node + " 3\n", reply.getStdout().toStringUtf8());
        assertEquals("oops\n", reply.getStderr().toStringUtf8());
        assertEquals(0, reply.getStdoutDropped());

        LogsReply tail = Await.get(h.cluster.fetchLogs(node, "logs", 3), "a bounded log tail");
        assertEquals("3\n", tail.getStdout().toStringUtf8().substring(1));
        assertEquals(reply.getStdout().size() - 3, tail.getStdoutDropped());

        LogsReply missing = Await.get(h.cluster.fetchLogs(node, "nope", 100), "logs of an unknown allocation");
        assertFalse(missing.getFound());
        assertTrue(missing.getError().contains("nope"), missing.getError());
    }

    @Test
    void aFullSnapshotStopsAllocationsThatAreNotInIt() {
        var keep = alloc("keep", "service", shGroup("exec sleep 30", 0));
        var drop = alloc("drop", "service", shGroup("exec sleep 30", 0));
        h.cluster.set(node, keep);
        h.cluster.set(node, drop);
        h.awaitState("keep", AllocState.ALLOC_RUNNING);
        h.awaitState("drop", AllocState.ALLOC_RUNNING);

        h.cluster.snapshotNext(node, List.of(keep));
        AllocStatus dropped = h.awaitState("drop", AllocState.ALLOC_STOPPED);
        assertTrue(dropped.getMessage().contains("not in the server's assignment snapshot"), dropped.getMessage());
        assertEquals(AllocState.ALLOC_RUNNING, h.cluster.latestStatus("keep").getState());
        Await.until("the snapshot's revision to be recorded", () -> worker.status().lastRevision() == h.cluster.revision());
        assertEquals(java.util.Set.of("keep"), worker.status().runningAllocs());
    }

    @Test
    void drainTakesNoNewWorkAndReportsCompleteOnceNothingRuns() {
        h.cluster.set(node, alloc("long", "service", shGroup("exec sleep 30", 0)));
        h.awaitState("long", AllocState.ALLOC_RUNNING);

        h.cluster.drain(node, true);
        Await.until("the worker to enter the drain", () -> worker.status().draining());
        h.cluster.set(node, alloc("late", "service", shGroup("exec sleep 30", 0)));
        int reportsBefore = h.cluster.reports.size();
        Await.until("a heartbeat while draining", () -> h.cluster.reports.size() > reportsBefore + 1);
        assertFalse(lastReport().getDrainComplete(), "an allocation still runs");

        h.cluster.delete(node, "long");
        h.awaitState("long", AllocState.ALLOC_STOPPED);
        Await.until("drain_complete", () -> lastReport().getDrainComplete(), () -> lastReport().toString());
        assertNull(h.cluster.latestStatus("late"), "a new allocation must not start while draining");
        assertTrue(worker.status().runningAllocs().isEmpty());

        h.cluster.drain(node, false);
        Await.until("the drain to be cancelled", () -> !worker.status().draining());
        h.cluster.set(node, alloc("after", "batch", shGroup("true", 0)));
        h.awaitState("after", AllocState.ALLOC_COMPLETE);
    }

    @Test
    void theJobDeadlineStopsAndFailsTheAllocation() {
        h.cluster.set(node, alloc("late", "batch", shGroup("exec sleep 30", 0)).toBuilder()
                .setJobDeadlineUnixMs(h.cluster.clock.millis() + 2_000).build());
        // Not waiting for a RUNNING report: on a loaded machine running and failed may coalesce into one report.
        AllocStatus failed = h.awaitState("late", AllocState.ALLOC_FAILED);
        assertTrue(failed.getMessage().contains("job deadline"), failed.getMessage());
        assertTrue(failed.getStartedUnixMs() > 0, "the task ran before the deadline stopped it");
    }

    @Test
    void anUnusableSpecFailsTheAllocationWithTheReason() {
        h.cluster.set(node, alloc("empty", "batch", "{\"name\":\"web\",\"tasks\":[]}"));
        assertTrue(h.awaitState("empty", AllocState.ALLOC_FAILED).getMessage().contains("has no tasks"));
        h.cluster.set(node, alloc("dock", "batch",
                "{\"name\":\"web\",\"tasks\":[{\"name\":\"t\",\"driver\":\"docker\",\"image\":\"x\"}]}"));
        assertTrue(h.awaitState("dock", AllocState.ALLOC_FAILED).getMessage().contains("'docker' driver"),
                h.cluster.latestStatus("dock").getMessage());
        h.cluster.set(node, alloc("nocmd", "batch", "{\"name\":\"web\",\"tasks\":[{\"name\":\"t\",\"driver\":\"exec\","
                + "\"command\":\"/no/such/program\"}],\"restart\":{\"attempts\":0}}"));
        assertTrue(h.awaitState("nocmd", AllocState.ALLOC_FAILED).getMessage().contains("/no/such/program"),
                h.cluster.latestStatus("nocmd").getMessage());
    }

    @Test
    void allTasksOfAGroupRunTogether() {
        String group = "{\"name\":\"web\",\"tasks\":["
                + "{\"name\":\"a\",\"driver\":\"exec\",\"command\":\"sh\",\"args\":[\"-c\",\"echo from-a\"]},"
                + "{\"name\":\"b\",\"driver\":\"exec\",\"command\":\"sh\",\"args\":[\"-c\",\"echo from-b\"]}],"
                + "\"restart\":{\"attempts\":0,\"delay\":0,\"max_delay\":0,\"mode\":\"fail\"}}";
        h.cluster.set(node, alloc("pair", "batch", group));
        assertTrue(h.awaitState("pair", AllocState.ALLOC_COMPLETE).getMessage().contains("all 2 tasks completed"));
        LogsReply logs = Await.get(h.cluster.fetchLogs(node, "pair", 4096), "logs");
        assertEquals("==> task a <==\nfrom-a\n==> task b <==\nfrom-b\n", logs.getStdout().toStringUtf8());
        assertTrue(Files.isDirectory(dataDir.resolve("allocs/pair.a")) && Files.isDirectory(dataDir.resolve("allocs/pair.b")));
    }

    @Test
    void aRevokedNodeStopsItsTasksAndEndsWithoutRegisteringAgain() throws Exception {
        h.cluster.set(node, alloc("svc", "service", shGroup("echo serving; exec sleep 30", 0)));
        h.awaitState("svc", AllocState.ALLOC_RUNNING);
        long pid = Long.parseLong(Files.readString(dataDir.resolve("allocs/svc/.muster-exec-task")).lines()
                .filter(l -> l.startsWith("pid=")).findFirst().orElseThrow().substring(4));

        h.cluster.revoke(node);
        WorkerException e = org.junit.jupiter.api.Assertions.assertThrows(WorkerException.class, worker::awaitTermination);
        assertTrue(e.getMessage().startsWith("node " + node + " was revoked by the cluster"), e.getMessage());
        assertTrue(e.getMessage().contains("start the worker with a new join token"), e.getMessage());
        assertTrue(ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true), "the revoked node's task must be stopped");
        assertEquals(1, h.cluster.registrations.size());
    }

    private StatusReport lastReport() {
        List<StatusReport> reports = h.cluster.reports;
        return reports.get(reports.size() - 1);
    }
}
