package io.muster.worker.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

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
import io.muster.worker.driver.ExecCgroupLimitsTest;
import io.muster.worker.driver.ExecDriver;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end on loopback, one server and a real worker: with cgroups, a task over its memory limit is OOM-killed and
 * its allocation says so, and a running allocation's usage reaches {@code node status}; without them, the node says
 * why, and a job that requires limits is not placed there while one that does not runs.
 */
@Timeout(180)
class ResourceLimitsE2ETest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration T = Duration.ofSeconds(60);
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private WorkerDaemon worker;
    private TestCluster cluster;

    @TempDir
    Path tmp;

    @BeforeEach
    void startCluster() throws Exception {
        cluster = TestCluster.builder(1).heartbeat(new HeartbeatPolicy(1, 2, 1, 50, 300)).build().startAll();
        MusterServer leader = cluster.awaitLeader(T);
        leader.ready().get(30, TimeUnit.SECONDS);
        Await.until("gRPC up", T, () -> leader.grpc().port() > 0);
    }

    private void startWorker(WorkerOptions options) throws Exception {
        MusterServer leader = cluster.leader().orElseThrow();
        String token = leader.joinTokens().create(Duration.ofHours(1), 1, Map.of(), "e2e").get(30, TimeUnit.SECONDS).token();
        List<HostPort> servers = List.of(new HostPort("127.0.0.1", leader.config().workerGrpcAddr().port()));
        Path dir = tmp.resolve("w1");
        worker = new WorkerDaemon(new WorkerConfig(dir, servers, token, null, dir.resolve("identity"), Map.of()), options);
        worker.start();
        Await.until("a ready worker", T, () -> cluster.leader().map(l -> l.state().nodes().stream().anyMatch(n -> n.state() == NodeStatus.READY)).orElse(false));
    }

    @AfterEach
    void tearDown() throws Exception {
        if (worker != null) worker.close();
        if (cluster != null) cluster.close();
    }

    private JsonNode send(String method, String path, String body) throws Exception {
        String api = cluster.apiUrl(cluster.leader().orElseThrow().config().serverId());
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(api + path)).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) b.header("content-type", "application/yaml");
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() >= 300) throw new AssertionError(method + " " + path + " -> " + r.statusCode() + " " + r.body());
        return JSON.readTree(r.body());
    }

    private JsonNode awaitJob(String id, java.util.function.Predicate<JsonNode> done) {
        return Await.value("job " + id, T, () -> {
            try {
                JsonNode j = send("GET", "/v1/jobs/" + id, null);
                return done.test(j) ? j : null;
            } catch (Exception e) {
                return null;
            }
        });
    }

    private static List<String> types(JsonNode events) {
        List<String> out = new ArrayList<>();
        events.forEach(e -> out.add(e.get("type").asText()));
        return out;
    }

    @Test
    void withCgroupsAnOomKillIsReportedAndUsageReachesNodeStatus() throws Exception {
        assumeTrue(ExecCgroupLimitsTest.writableMemoryHierarchy().isPresent(), "no writable cgroup memory hierarchy, or not root");
        startWorker(WorkerOptions.defaults());
        JsonNode node = send("GET", "/v1/nodes/1", null);
        assertTrue(node.get("resource_limits").get("enforced").asBoolean(), node.toPrettyString());
        assertTrue(node.get("resource_limits").get("detail").asText().startsWith("cgroup v"), node.toPrettyString());

        send("POST", "/v1/jobs", """
                id: hog
                type: batch
                groups:
                  - name: g
                    restart: {attempts: 0, mode: fail}
                    reschedule: {attempts: 0}
                    tasks:
                      - {name: t, driver: exec, command: tail, args: ["/dev/zero"], resources: {memory: 32}}
                """);
        JsonNode job = awaitJob("hog", j -> j.get("status").asText().equals("failed"));
        JsonNode alloc = send("GET", "/v1/allocations/" + job.get("allocations").get(0).get("id").asText(), null);
        assertTrue(types(alloc.get("events")).contains("oom-killed"), alloc.toPrettyString());
        String oomEvent = "";
        for (JsonNode e : alloc.get("events")) if (e.get("type").asText().equals("oom-killed")) oomEvent = e.get("message").asText();
        assertEquals("task t ran out of memory and was killed (exit code 137)", oomEvent);
        assertEquals(137, alloc.get("exit_code").asInt(), alloc.toPrettyString());

        send("POST", "/v1/jobs", """
                id: busy
                type: service
                groups:
                  - name: g
                    tasks:
                      - {name: t, driver: exec, command: sh, args: ["-c", "head -c 4000000 /dev/zero | tail -c 1 > /dev/null; exec sleep 120"], resources: {memory: 48}}
                """);
        String busy = awaitJob("busy", j -> j.get("status").asText().equals("running")).get("allocations").get(0).get("id").asText();
        // The worker samples every 10 s and sends a sample with its next heartbeat.
        JsonNode usage = Await.value("usage of " + busy + " in node status", T, () -> {
            try {
                for (JsonNode a : send("GET", "/v1/nodes/1", null).get("allocations")) {
                    if (a.get("id").asText().equals(busy) && a.has("usage")) return a.get("usage");
                }
                return null;
            } catch (Exception e) {
                return null;
            }
        });
        assertEquals(48L << 20, usage.get("memory_limit_bytes").asLong(), usage.toString());
        assertTrue(usage.get("memory_bytes").asLong() > 0, usage.toString());
        assertTrue(usage.get("cpu_seconds").asDouble() > 0, usage.toString());
        assertEquals(0, usage.get("oom_kills").asInt());
    }

    @Test
    void withoutCgroupsTheNodeSaysWhyAndAJobThatRequiresLimitsWaits() throws Exception {
        startWorker(WorkerOptions.defaults().withDrivers(root -> List.of(new ExecDriver(ExecDriver.Config.defaults(root)))));
        JsonNode node = send("GET", "/v1/nodes/1", null);
        assertFalse(node.get("resource_limits").get("enforced").asBoolean(), node.toPrettyString());
        assertEquals("not enforced: the worker was not configured to use cgroups", node.get("resource_limits").get("detail").asText());

        send("POST", "/v1/jobs", """
                id: strict
                type: batch
                groups:
                  - name: g
                    tasks:
                      - {name: t, driver: exec, command: "true", resources: {memory: 32, enforce: true}}
                """);
        JsonNode strict = awaitJob("strict", j -> j.path("failures").size() > 0);
        assertEquals("pending", strict.get("status").asText(), strict.toPrettyString());
        assertEquals(0, strict.get("allocations").size());
        assertEquals(1, strict.get("failures").get(0).get("filtered").get("resource limits not enforced (no usable cgroups)").asInt(),
                strict.toPrettyString());

        send("POST", "/v1/jobs", """
                id: lenient
                type: batch
                groups:
                  - name: g
                    tasks:
                      - {name: t, driver: exec, command: "true", resources: {memory: 32}}
                """);
        awaitJob("lenient", j -> j.get("status").asText().equals("complete"));
    }
}
