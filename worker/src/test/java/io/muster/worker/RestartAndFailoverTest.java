package io.muster.worker;

import static io.muster.worker.WorkerHarness.alloc;
import static io.muster.worker.WorkerHarness.shGroup;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.muster.pki.pem.Pem;
import io.muster.proto.AllocState;
import io.muster.proto.PollRequest;
import io.muster.worker.fake.FakeServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** What must survive: a worker restart, a dead server, a lagging server, a certificate reaching its end. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class RestartAndFailoverTest {
    @TempDir
    Path dataDir;
    private WorkerHarness h;

    @BeforeEach
    void setUp() throws Exception {
        h = new WorkerHarness(dataDir, 2);
    }

    @AfterEach
    void tearDown() throws Exception {
        h.close();
    }

    @Test
    void aRestartedWorkerResumesFromItsRevisionAndReattachesToItsTasks() throws Exception {
        WorkerDaemon first = h.startRunning(h.cluster.token(1));
        long node = first.nodeId();
        h.cluster.set(node, alloc("svc", "service", shGroup("exec sleep 30", 0)));
        h.cluster.set(node, alloc("done", "batch", shGroup("true", 0)));
        h.awaitState("svc", AllocState.ALLOC_RUNNING);
        h.awaitState("done", AllocState.ALLOC_COMPLETE);
        long revision = h.cluster.revision();
        Await.until("revision " + revision + " to be applied", () -> first.status().lastRevision() == revision);
        String pid = taskHandleId("svc");
        first.close();

        assertTrue(ProcessHandle.of(Long.parseLong(pid)).map(ProcessHandle::isAlive).orElse(false),
                "closing the worker must leave its tasks running");
        JsonNode saved = state();
        assertEquals(revision, saved.get("last_revision").asLong());
        assertEquals(node, saved.get("node_id").asLong());

        int pollsBefore = h.cluster.polls.size();
        WorkerDaemon second = h.daemon(h.config(null));
        second.start();
        WorkerHarness.awaitRunning(second);
        Await.until("a poll from the restarted worker", () -> h.cluster.polls.size() > pollsBefore);
        PollRequest resumed = h.cluster.polls.get(pollsBefore);
        assertEquals(node, resumed.getNodeId());
        assertEquals(revision, resumed.getLastRevision(), "the restarted worker resumes from its saved revision");

        Await.until("the service to be running again", () -> "running".equals(second.status().allocations().get("svc")),
                () -> second.status().toString());
        assertEquals(pid, taskHandleId("svc"), "re-attached to the same process, not started anew");
        assertEquals("complete", second.status().allocations().get("done"), "a finished allocation is not run again");

        // The re-attached task is under control again: a Delete stops it.
        h.cluster.delete(node, "svc");
        h.awaitState("svc", AllocState.ALLOC_STOPPED);
        Await.until("the re-attached process to be gone",
                () -> ProcessHandle.of(Long.parseLong(pid)).map(p -> !p.isAlive()).orElse(true));
    }

    @Test
    void whenItsServerDiesTheWorkerCarriesOnWithTheOther() {
        WorkerDaemon worker = h.startRunning(h.cluster.token(1));
        long node = worker.nodeId();
        h.cluster.set(node, alloc("before", "batch", shGroup("true", 0)));
        h.awaitState("before", AllocState.ALLOC_COMPLETE);

        FakeServer current = serverAt(worker.status().currentServer());
        FakeServer other = h.servers.get(0) == current ? h.servers.get(1) : h.servers.get(0);
        int otherPolls = other.pollCount.get();
        int otherReports = other.reportCount.get();
        current.kill();

        h.cluster.set(node, alloc("after", "batch", shGroup("echo survived", 0)));
        h.awaitState("after", AllocState.ALLOC_COMPLETE);
        Await.until("polls and heartbeats on the surviving server",
                () -> other.pollCount.get() > otherPolls && other.reportCount.get() > otherReports);
        assertEquals(other.address().toString(), worker.status().currentServer());
        assertEquals(WorkerDaemon.State.RUNNING, worker.status().state());
    }

    @Test
    void aServerBehindTheWorkersRevisionIsLeftForAnother() {
        WorkerDaemon worker = h.startRunning(h.cluster.token(1));
        long node = worker.nodeId();
        h.cluster.set(node, alloc("one", "batch", shGroup("true", 0)));
        h.awaitState("one", AllocState.ALLOC_COMPLETE);
        Await.until("the revision to be applied", () -> worker.status().lastRevision() > 0);

        FakeServer lagging = serverAt(worker.status().currentServer());
        FakeServer other = h.servers.get(0) == lagging ? h.servers.get(1) : h.servers.get(0);
        lagging.behind = true;
        Await.until("the worker to move to the up-to-date server",
                () -> other.address().toString().equals(worker.status().currentServer()) && other.pollCount.get() > 0,
                () -> worker.status().toString());
        h.cluster.set(node, alloc("two", "batch", shGroup("true", 0)));
        h.awaitState("two", AllocState.ALLOC_COMPLETE);
    }

    @Test
    void theCertificateIsRenewedBeforeItExpiresWithoutDisturbingTasks() throws Exception {
        WorkerDaemon worker = h.startRunning(h.cluster.token(1));
        long node = worker.nodeId();
        h.cluster.set(node, alloc("svc", "service", shGroup("exec sleep 30", 0)));
        h.awaitState("svc", AllocState.ALLOC_RUNNING);
        Path certFile = dataDir.resolve("worker/identity/cert.pem");
        Path keyFile = dataDir.resolve("worker/identity/key.pem");
        String oldSerial = Pem.readCertificate(certFile).getSerialNumber().toString(16);
        String oldKey = Files.readString(keyFile);
        String pid = taskHandleId("svc");
        int statusesBefore = h.cluster.statusHistory.size();

        // 3-day certificate: renewal is due between 70% and 90% of its life.
        h.cluster.clock.advance(Duration.ofDays(3).multipliedBy(91).dividedBy(100));

        Await.until("a renewal", () -> !h.cluster.renewals.isEmpty());
        // cert.pem is replaced before key.pem (see IdentityStore), so wait for both.
        Await.until("the identity files to hold the new certificate and key",
                () -> !serial(certFile).equals(oldSerial) && !read(keyFile).equals(oldKey));
        String newSerial = serial(certFile);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile)));
        assertTrue(Files.notExists(dataDir.resolve("worker/identity/key.pem.new")));
        Await.until("a poll authenticated with the new certificate", () -> h.cluster.pollCertSerials.contains(newSerial));

        assertEquals(1, h.cluster.renewals.size(), "the next renewal is due only late in the new certificate's life");
        assertEquals(pid, taskHandleId("svc"));
        assertTrue(h.cluster.statusHistory.subList(statusesBefore, h.cluster.statusHistory.size()).stream()
                .noneMatch(s -> s.getAllocId().equals("svc")), "the task was not touched");

        // And a restart uses the renewed identity.
        worker.close();
        WorkerDaemon again = h.daemon(h.config(null));
        again.start();
        WorkerHarness.awaitRunning(again);
        assertEquals(node, again.nodeId());
    }

    private FakeServer serverAt(String address) {
        return h.servers.stream().filter(s -> s.address().toString().equals(address)).findFirst()
                .orElseThrow(() -> new AssertionError("no fake server at " + address));
    }

    private JsonNode state() throws Exception {
        return new ObjectMapper().readTree(dataDir.resolve("worker/state.json").toFile());
    }

    private String taskHandleId(String allocId) throws Exception {
        for (JsonNode alloc : state().get("allocations")) {
            if (alloc.get("id").asText().equals(allocId)) {
                return alloc.get("tasks").get(0).get("handle_id").asText();
            }
        }
        throw new AssertionError("no allocation " + allocId + " in state.json");
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (Exception e) {
            return "";
        }
    }

    private static String serial(Path certFile) {
        try {
            return Pem.readCertificate(certFile).getSerialNumber().toString(16);
        } catch (Exception e) {
            return "";
        }
    }

}
