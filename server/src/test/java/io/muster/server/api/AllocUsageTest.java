package io.muster.server.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.muster.proto.AllocUsage;
import io.muster.proto.ResourceUsage;
import io.muster.proto.StatusReport;
import io.muster.proto.WorkerServiceGrpc;
import io.muster.server.MusterServer;
import io.muster.server.testkit.Await;
import io.muster.server.testkit.Ports;
import io.muster.server.testkit.TestWorker;
import io.muster.types.config.HostPort;
import io.muster.types.config.ServerConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Resource limits as a node reports them, and per-allocation usage through heartbeats: {@code node status} shows
 * whether and how a node enforces limits, and the usage its worker sampled; a worker cannot write usage onto an
 * allocation of another node.
 */
@Timeout(180)
class AllocUsageTest {
    @TempDir
    Path dataDir;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private JsonNode call(String base, String method, String path, String body) throws Exception {
        return call(base, method, path, body, 200);
    }

    private JsonNode call(String base, String method, String path, String body, int expected) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(20)).header("content-type", "application/json");
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(expected, r.statusCode(), method + " " + path + ": " + r.body());
        return Http.JSON.readTree(r.body());
    }

    private static StatusReport usage(long nodeId, String allocId, long memory) {
        return StatusReport.newBuilder().setNodeId(nodeId).setResources(ResourceUsage.newBuilder().setRunningAllocs(1)
                .addAllocs(AllocUsage.newBuilder().setAllocId(allocId).setMemoryBytes(memory).setMemoryLimitBytes(64L << 20)
                        .setCpuUsec(2_500_000).setSampledUnixMs(1_700_000_000_000L))).build();
    }

    private static JsonNode allocOf(JsonNode node, String allocId) {
        for (JsonNode a : node.get("allocations")) if (a.get("id").asText().equals(allocId)) return a;
        return null;
    }

    @Test
    void nodeStatusShowsLimitsAndOnlyTheOwnersUsage() throws Exception {
        int api = Ports.free();
        int grpc = Ports.free();
        try (MusterServer server = new MusterServer(ServerConfig.dev(dataDir, api, Ports.free(), grpc), MusterServer.Options.defaults()).start();
             TestWorker a = new TestWorker(); TestWorker b = new TestWorker()) {
            server.ready().get(60, TimeUnit.SECONDS);
            String base = "http://127.0.0.1:" + api;
            HostPort addr = new HostPort("127.0.0.1", grpc);
            Await.until("the dev server leads", Duration.ofSeconds(60), () -> {
                try {
                    return call(base, "GET", "/v1/health", null).path("role").asText().equals("leader");
                } catch (Exception | AssertionError e) {
                    return false;
                }
            });
            String token = call(base, "POST", "/v1/node/tokens", "{\"valid_for_secs\": 600, \"max_uses\": 2}").get("token").asText();
            a.register(addr, token, TestWorker.profile("a", Map.of()).toBuilder().setLimitsEnforced(true)
                    .setLimitsDetail("cgroup v2 at /sys/fs/cgroup/muster (memory, cpu, pids)").build());
            b.register(addr, token, TestWorker.profile("b", Map.of()).toBuilder().setLimitsEnforced(false)
                    .setLimitsDetail("not enforced: no cgroup file system with the memory controller is mounted").build());
            WorkerServiceGrpc.WorkerServiceBlockingStub sa = a.connect(addr);
            WorkerServiceGrpc.WorkerServiceBlockingStub sb = b.connect(addr);
            a.beat(sa);
            b.beat(sb);

            JsonNode na = call(base, "GET", "/v1/nodes/" + a.nodeId, null);
            assertEquals(true, na.get("resource_limits").get("enforced").asBoolean());
            assertEquals("cgroup v2 at /sys/fs/cgroup/muster (memory, cpu, pids)", na.get("resource_limits").get("detail").asText());
            JsonNode nb = call(base, "GET", "/v1/nodes/" + b.nodeId, null);
            assertFalse(nb.get("resource_limits").get("enforced").asBoolean());

            // enforce: true can only go to node a.
            call(base, "POST", "/v1/jobs", "{\"id\": \"strict\", \"type\": \"service\", \"groups\": [{\"name\": \"g\", \"tasks\": [{\"name\": \"t\","
                    + " \"driver\": \"exec\", \"command\": \"sleep\", \"args\": [\"600\"], \"resources\": {\"memory\": 64, \"enforce\": true}}]}]}", 201);
            JsonNode alloc = Await.value("an allocation", Duration.ofSeconds(60), () -> {
                try {
                    JsonNode j = call(base, "GET", "/v1/jobs/strict", null);
                    return j.get("allocations").isEmpty() ? null : j.get("allocations").get(0);
                } catch (Exception e) {
                    return null;
                }
            });
            assertEquals(a.nodeId, alloc.get("node_id").asLong(), "placed on the node that enforces limits");
            String allocId = alloc.get("id").asText();

            // b claims usage for a's allocation: not kept, anywhere.
            sb.withDeadlineAfter(30, TimeUnit.SECONDS).reportStatus(usage(b.nodeId, allocId, 999L << 20));
            assertFalse(allocOf(call(base, "GET", "/v1/nodes/" + a.nodeId, null), allocId).has("usage"));

            sa.withDeadlineAfter(30, TimeUnit.SECONDS).reportStatus(usage(a.nodeId, allocId, 12L << 20));
            JsonNode u = allocOf(call(base, "GET", "/v1/nodes/" + a.nodeId, null), allocId).get("usage");
            assertEquals(12L << 20, u.get("memory_bytes").asLong(), u.toString());
            assertEquals(64L << 20, u.get("memory_limit_bytes").asLong());
            assertEquals(2.5, u.get("cpu_seconds").asDouble());
            assertEquals("2023-11-14T22:13:20Z", u.get("sampled_at").asText());

            // A heartbeat without a sample keeps the last one; a node with nothing running drops it.
            sa.withDeadlineAfter(30, TimeUnit.SECONDS).reportStatus(StatusReport.newBuilder().setNodeId(a.nodeId)
                    .setResources(ResourceUsage.newBuilder().setRunningAllocs(1)).build());
            assertTrue(allocOf(call(base, "GET", "/v1/nodes/" + a.nodeId, null), allocId).has("usage"), "kept until the next sample");
            a.beat(sa); // running_allocs 0
            assertFalse(allocOf(call(base, "GET", "/v1/nodes/" + a.nodeId, null), allocId).has("usage"), "nothing runs: nothing to show");
        }
    }
}
