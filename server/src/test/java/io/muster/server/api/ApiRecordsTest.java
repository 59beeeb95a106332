package io.muster.server.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.muster.client.IssuedToken;
import io.muster.client.Node;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server writes its join-token and node answers from the API client's records ({@link IssuedToken}, {@link Node}):
 * a real dev server's answers parse back into the same records, with the field names (and order) scripts read.
 */
@Timeout(180)
class ApiRecordsTest {
    private static final List<String> TOKEN_FIELDS = List.of("token", "token_id", "expires_at", "max_uses", "servers", "labels", "join_command");
    private static final List<String> NODE_FIELDS = List.of("id", "state", "eligible", "labels", "os", "arch", "last_heartbeat", "ttl_secs",
            "drain", "hostname", "drivers", "cpu_mhz", "memory_mb", "allocs", "registered_at", "state_changed_at", "cpu_cores", "version",
            "cert_not_after"); // drain_deadline and revoked_reason only when set

    @TempDir
    Path dataDir;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private JsonNode call(String base, String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(20)).header("content-type", "application/json");
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), method + " " + path + ": " + r.body());
        return Http.JSON.readTree(r.body());
    }

    private static List<String> names(JsonNode n) {
        List<String> out = new ArrayList<>();
        n.fieldNames().forEachRemaining(out::add);
        return out;
    }

    @Test
    void joinTokenAndNodeAnswersAreTheClientRecords() throws Exception {
        int api = Ports.free();
        int grpc = Ports.free();
        try (MusterServer server = new MusterServer(ServerConfig.dev(dataDir, api, Ports.free(), grpc), MusterServer.Options.defaults()).start();
             TestWorker worker = new TestWorker()) {
            server.ready().get(60, TimeUnit.SECONDS);
            String base = "http://127.0.0.1:" + api;
            Await.until("the dev server leads", Duration.ofSeconds(60), () -> {
                try {
                    return call(base, "GET", "/v1/health", null).path("role").asText().equals("leader");
                } catch (Exception | AssertionError e) {
                    return false;
                }
            });

            JsonNode tokenJson = call(base, "POST", "/v1/node/tokens", "{\"valid_for_secs\": 600, \"max_uses\": 1, \"labels\": {\"zone\": \"eu-1\"}}");
            assertEquals(TOKEN_FIELDS, names(tokenJson));
            IssuedToken t = IssuedToken.from(tokenJson);
            assertEquals(List.of("127.0.0.1:" + grpc), t.servers(), "the servers as data");
            assertEquals(Map.of("zone", "eu-1"), t.labels());
            assertEquals(1, t.maxUses());
            assertTrue(t.joinCommand().contains("--server 127.0.0.1:" + grpc), t.joinCommand());
            assertEquals(tokenJson.toString(), Http.JSON.writeValueAsString(t), "the record writes back exactly what was read");

            worker.register(new HostPort("127.0.0.1", grpc), t.token(), TestWorker.profile("w1", Map.of("zone", "eu-1")));
            JsonNode list = call(base, "GET", "/v1/nodes", null);
            assertEquals(1, list.size(), list.toString());
            JsonNode nodeJson = list.get(0);
            assertEquals(NODE_FIELDS, names(nodeJson), "an enrolled node that is neither draining nor revoked");
            assertTrue(nodeJson.get("id").isIntegralNumber(), "node ids stay JSON numbers");
            assertTrue(nodeJson.has("last_heartbeat") && nodeJson.has("ttl_secs"), "present even when null");
            Node n = Node.from(nodeJson);
            assertEquals(worker.nodeId, n.id());
            assertEquals("w1", n.hostname());
            assertEquals(List.of("exec"), n.drivers());
            assertEquals(Map.of("zone", "eu-1"), n.labels());
            assertEquals(Long.valueOf(4000), n.cpuMhz());
            assertEquals(Integer.valueOf(0), n.allocs());
            assertNull(n.revokedReason());
            assertNull(n.drainDeadline());
            assertEquals(nodeJson.toString(), Http.JSON.writeValueAsString(n), "the record writes back exactly what was read");

            JsonNode detail = call(base, "GET", "/v1/nodes/" + worker.nodeId, null);
            List<String> detailFields = new ArrayList<>(NODE_FIELDS);
            detailFields.add("allocations");
            assertEquals(detailFields, names(detail));
            assertTrue(detail.get("allocations").isArray());
            assertEquals(List.of(), Node.from(detail).allocations());
            assertNull(n.allocations(), "the list carries no allocations");
        }
    }
}
