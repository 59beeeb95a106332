package io.muster.worker.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.muster.server.MusterServer;
import io.muster.server.testkit.Await;
import io.muster.server.testkit.TestCluster;
import io.muster.types.HeartbeatPolicy;
import io.muster.types.config.HostPort;
import io.muster.types.config.WorkerConfig;
import io.muster.types.state.NodeStatus;
import io.muster.worker.WorkerDaemon;
import io.muster.worker.WorkerOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end on loopback, one server and one real worker running exec tasks: a task that times out shows each timeout
 * ("timed out after 3s") and each restart in its allocation's events, and a job past its own deadline gets no new
 * allocation.
 */
@Timeout(180)
class AllocEventsE2ETest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration T = Duration.ofSeconds(60);
    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).connectTimeout(Duration.ofSeconds(5)).build();
    private WorkerDaemon worker;
    private TestCluster cluster;

    @TempDir
    Path tmp;

    @BeforeEach
    void start() throws Exception {
        cluster = TestCluster.builder(1).heartbeat(new HeartbeatPolicy(1, 2, 1, 50, 300)).build().startAll();
        MusterServer leader = cluster.awaitLeader(T);
        leader.ready().get(30, TimeUnit.SECONDS);
        Await.until("gRPC up", T, () -> leader.grpc().port() > 0);
        String token = leader.joinTokens().create(Duration.ofHours(1), 1, Map.of(), "e2e").get(30, TimeUnit.SECONDS).token();
        List<HostPort> servers = List.of(new HostPort("127.0.0.1", leader.config().workerGrpcAddr().port()));
        Path dir = tmp.resolve("w1");
        worker = new WorkerDaemon(new WorkerConfig(dir, servers, token, null, dir.resolve("identity"), Map.of("name", "w1")), WorkerOptions.defaults());
        worker.start();
        Await.until("a ready worker", T, () -> cluster.leader().map(l -> l.state().nodes().stream().anyMatch(n -> n.state() == NodeStatus.READY)).orElse(false));
    }

    @AfterEach
    void tearDown() throws Exception {
        if (worker != null) worker.close();
        if (cluster != null) cluster.close();
    }

    private JsonNode send(String method, String path, String contentType, String body) throws Exception {
        String api = cluster.apiUrl(cluster.leader().orElseThrow().config().serverId());
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(api + path)).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) b.header("content-type", contentType);
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() >= 300) throw new AssertionError(method + " " + path + " -> " + r.statusCode() + " " + r.body());
        return JSON.readTree(r.body());
    }

    private JsonNode awaitStatus(String id, String... statuses) {
        Set<String> want = Set.of(statuses);
        return Await.value("job " + id + " in " + want, T, () -> {
            try {
                JsonNode j = send("GET", "/v1/jobs/" + id, null, null);
                return want.contains(j.get("status").asText()) ? j : null;
            } catch (Exception e) {
                return null;
            }
        });
    }

    private static List<String> field(JsonNode events, String name) {
        List<String> out = new ArrayList<>();
        for (JsonNode e : events) out.add(e.get(name).asText());
        return out;
    }

    @Test
    void aTimingOutTaskShowsEachTimeoutAndRestart() throws Exception {
        send("POST", "/v1/jobs", "application/yaml", """
                id: slow
                type: batch
                groups:
                  - name: g
                    restart: {attempts: 2, delay: 1, max_delay: 1, mode: fail}
                    reschedule: {attempts: 0}
                    tasks:
                      - {name: t, driver: exec, command: sleep, args: ["30"], timeout: 3}
                """);
        JsonNode job = awaitStatus("slow", "failed", "complete");
        assertEquals("failed", job.get("status").asText(), job.toString());
        assertEquals(1, job.get("allocations").size(), "no reschedule: " + job);
        String allocId = job.get("allocations").get(0).get("id").asText();
        JsonNode alloc = send("GET", "/v1/allocations/" + allocId, null, null);
        JsonNode events = alloc.get("events");
        assertEquals(List.of("placed", "received", "started", "timed-out", "restarting", "started", "timed-out", "restarting", "started",
                "timed-out", "failed"), field(events, "type"), alloc.toPrettyString());
        List<String> messages = field(events, "message");
        assertEquals(3, messages.stream().filter("task t timed out after 3s"::equals).count(), messages.toString());
        assertTrue(messages.contains("task t: restart 1 of 2 in 1s after timing out"), messages.toString());
        assertTrue(messages.contains("task t: restart 2 of 2 in 1s after timing out"), messages.toString());
        assertTrue(messages.get(2).matches("task t started: exec pid \\d+"), messages.get(2));
        assertEquals(events.size(), alloc.get("events_total").asInt());
        assertFalse(alloc.toString().contains("PT3S"), alloc.toString());
        assertTrue(alloc.get("message").asText().contains("timed out after 3s"), alloc.get("message").asText());
        // The job's answer carries the newest 3 events of each allocation.
        assertEquals(List.of("started", "timed-out", "failed"), field(job.get("allocations").get(0).get("events"), "type"));
    }

    @Test
    void nothingIsPlacedAfterTheJobsDeadline() throws Exception {
        // Each run fails after 1 s and is rescheduled 1 s later, far more often than the 4 s the job may take.
        send("POST", "/v1/jobs", "application/yaml", """
                id: short
                type: batch
                timeout: 4
                groups:
                  - name: g
                    restart: {attempts: 0, mode: fail}
                    reschedule: {attempts: 50, delay: 1, max_delay: 1}
                    tasks:
                      - {name: t, driver: exec, command: sh, args: ["-c", "sleep 1; exit 1"]}
                """);
        JsonNode job = awaitStatus("short", "failed", "complete");
        assertEquals("failed", job.get("status").asText(), job.toString());
        long deadline = Instant.parse(job.get("submitted_at").asText()).toEpochMilli() + 4_000;
        // Settled: every allocation has ended (the last one stopped by the deadline, or failed by itself).
        JsonNode settled = Await.value("all allocations ended", T, () -> {
            try {
                JsonNode j = send("GET", "/v1/jobs/short", null, null);
                for (JsonNode a : j.get("allocations")) if (Set.of("pending", "running").contains(a.get("status").asText())) return null;
                return j;
            } catch (Exception e) {
                return null;
            }
        });
        JsonNode allocs = settled.get("allocations");
        assertTrue(allocs.size() >= 2, "rescheduled before the deadline: " + settled.toPrettyString());
        for (JsonNode a : allocs) {
            JsonNode full = send("GET", "/v1/allocations/" + a.get("id").asText(), null, null);
            JsonNode placed = full.get("events").get(0);
            assertEquals("placed", placed.get("type").asText(), full.toPrettyString());
            assertTrue(Instant.parse(placed.get("time").asText()).toEpochMilli() < deadline,
                    "placed at " + placed.get("time").asText() + ", after the deadline " + Instant.ofEpochMilli(deadline));
            assertFalse(full.get("message").asText().contains("passed before the allocation could start"), full.toPrettyString());
        }
        assertEquals("failed", send("GET", "/v1/jobs/short", null, null).get("status").asText());
    }
}
