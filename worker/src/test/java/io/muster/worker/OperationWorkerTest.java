package io.muster.worker;

import static io.muster.worker.WorkerHarness.alloc;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.muster.proto.AllocState;
import io.muster.proto.AllocStatus;
import io.muster.proto.Allocation;
import io.muster.proto.BackendInfo;
import io.muster.proto.LogsReply;
import io.muster.proto.NodeProfile;
import io.muster.types.config.WorkerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A whole worker running operation allocations against the fake cluster: the action driver and the enabled backends
 * are advertised at registration, actions run with their output in the status and the logs, a backend that is not
 * enabled fails the allocation, and an allocation finished before a full snapshot lists it again is not run again.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class OperationWorkerTest {
    @TempDir
    Path dataDir;
    private WorkerHarness h;

    @AfterEach
    void tearDown() throws Exception {
        if (h != null) {
            h.close();
        }
    }

    private static String actionGroup(String backend, String action, String paramsJson) {
        return """
                {"name":"0.1","count":1,"placement":"pack","constraints":[],\
                "restart":{"attempts":0,"delay":0,"max_delay":0,"mode":"fail"},\
                "reschedule":{"attempts":0,"interval":0,"delay":0,"max_delay":0,"unlimited":false},\
                "tasks":[{"name":"action","driver":"action","action":{"backend":"%s","action":"%s","params":%s},\
                "args":[],"env":{},"resources":{"cpu":0,"memory":0},"network":false}]}"""
                .formatted(backend, action, paramsJson);
    }

    private WorkerDaemon start(List<String> backends) throws Exception {
        h = new WorkerHarness(dataDir, 1);
        WorkerConfig base = h.config(h.cluster.token(1));
        WorkerDaemon w = h.daemon(new WorkerConfig(base.dataDir(), base.servers(), base.token(), null, null, base.labels(), backends));
        w.start();
        WorkerHarness.awaitRunning(w);
        return w;
    }

    @Test
    void theActionDriverAndTheEnabledBackendsAreAdvertised() throws Exception {
        start(List.of("file"));
        NodeProfile profile = h.cluster.registrations.get(0).getProfile();
        assertTrue(profile.getDriversList().containsAll(List.of("exec", "action")), profile.getDriversList().toString());
        // reverse: the test class path's ServiceLoader plugin (read-only, so always on).
        assertEquals(List.of("file", "ping", "reverse", "sysinfo", "test"),
                profile.getBackendsList().stream().map(BackendInfo::getName).toList());
        assertEquals(List.of("write", "remove", "checksum"), profile.getBackends(0).getActionsList());
    }

    @Test
    void anUnknownBackendInTheConfigStopsTheStartNamingTheKnownOnes() throws Exception {
        h = new WorkerHarness(dataDir, 1);
        WorkerConfig base = h.config(h.cluster.token(1));
        WorkerDaemon w = h.daemon(new WorkerConfig(base.dataDir(), base.servers(), base.token(), null, null, base.labels(), List.of("yum")));
        WorkerException e = assertThrows(WorkerException.class, w::start);
        assertTrue(e.getMessage().contains("unknown action backend 'yum'") && e.getMessage().contains("apt, file, ping"), e.getMessage());
    }

    @Test
    void operationAllocationsRunActionsReportTheirOutputAndAreNeverRunTwice() throws Exception {
        WorkerDaemon worker = start(List.of());
        long node = worker.nodeId();

        Allocation hello = alloc("op-hello", "operation", actionGroup("test", "output", "{\"text\":\"hello from the action\"}"));
        h.cluster.set(node, hello);
        AllocStatus done = h.awaitState("op-hello", AllocState.ALLOC_COMPLETE);
        assertEquals(0, done.getExitCode());
        assertEquals("hello from the action\n", done.getOutput());
        Await.until("the control stream", () -> h.cluster.hasControlStream(node));
        LogsReply logs = Await.get(h.cluster.fetchLogs(node, "op-hello", 4096), "logs");
        assertEquals("hello from the action\n", logs.getStdout().toStringUtf8());

        h.cluster.set(node, alloc("op-apt", "operation", actionGroup("apt", "install", "{\"package\":\"nginx\"}")));
        AllocStatus refused = h.awaitState("op-apt", AllocState.ALLOC_FAILED);
        assertTrue(refused.getMessage().contains(
                "backend apt is not enabled on this worker (enable it with backends: [apt] in the worker config)"), refused.getMessage());

        // A new leader's full snapshot lists the finished allocation again: reported again, not run again.
        int reportsBefore = (int) h.cluster.statusHistory.stream().filter(s -> s.getAllocId().equals("op-hello")).count();
        h.cluster.snapshotNext(node, List.of(hello));
        Await.until("the final status to be reported again", () -> h.cluster.statusHistory.stream()
                .filter(s -> s.getAllocId().equals("op-hello")).count() > reportsBefore);
        assertEquals(AllocState.ALLOC_COMPLETE, h.cluster.latestStatus("op-hello").getState());
        assertEquals("hello from the action\n", Files.readString(dataDir.resolve("allocs/op-hello/stdout.log")),
                "the action ran once");
    }
}
