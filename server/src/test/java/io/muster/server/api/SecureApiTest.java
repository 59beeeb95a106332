package io.muster.server.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.muster.pki.pem.Pem;
import io.muster.pki.tls.ClusterServerTrustManager;
import io.muster.server.MusterServer;
import io.muster.server.testkit.Await;
import io.muster.server.testkit.TestCluster;
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

/** The API outside dev mode: HTTPS with the cluster CA, ACL bootstrap once, tokens hashed, leader redirects. */
@Timeout(180)
class SecureApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration T = Duration.ofSeconds(30);

    private static HttpResponse<String> call(HttpClient http, String method, String url, String token, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) b.header("X-Muster-Token", token);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void httpsAclAndRedirects() throws Exception {
        try (TestCluster c = TestCluster.builder(3).secure().build().startAll()) {
            MusterServer leader = c.awaitLeader(T);
            for (MusterServer s : c.running()) s.ready().get(30, TimeUnit.SECONDS);
            // Every server writes the cluster CA (public part only) to <data_dir>/ca.pem.
            X509Certificate ca = Pem.readCertificate(c.config(1).dataDir().resolve("ca.pem"));
            String clusterId = leader.state().identity().orElseThrow().clusterId();
            SSLContext ssl = SSLContext.getInstance("TLS");
            ssl.init(null, new TrustManager[] {new ClusterServerTrustManager(ca, clusterId, Clock.systemUTC())}, null);
            HttpClient http = HttpClient.newBuilder().sslContext(ssl).followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(10)).build();
            int lid = leader.config().serverId();
            String leaderUrl = c.apiUrl(lid);
            Await.until("API up", T, () -> {
                try {
                    return call(http, "GET", leaderUrl + "/v1/health", null, null).statusCode() == 200;
                } catch (Exception e) {
                    return false;
                }
            });

            HttpResponse<String> r = call(http, "GET", leaderUrl + "/v1/cluster/status", null, null);
            assertEquals(401, r.statusCode());
            assertTrue(r.body().contains("muster acl bootstrap"), r.body());

            r = call(http, "POST", leaderUrl + "/v1/acl/bootstrap", null, null);
            assertEquals(200, r.statusCode(), r.body());
            String secret = JSON.readTree(r.body()).get("secret_id").asText();
            assertEquals(409, call(http, "POST", leaderUrl + "/v1/acl/bootstrap", null, null).statusCode(), "bootstrap works once per cluster");

            assertEquals(403, call(http, "GET", leaderUrl + "/v1/cluster/status", "wrong-token", null).statusCode());
            r = call(http, "GET", leaderUrl + "/v1/cluster/status", secret, null);
            assertEquals(200, r.statusCode(), r.body());
            JsonNode st = JSON.readTree(r.body());
            for (String f : new String[] {"cluster_id", "leader_id", "term", "commit_index", "applied_index", "members"}) assertTrue(st.has(f), f);
            assertEquals(lid, st.get("leader_id").asInt());
            assertEquals(3, st.get("members").size());
            for (JsonNode m : st.get("members")) {
                for (String f : new String[] {"id", "raft_addr", "api_addr", "role", "healthy"}) assertTrue(m.has(f), f);
                assertTrue(m.get("healthy").asBoolean(), m.toString());
            }

            // A follower proxies leader-only reads to the leader (over mTLS-checked https) ...
            int fid = lid % 3 + 1;
            Await.until("follower knows the token", T, () -> c.server(fid).state().aclBootstrapped());
            r = call(http, "GET", c.apiUrl(fid) + "/v1/cluster/status", secret, null);
            assertEquals(200, r.statusCode(), r.body());
            assertEquals(Integer.toString(lid), r.headers().firstValue("x-muster-leader").orElseThrow());
            assertEquals(lid, JSON.readTree(r.body()).get("leader_id").asInt());
            assertEquals(403, call(http, "GET", c.apiUrl(fid) + "/v1/nodes", "wrong-token", null).statusCode(), "the ACL is checked before proxying");
            // ... and redirects leader-only writes.
            r = call(http, "POST", c.apiUrl(fid) + "/v1/cluster/transfer-leader", secret, "{}");
            assertEquals(307, r.statusCode());
            assertEquals(leaderUrl + "/v1/cluster/transfer-leader", r.headers().firstValue("location").orElseThrow());

            // Writes through a follower are forwarded (no redirect needed): a join token. Servers announce their worker
            // addresses through Raft after they start: wait for all three, which the answer lists.
            Await.until("every server announced", Duration.ofSeconds(30), () -> c.server(fid).state().servers().size() == 3);
            r = call(http, "POST", c.apiUrl(fid) + "/v1/node/tokens", secret, "{\"max_uses\": 3, \"labels\": {\"zone\": \"a\"}}");
            assertEquals(200, r.statusCode(), r.body());
            JsonNode tok = JSON.readTree(r.body());
            for (String f : new String[] {"token", "token_id", "expires_at", "max_uses"}) assertTrue(tok.has(f), f);
            assertTrue(tok.get("join_command").asText().startsWith("muster worker --server "));
            // The servers as data: every server's worker address, the same ones the command line names.
            assertEquals(3, tok.get("servers").size(), r.body());
            for (JsonNode s : tok.get("servers")) assertTrue(tok.get("join_command").asText().contains("--server " + s.asText()), s.asText());
            assertEquals("a", tok.get("labels").get("zone").asText());

            // A job submitted through a follower is read back from the follower's own state (read-your-writes).
            for (int i = 0; i < 5; i++) {
                r = call(http, "POST", c.apiUrl(fid) + "/v1/jobs", secret,
                        "{\"id\": \"f" + i + "\", \"type\": \"batch\", \"groups\": [{\"name\": \"g\", \"count\": 1, \"tasks\": [{\"name\": \"t\", \"driver\": \"exec\", \"command\": \"true\"}]}]}");
                assertEquals(201, r.statusCode(), r.body());
                assertEquals("f" + i, JSON.readTree(r.body()).get("id").asText());
            }

            // Nothing secret leaks through listings or the Raft log.
            String tokens = call(http, "GET", leaderUrl + "/v1/node/tokens", secret, null).body();
            assertFalse(tokens.contains(tok.get("token").asText()));
            String log = call(http, "GET", leaderUrl + "/v1/raft/log?limit=200", secret, null).body();
            assertFalse(log.contains(secret) || log.contains(tok.get("token").asText()), "no secrets in the raft log listing");
            assertTrue(JSON.readTree(log).get("entries").size() > 3);

            // Bad input changes nothing and says why.
            r = call(http, "POST", leaderUrl + "/v1/node/tokens", secret, "{\"valid_for_secs\": -5}");
            assertEquals(400, r.statusCode());
            assertTrue(r.body().contains("valid_for"), r.body());
            r = call(http, "POST", leaderUrl + "/v1/node/tokens", secret, "{not json");
            assertEquals(400, r.statusCode());

            // Plain HTTP to the HTTPS port does not work.
            HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            assertThrows(Exception.class, () -> {
                HttpResponse<String> resp = call(plain, "GET", leaderUrl.replace("https", "http") + "/v1/health", null, null);
                if (resp.statusCode() == 200) throw new AssertionError("served plain HTTP");
                throw new java.io.IOException("refused with " + resp.statusCode());
            });
        }
    }
}
