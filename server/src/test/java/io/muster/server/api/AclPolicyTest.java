package io.muster.server.api;

import static io.muster.server.acl.Permission.ACL_ADMIN;
import static io.muster.server.acl.Permission.CLUSTER_ADMIN;
import static io.muster.server.acl.Permission.CLUSTER_READ;
import static io.muster.server.acl.Permission.JOB_READ;
import static io.muster.server.acl.Permission.JOB_WRITE;
import static io.muster.server.acl.Permission.KV_READ;
import static io.muster.server.acl.Permission.KV_WRITE;
import static io.muster.server.acl.Permission.METRICS_READ;
import static io.muster.server.acl.Permission.NODE_READ;
import static io.muster.server.acl.Permission.NODE_REVOKE;
import static io.muster.server.acl.Permission.NODE_WRITE;
import static io.muster.server.acl.Permission.PUBLIC;
import static io.muster.server.acl.Permission.RAFT_READ;
import static io.muster.server.acl.Permission.SECRET_LIST;
import static io.muster.server.acl.Permission.SECRET_READ;
import static io.muster.server.acl.Permission.SECRET_WRITE;
import static io.muster.server.acl.Permission.TOKEN_CREATE;
import static io.muster.server.acl.Permission.TOKEN_READ;
import static io.muster.server.acl.Permission.TOKEN_REVOKE;
import static io.muster.server.acl.Permission.UNCLASSIFIED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.muster.pki.Secrets;
import io.muster.pki.pem.Pem;
import io.muster.pki.tls.ClusterServerTrustManager;
import io.muster.server.MusterServer;
import io.muster.server.acl.AclPolicy;
import io.muster.server.acl.Permission;
import io.muster.server.testkit.Await;
import io.muster.server.testkit.TestCluster;
import io.vertx.ext.web.Router;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * Policy-scoped ACL tokens on a secure 3-server cluster: for each policy, at least one call of every
 * endpoint group, with the exact allow/deny; revocation on followers; the last management token; the
 * node-provisioner's bounds; no secret in listings or the Raft log.
 */
@Timeout(300)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AclPolicyTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration T = Duration.ofSeconds(30);
    private static final String JOB = "{\"id\": \"%s\", \"type\": \"batch\", \"groups\": [{\"name\": \"g\", \"count\": 1, "
            + "\"tasks\": [{\"name\": \"t\", \"driver\": \"exec\", \"command\": \"true\"}]}]}";

    /** What each policy may do, written from the issue rather than from the code under test. */
    private static final Map<AclPolicy, Set<Permission>> ALLOWED = new EnumMap<>(Map.of(
            AclPolicy.MANAGEMENT, EnumSet.allOf(Permission.class),
            AclPolicy.OPERATOR, EnumSet.of(PUBLIC, TOKEN_READ, NODE_READ, NODE_WRITE, JOB_READ, JOB_WRITE, CLUSTER_READ, RAFT_READ, KV_READ,
                    METRICS_READ, SECRET_LIST, SECRET_WRITE),
            // Secrets: read-only sees names and versions; only management reads a value back.
            AclPolicy.READ_ONLY, EnumSet.of(PUBLIC, TOKEN_READ, NODE_READ, JOB_READ, CLUSTER_READ, RAFT_READ, KV_READ, METRICS_READ, SECRET_LIST),
            AclPolicy.NODE_PROVISIONER, EnumSet.of(PUBLIC, TOKEN_CREATE)));

    /** One call of an endpoint group and the status it gets when allowed ({@code %s} in path or body: the policy name). */
    record Call(Permission group, String method, String path, String body, int allowedStatus) {}

    private static final List<Call> CALLS = List.of(
            new Call(PUBLIC, "GET", "/v1/health", null, 200),
            new Call(ACL_ADMIN, "GET", "/v1/acl/tokens", null, 200),
            new Call(ACL_ADMIN, "POST", "/v1/acl/tokens", "{\"policy\": \"read-only\", \"description\": \"made by %s\"}", 200),
            new Call(ACL_ADMIN, "DELETE", "/v1/acl/tokens/no-such-accessor", null, 404),
            new Call(TOKEN_READ, "GET", "/v1/node/tokens", null, 200),
            new Call(TOKEN_CREATE, "POST", "/v1/node/tokens", "{\"max_uses\": 1, \"valid_for_secs\": 600}", 200),
            new Call(TOKEN_REVOKE, "DELETE", "/v1/node/tokens/no-such-token", null, 404),
            new Call(NODE_READ, "GET", "/v1/nodes", null, 200),
            new Call(NODE_READ, "GET", "/v1/nodes/999", null, 404),
            new Call(NODE_WRITE, "POST", "/v1/nodes/999/drain", "{}", 404),
            new Call(NODE_WRITE, "POST", "/v1/nodes/999/eligibility", "{\"eligible\": true}", 404),
            new Call(NODE_REVOKE, "POST", "/v1/nodes/999/revoke", "{}", 404),
            new Call(JOB_READ, "GET", "/v1/jobs", null, 200),
            new Call(JOB_READ, "GET", "/v1/jobs/no-such-job", null, 404),
            new Call(JOB_READ, "GET", "/v1/allocations/no-such-alloc", null, 404),
            new Call(JOB_WRITE, "POST", "/v1/jobs", JOB, 201),
            new Call(JOB_WRITE, "DELETE", "/v1/jobs/no-such-job", null, 404),
            new Call(JOB_WRITE, "DELETE", "/v1/jobs/no-such-job?purge=true", null, 404),
            new Call(JOB_WRITE, "POST", "/v1/jobs/no-such-job/cancel", null, 404),
            new Call(JOB_READ, "GET", "/v1/jobs/no-such-job/logs?follow=true", null, 404),
            new Call(JOB_READ, "GET", "/v1/allocations/no-such-alloc/logs", null, 404),
            new Call(CLUSTER_READ, "GET", "/v1/cluster/status", null, 200),
            new Call(CLUSTER_ADMIN, "POST", "/v1/cluster/servers", "{}", 400),
            new Call(CLUSTER_ADMIN, "DELETE", "/v1/cluster/servers/99", null, 400),
            new Call(CLUSTER_ADMIN, "POST", "/v1/raft/snapshot", null, 200),
            new Call(CLUSTER_ADMIN, "POST", "/v1/system/gc", null, 200),
            new Call(RAFT_READ, "GET", "/v1/raft/log?limit=5", null, 200),
            new Call(KV_READ, "GET", "/v1/kv/acl-no-such-key", null, 404),
            new Call(KV_WRITE, "PUT", "/v1/kv/acl-%s", "v", 200),
            new Call(METRICS_READ, "GET", "/v1/metrics", null, 200),
            new Call(PUBLIC, "GET", "/v1/openapi.json", null, 200),
            new Call(SECRET_LIST, "GET", "/v1/secrets", null, 200),
            new Call(SECRET_READ, "GET", "/v1/secrets/no-such-secret", null, 404),
            new Call(SECRET_WRITE, "PUT", "/v1/secrets/acl-%s", "{\"value\": \"dg==\"}", 200),
            new Call(SECRET_WRITE, "DELETE", "/v1/secrets/no-such-secret", null, 404),
            new Call(UNCLASSIFIED, "GET", "/v1/no-such-endpoint", null, 404));

    private TestCluster cluster;
    private HttpClient http;
    private volatile String management;
    private final Map<AclPolicy, String> secrets = new EnumMap<>(AclPolicy.class);

    @BeforeAll
    void start() throws Exception {
        cluster = TestCluster.builder(3).secure().build().startAll();
        MusterServer leader = cluster.awaitLeader(T);
        for (MusterServer s : cluster.running()) s.ready().get(30, TimeUnit.SECONDS);
        X509Certificate ca = Pem.readCertificate(cluster.config(1).dataDir().resolve("ca.pem"));
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, new TrustManager[] {new ClusterServerTrustManager(ca, leader.state().identity().orElseThrow().clusterId(), Clock.systemUTC())}, null);
        http = HttpClient.newBuilder().sslContext(ssl).followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(10)).build();
        Await.until("API up", T, () -> {
            try {
                return call("GET", "/v1/health", null, null).statusCode() == 200;
            } catch (Exception e) {
                return false;
            }
        });
        HttpResponse<String> r = call("POST", "/v1/acl/bootstrap", null, null);
        assertEquals(200, r.statusCode(), r.body());
        management = JSON.readTree(r.body()).get("secret_id").asText();
        assertEquals("management", JSON.readTree(r.body()).get("policy").asText());
        secrets.put(AclPolicy.MANAGEMENT, management);
        for (AclPolicy p : AclPolicy.values()) if (p != AclPolicy.MANAGEMENT) secrets.put(p, create(p, "test " + p).get("secret_id").asText());
        // Every server knows every token before the tests start.
        for (MusterServer s : cluster.running()) Await.until("server " + s.config().serverId() + " has the tokens", T, () -> s.state().aclTokens().size() >= 4);
    }

    @AfterAll
    void stop() throws Exception {
        if (cluster != null) cluster.close();
    }

    private String leaderUrl() {
        return cluster.apiUrl(cluster.awaitLeader(T).config().serverId());
    }

    private int followerId() {
        return cluster.awaitLeader(T).config().serverId() % 3 + 1;
    }

    private HttpResponse<String> call(String method, String path, String token, String body) throws Exception {
        return call(leaderUrl(), method, path, token, body);
    }

    private HttpResponse<String> call(String base, String method, String path, String token, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(20))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) b.header("X-Muster-Token", token);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode create(AclPolicy p, String description) throws Exception {
        HttpResponse<String> r = call("POST", "/v1/acl/tokens", management, "{\"policy\": \"" + p.wireName() + "\", \"description\": \"" + description + "\"}");
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    @Test
    void everyMountedRouteIsClassified() {
        for (MusterServer s : cluster.running()) assertEquals(List.of(), s.api().unclassifiedRoutes(), "routes without a permission in AccessTable");
        // The check itself: a route added without an entry is reported, parameter routes compare by their template.
        Router r = Router.router(cluster.running().getFirst().api().vertx());
        r.get("/v1/nodes/:id").handler(ctx -> {});
        r.post("/v1/brand-new").handler(ctx -> {});
        r.route("/ui/*").handler(ctx -> {});
        assertEquals(List.of("POST /v1/brand-new"), AccessTable.unclassified(r.getRoutes()));
    }

    @Test
    void eachPolicyGetsExactlyItsPermissions() throws Exception {
        List<String> wrong = new ArrayList<>();
        for (AclPolicy p : AclPolicy.values()) {
            for (Call c : CALLS) {
                String path = c.path().formatted(p.wireName());
                String body = c.body() == null ? null : c.body().replace("%s", "acl-" + p.wireName());
                HttpResponse<String> r = call(c.method(), path, secrets.get(p), body);
                String what = p + " " + c.method() + " " + path + " -> " + r.statusCode() + " " + r.body();
                if (ALLOWED.get(p).contains(c.group())) {
                    if (r.statusCode() != c.allowedStatus()) wrong.add("expected " + c.allowedStatus() + ": " + what);
                } else {
                    JsonNode e = JSON.readTree(r.body());
                    String msg = "policy " + p.wireName() + " does not allow " + c.group() + " (" + c.method() + " " + path.replaceAll("\\?.*", "") + ")";
                    if (r.statusCode() != 403 || !"ACL_PERMISSION_DENIED".equals(e.path("code").asText()) || !msg.equals(e.path("error").asText()))
                        wrong.add("expected 403 '" + msg + "': " + what);
                }
            }
        }
        assertEquals(List.of(), wrong);
    }

    /** A secret's value: back to management only; never in a listing, the Raft log (plaintext) or to read-only/operator. */
    @Test
    void secretValuesGoOnlyToManagement() throws Exception {
        String value = "hunter2-" + Secrets.newSecret();
        String b64 = java.util.Base64.getEncoder().encodeToString(value.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        HttpResponse<String> r = call("PUT", "/v1/secrets/db_password", secrets.get(AclPolicy.OPERATOR), "{\"value\": \"" + b64 + "\"}");
        assertEquals(200, r.statusCode(), r.body());
        assertFalse(r.body().contains(value) || r.body().contains(b64), r.body());
        assertEquals(1, JSON.readTree(r.body()).get("version").asInt());
        for (AclPolicy p : List.of(AclPolicy.READ_ONLY, AclPolicy.OPERATOR, AclPolicy.NODE_PROVISIONER)) {
            r = call("GET", "/v1/secrets/db_password", secrets.get(p), null);
            assertEquals(403, r.statusCode(), p + ": " + r.body());
            assertEquals("policy " + p.wireName() + " does not allow secret:read (GET /v1/secrets/db_password)", JSON.readTree(r.body()).get("error").asText());
            assertFalse(r.body().contains(value), r.body());
        }
        // On a follower too: the value opens there with its own keyring (derived from the same cluster secret).
        r = call(cluster.apiUrl(followerId()), "GET", "/v1/secrets/db_password", management, null);
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(b64, JSON.readTree(r.body()).get("value").asText());
        r = call("GET", "/v1/secrets", secrets.get(AclPolicy.READ_ONLY), null);
        assertEquals(200, r.statusCode(), r.body());
        JsonNode listed = null;
        for (JsonNode x : JSON.readTree(r.body())) if (x.get("name").asText().equals("db_password")) listed = x;
        assertEquals(value.length(), listed.get("size").asInt(), r.body());
        assertFalse(listed.has("value") || r.body().contains(value) || r.body().contains(b64), r.body());
        String log = call("GET", "/v1/raft/log?limit=1000", management, null).body();
        assertTrue(log.contains("put_secret"), log);
        assertFalse(log.contains(value) || log.contains(b64), "the Raft log view shows the value");
        for (MusterServer s : cluster.running()) {
            var x = s.state().secrets().stream().filter(y -> y.name().equals("db_password")).findFirst().orElseThrow();
            assertFalse(new String(x.sealed(), java.nio.charset.StandardCharsets.ISO_8859_1).contains(value), "state holds the value in plaintext");
        }
        r = call("PUT", "/v1/secrets/db_password", secrets.get(AclPolicy.READ_ONLY), "{\"value\": \"" + b64 + "\"}");
        assertEquals(403, r.statusCode(), r.body());
    }

    @Test
    void deniedMessagesNameThePolicyAndThePermission() throws Exception {
        HttpResponse<String> r = call("POST", "/v1/nodes/3/drain", secrets.get(AclPolicy.READ_ONLY), "{}");
        assertEquals(403, r.statusCode());
        assertEquals("policy read-only does not allow node:write (POST /v1/nodes/3/drain)", JSON.readTree(r.body()).get("error").asText());
        assertEquals(401, call("GET", "/v1/nodes", null, null).statusCode(), "no token");
        r = call("GET", "/v1/nodes", "not-a-token", null);
        assertEquals(403, r.statusCode());
        assertEquals("ACL_TOKEN_INVALID", JSON.readTree(r.body()).get("code").asText());
    }

    @Test
    void followersCheckThePolicyAndProxyWithTheToken() throws Exception {
        String follower = cluster.apiUrl(followerId());
        HttpResponse<String> r = call(follower, "GET", "/v1/nodes", secrets.get(AclPolicy.READ_ONLY), null);
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("x-muster-leader").isPresent(), "proxied to the leader, which accepted the forwarded token");
        assertEquals(200, call(follower, "GET", "/v1/cluster/status", secrets.get(AclPolicy.OPERATOR), null).statusCode());
        r = call(follower, "GET", "/v1/nodes", secrets.get(AclPolicy.NODE_PROVISIONER), null);
        assertEquals(403, r.statusCode(), r.body());
        r = call(follower, "POST", "/v1/cluster/transfer-leader", secrets.get(AclPolicy.OPERATOR), "{}");
        assertEquals(403, r.statusCode(), "checked before the redirect: " + r.body());
        r = call(follower, "POST", "/v1/node/tokens", secrets.get(AclPolicy.NODE_PROVISIONER), "{\"max_uses\": 2}");
        assertEquals(200, r.statusCode(), r.body());
    }

    @Test
    void tokenAdminRoundTripAndListingsShowNoSecret() throws Exception {
        JsonNode made = create(AclPolicy.OPERATOR, "ci pipeline");
        for (String f : new String[] {"accessor_id", "secret_id", "policy", "description", "created_at"}) assertTrue(made.has(f), f);
        assertEquals("operator", made.get("policy").asText());
        assertEquals("ci pipeline", made.get("description").asText());
        String secret = made.get("secret_id").asText();
        assertEquals(43, secret.length());

        HttpResponse<String> r = call("GET", "/v1/acl/tokens", management, null);
        assertEquals(200, r.statusCode());
        JsonNode list = JSON.readTree(r.body());
        assertEquals("management", list.get(0).get("policy").asText(), "the bootstrap token is listed, first");
        assertEquals("bootstrap token", list.get(0).get("description").asText());
        boolean found = false;
        for (JsonNode t : list) {
            assertFalse(t.has("secret_id") || t.has("secret_sha256"), t.toString());
            found |= t.get("accessor_id").asText().equals(made.get("accessor_id").asText());
        }
        assertTrue(found);
        String log = call("GET", "/v1/raft/log?limit=1000", management, null).body();
        for (String s : List.of(secret, management, secrets.get(AclPolicy.READ_ONLY))) {
            assertFalse(r.body().contains(s) || r.body().contains(Secrets.sha256Hex(s)), "listing shows a secret or its hash");
            assertFalse(log.contains(s) || log.contains(Secrets.sha256Hex(s)), "raft log shows a secret or its hash");
        }
        assertTrue(log.contains("create_acl_token"), log);

        r = call("POST", "/v1/acl/tokens", management, "{\"policy\": \"root\"}");
        assertEquals(400, r.statusCode());
        assertTrue(r.body().contains("management, operator, read-only, node-provisioner"), r.body());
        assertEquals(400, call("POST", "/v1/acl/tokens", management, "{}").statusCode());
    }

    @Test
    void revocationTakesEffectOnEveryServer() throws Exception {
        JsonNode made = create(AclPolicy.OPERATOR, "short-lived");
        String secret = made.get("secret_id").asText();
        for (MusterServer s : cluster.running()) {
            String url = cluster.apiUrl(s.config().serverId());
            Await.until("server " + s.config().serverId() + " accepts the new token", T, () -> status(url, secret) == 200);
        }
        HttpResponse<String> r = call("DELETE", "/v1/acl/tokens/" + made.get("accessor_id").asText(), management, null);
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(403, status(leaderUrl(), secret), "the server that revoked it refuses it at once");
        for (MusterServer s : cluster.running()) {
            String url = cluster.apiUrl(s.config().serverId());
            Await.until("server " + s.config().serverId() + " refuses the revoked token", T, () -> status(url, secret) == 403);
        }
        r = call("DELETE", "/v1/acl/tokens/" + made.get("accessor_id").asText(), management, null);
        assertEquals(404, r.statusCode(), r.body());
    }

    private int status(String url, String token) {
        try {
            return call(url, "GET", "/v1/cluster/status?stale=true", token, null).statusCode();
        } catch (Exception e) {
            return -1;
        }
    }

    @Test
    void theLastManagementTokenCannotBeRevoked() throws Exception {
        JsonNode second = create(AclPolicy.MANAGEMENT, "second admin");
        String secondSecret = second.get("secret_id").asText();
        Await.until("every server knows the second admin", T, () -> cluster.running().stream().allMatch(s -> s.state().aclToken(second.get("accessor_id").asText()).isPresent()));
        List<String> others = new ArrayList<>();
        for (JsonNode t : JSON.readTree(call("GET", "/v1/acl/tokens", secondSecret, null).body()))
            if (t.get("policy").asText().equals("management") && !t.get("accessor_id").asText().equals(second.get("accessor_id").asText()))
                others.add(t.get("accessor_id").asText());
        for (String id : others) assertEquals(200, call("DELETE", "/v1/acl/tokens/" + id, secondSecret, null).statusCode());
        management = secondSecret; // the other tests go on with the remaining admin
        secrets.put(AclPolicy.MANAGEMENT, secondSecret);
        HttpResponse<String> r = call("DELETE", "/v1/acl/tokens/" + second.get("accessor_id").asText(), secondSecret, null);
        assertEquals(409, r.statusCode(), r.body());
        JsonNode e = JSON.readTree(r.body());
        assertEquals("ACL_LAST_MANAGEMENT_TOKEN", e.get("code").asText());
        assertTrue(e.get("error").asText().contains("last management token"), r.body());
        assertEquals(200, call("GET", "/v1/acl/tokens", secondSecret, null).statusCode(), "still an admin");
    }

    @Test
    void nodeProvisionerMintsOnlyBoundedJoinTokens() throws Exception {
        String prov = secrets.get(AclPolicy.NODE_PROVISIONER);
        Map<String, String> refused = Map.of(
                "{\"max_uses\": 0}", "max_uses must be between 1 and 100 (0 = unlimited is not allowed)",
                "{\"max_uses\": 101}", "max_uses must be between 1 and 100, got 101",
                "{\"max_uses\": 5, \"valid_for_secs\": 86401}", "valid_for must be at most 86400 seconds, got 86401");
        for (var e : refused.entrySet()) {
            HttpResponse<String> r = call("POST", "/v1/node/tokens", prov, e.getKey());
            assertEquals(403, r.statusCode(), r.body());
            JsonNode err = JSON.readTree(r.body());
            assertEquals("ACL_PERMISSION_DENIED", err.get("code").asText());
            assertEquals("policy node-provisioner: " + e.getValue() + " (POST /v1/node/tokens)", err.get("error").asText());
        }
        HttpResponse<String> r = call("POST", "/v1/node/tokens", prov, "{\"max_uses\": 100, \"valid_for_secs\": 86400, \"labels\": {\"zone\": \"a\"}}");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(100, JSON.readTree(r.body()).get("max_uses").asInt());
        r = call("POST", "/v1/node/tokens", prov, null);
        assertEquals(200, r.statusCode(), "the defaults (1 use, 1 day) are within bounds: " + r.body());
        // The bounds are the provisioner's: management may still mint an unlimited token.
        assertEquals(200, call("POST", "/v1/node/tokens", management, "{\"max_uses\": 0}").statusCode());
    }
}
