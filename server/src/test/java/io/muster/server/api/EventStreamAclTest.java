package io.muster.server.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.muster.pki.pem.Pem;
import io.muster.pki.tls.ClusterServerTrustManager;
import io.muster.server.MusterServer;
import io.muster.server.testkit.Await;
import io.muster.server.testkit.TestCluster;
import io.muster.types.config.ServerConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Who may open the event stream on a secure server, and how many at once. */
@Timeout(180)
class EventStreamAclTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration T = Duration.ofSeconds(30);

    @Test
    void tokensTopicsAndTheSubscriberLimit() throws Exception {
        try (TestCluster c = TestCluster.builder(1).secure().config(x -> x.withEvents(new ServerConfig.Events(1024, 2, 1, 60))).build().startAll()) {
            MusterServer leader = c.awaitLeader(T);
            leader.ready().get(30, TimeUnit.SECONDS);
            X509Certificate ca = Pem.readCertificate(c.config(1).dataDir().resolve("ca.pem"));
            SSLContext ssl = SSLContext.getInstance("TLS");
            ssl.init(null, new TrustManager[] {new ClusterServerTrustManager(ca, leader.state().identity().orElseThrow().clusterId(), Clock.systemUTC())}, null);
            HttpClient http = HttpClient.newBuilder().sslContext(ssl).connectTimeout(Duration.ofSeconds(10)).build();
            String base = c.apiUrl(1);
            Await.until("API up", T, () -> {
                try {
                    return http.send(HttpRequest.newBuilder(URI.create(base + "/v1/health")).build(), HttpResponse.BodyHandlers.ofString()).statusCode() == 200;
                } catch (Exception e) {
                    return false;
                }
            });
            HttpResponse<String> boot = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/acl/bootstrap")).POST(HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofString());
            String management = JSON.readTree(boot.body()).get("secret_id").asText();
            String readOnly = token(http, base, management, "read-only");
            String provisioner = token(http, base, management, "node-provisioner");
            String events = base + "/v1/events";

            try (EventStreamReader none = new EventStreamReader(http, events, null)) {
                assertEquals(401, none.status, none.errorBody);
                assertEquals("ACL_TOKEN_MISSING", JSON.readTree(none.errorBody).get("code").asText());
            }
            try (EventStreamReader wrong = new EventStreamReader(http, events, "not-a-token")) {
                assertEquals(403, wrong.status);
            }
            try (EventStreamReader p = new EventStreamReader(http, events + "?topic=Node", provisioner)) {
                assertEquals(403, p.status, p.errorBody);
                assertEquals("policy node-provisioner does not allow job:read (GET /v1/events)", JSON.readTree(p.errorBody).get("error").asText());
            }
            // Oversized or malformed parameters: 400 before any stream opens.
            for (String bad : java.util.List.of("?job=" + "x".repeat(300), "?node=-1", "?index=abc", "?topic=Secret")) {
                try (EventStreamReader r = new EventStreamReader(http, events + bad, management)) {
                    assertEquals(400, r.status, bad + ": " + r.errorBody);
                }
            }
            // A secret put through the API: no event names it, whoever subscribes.
            HttpResponse<String> put = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/secrets/db_password")).header("X-Muster-Token", management)
                    .PUT(HttpRequest.BodyPublishers.ofString("{\"value\": \"aHVudGVyMg==\"}")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, put.statusCode(), put.body());
            HttpResponse<String> job = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/jobs")).header("X-Muster-Token", management)
                    .POST(HttpRequest.BodyPublishers.ofString("{\"id\": \"j\", \"type\": \"batch\", \"groups\": [{\"name\": \"g\", \"count\": 1, "
                            + "\"tasks\": [{\"name\": \"t\", \"driver\": \"exec\", \"command\": \"true\"}]}]}")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(201, job.statusCode(), job.body());
            try (EventStreamReader ro = new EventStreamReader(http, events + "?index=0&topic=Job,Node,Allocation,Deployment,Operation", readOnly);
                 EventStreamReader ro2 = new EventStreamReader(http, events, readOnly)) {
                assertEquals(200, ro.status, "a read-only token may subscribe: " + ro.errorBody);
                assertEquals(200, ro2.status, ro2.errorBody);
                JsonNode first = ro2.next(T);
                assertNotNull(first);
                assertEquals("heartbeat", first.get("type").asText(), "without an index: a heartbeat naming the current index");
                assertTrue(first.get("index").asLong() >= 1);
                long upTo = leader.state().appliedIndex();
                int replayed = 0;
                for (JsonNode n; (n = ro.next(T)) != null && n != EventStreamReader.END; ) { // the whole history, up to now
                    assertFalse(n.toString().contains("db_password") || n.toString().contains("aHVudGVyMg"), n.toString());
                    if (n.has("topic")) replayed++;
                    if ("heartbeat".equals(n.path("type").asText()) && n.get("index").asLong() >= upTo) break;
                }
                assertTrue(replayed > 0, "the history was replayed");
                // Two streams open, the limit: a third is refused with 429, before any stream starts.
                try (EventStreamReader third = new EventStreamReader(http, events, management)) {
                    assertEquals(429, third.status, third.errorBody);
                    assertEquals("TOO_MANY_SUBSCRIBERS", JSON.readTree(third.errorBody).get("code").asText());
                }
            }
            Await.until("streams closed", T, () -> leader.events().subscribers() == 0);
            try (EventStreamReader again = new EventStreamReader(http, events, management)) {
                assertEquals(200, again.status, "a slot is free again once clients leave: " + again.errorBody);
            }
        }
    }

    private static String token(HttpClient http, String base, String management, String policy) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/acl/tokens")).header("X-Muster-Token", management)
                .POST(HttpRequest.BodyPublishers.ofString("{\"policy\": \"" + policy + "\"}")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body()).get("secret_id").asText();
    }
}
