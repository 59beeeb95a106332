package io.muster.server.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import io.muster.pki.pem.Pem;
import io.muster.pki.tls.ClusterServerTrustManager;
import io.muster.server.MusterServer;
import io.muster.server.testkit.Await;
import io.muster.server.testkit.TestCluster;
import io.muster.server.testkit.TestWorker;
import io.muster.types.config.HostPort;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code /v1/openapi.json} against the API itself: (a) the routes the Vert.x router mounts and the documented operations
 * are the same set, and each documented permission is the AccessTable's; (b) every documented operation is called on a
 * real dev server (the ACL ones, which dev mode refuses, also on a secure server) and each answer's status must be
 * documented for it and its body must validate against the documented schema (networknt json-schema-validator, JSON
 * Schema 2020-12, the dialect of OpenAPI 3.1); JSON request bodies are validated against their documented schema too.
 */
@Timeout(300)
class OpenApiTest {
    private static final Duration T = Duration.ofSeconds(30);
    private static final JsonNode DOC = OpenApiDoc.document();
    private static final SchemaRegistry SCHEMAS = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
    private static final String JOB = "{\"id\": \"%s\", \"type\": \"service\", \"groups\": [{\"name\": \"g\", \"count\": 1, \"tasks\": [{\"name\": \"t\", "
            + "\"driver\": \"exec\", \"command\": \"sleep\", \"args\": [\"300\"], \"resources\": {\"cpu\": 100, \"memory\": 64}}]}]}";

    /**
     * One call: the documented operation ({@code template} as in the document), the concrete path and body ({@code {node}},
     * {@code {alloc}}, {@code {token}} filled in), and the status this call must get.
     */
    record Call(String method, String template, String path, String contentType, String body, int status) {
        static Call of(String method, String template, String path, int status) {
            return new Call(method, template, path, null, null, status);
        }

        static Call json(String method, String template, String path, String body, int status) {
            return new Call(method, template, path, "application/json", body, status);
        }
    }

    @Test
    void theCheckNamesAnUndocumentedRouteAndAMissingOne() throws Exception {
        io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
        try {
            Router r = Router.router(vertx);
            r.get("/v1/health").handler(ctx -> {});
            r.get("/v1/undocumented").handler(ctx -> {}); // a route someone adds without documenting it
            r.route("/ui/*").handler(ctx -> {}); // the dashboard's static files are not REST endpoints
            List<String> m = OpenApiDoc.mismatches(r.getRoutes(), DOC);
            assertTrue(m.contains("GET /v1/undocumented is mounted but not documented: add paths.\"/v1/undocumented\".get to "
                    + "server/src/main/resources/io/muster/server/api/openapi.json"), m.toString());
            assertTrue(m.contains("GET /v1/nodes/:id is documented in server/src/main/resources/io/muster/server/api/openapi.json but no route serves it"),
                    m.toString());
            assertTrue(m.stream().noneMatch(x -> x.contains("/v1/health") || x.contains("/ui")), m.toString());
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void everyReferenceResolvesAndEverySchemaCompiles() {
        assertEquals("3.1.0", DOC.path("openapi").asText());
        String text = DOC.toString();
        var refs = java.util.regex.Pattern.compile("\"\\$ref\":\"#/components/schemas/([A-Za-z]+)\"").matcher(text);
        while (refs.find()) assertTrue(DOC.path("components").path("schemas").has(refs.group(1)), "unresolved $ref " + refs.group(1));
        for (Iterator<String> it = DOC.path("components").path("schemas").fieldNames(); it.hasNext(); ) schema(DOC.at("/components/schemas/" + it.next()));
    }

    @Test
    void everyDocumentedOperationAnswersAsDocumentedOnADevServer() throws Exception {
        try (TestCluster c = TestCluster.builder(1).build().startAll(); TestWorker worker = new TestWorker()) {
            MusterServer s = c.awaitLeader(T);
            s.ready().get(30, TimeUnit.SECONDS);
            Await.until("grpc up", T, () -> s.grpc().port() > 0);
            // (a) the router and the document agree, on the real server
            assertEquals(List.of(), OpenApiDoc.mismatches(s.api().routes(), DOC), "routes and openapi.json differ");

            // A node with an allocation, and a join token to revoke.
            HostPort grpc = new HostPort("127.0.0.1", s.config().workerGrpcAddr().port());
            var tok = s.joinTokens().create(Duration.ofHours(1), 1, Map.of(), "openapi").get(30, TimeUnit.SECONDS);
            worker.register(grpc, tok.token(), TestWorker.profile("openapi-worker", Map.of("group", "web")));
            worker.beat(worker.connect(grpc));
            Await.until("ready", T, () -> s.state().node(worker.nodeId).map(n -> n.state().wire().equals("ready")).orElse(false));
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            String url = c.apiUrl(1);
            assertEquals(201, send(http, url, Call.json("POST", "/v1/jobs", "/v1/jobs", JOB.formatted("oa-job"), 201), null).statusCode());
            Await.until("placed", T, () -> !s.state().allocsOfJob("oa-job").isEmpty());
            String alloc = s.state().allocsOfJob("oa-job").getFirst().id();
            var spare = s.joinTokens().create(Duration.ofHours(1), 1, Map.of(), "to revoke").get(30, TimeUnit.SECONDS);
            String node = Long.toString(worker.nodeId);

            List<Call> calls = List.of(
                    Call.of("GET", "/v1/health", "/v1/health", 200),
                    Call.of("GET", "/v1/openapi.json", "/v1/openapi.json", 200),
                    Call.of("GET", "/v1/metrics", "/v1/metrics", 200),
                    Call.of("POST", "/v1/acl/bootstrap", "/v1/acl/bootstrap", 400), // dev mode has no ACLs: the secure test below
                    Call.json("POST", "/v1/acl/tokens", "/v1/acl/tokens", "{\"policy\": \"read-only\"}", 400),
                    Call.of("GET", "/v1/acl/tokens", "/v1/acl/tokens", 400),
                    Call.of("DELETE", "/v1/acl/tokens/{accessor_id}", "/v1/acl/tokens/nobody", 400),
                    Call.json("POST", "/v1/node/tokens", "/v1/node/tokens", "{\"max_uses\": 1, \"valid_for_secs\": 600, \"labels\": {\"group\": \"web\"}}", 200),
                    Call.of("GET", "/v1/node/tokens", "/v1/node/tokens", 200),
                    Call.of("DELETE", "/v1/node/tokens/{id}", "/v1/node/tokens/" + spare.tokenId(), 200),
                    Call.of("DELETE", "/v1/node/tokens/{id}", "/v1/node/tokens/no-such-token", 404),
                    Call.of("GET", "/v1/nodes", "/v1/nodes", 200),
                    Call.of("GET", "/v1/nodes/{id}", "/v1/nodes/" + node + "?limit=5", 200),
                    Call.of("GET", "/v1/nodes/{id}", "/v1/nodes/424242", 404),
                    Call.of("GET", "/v1/nodes/{id}", "/v1/nodes/not-a-number", 400),
                    Call.json("POST", "/v1/nodes/{id}/eligibility", "/v1/nodes/" + node + "/eligibility", "{\"eligible\": true}", 200),
                    Call.json("POST", "/v1/nodes/{id}/eligibility", "/v1/nodes/" + node + "/eligibility", "{}", 400),
                    Call.json("POST", "/v1/nodes/{id}/drain", "/v1/nodes/" + node + "/drain", "{\"enable\": false}", 200),
                    Call.json("POST", "/v1/jobs", "/v1/jobs", JOB.formatted("oa-second"), 201),
                    new Call("POST", "/v1/jobs", "/v1/jobs", "application/yaml", "id: oa-yaml\ntype: batch\ngroups:\n  - name: g\n    tasks:\n"
                            + "      - {name: t, driver: exec, command: \"true\"}\n", 201),
                    Call.json("POST", "/v1/jobs", "/v1/jobs", "{\"groups\": 3}", 400),
                    Call.json("POST", "/v1/jobs/oneshot", "/v1/jobs/oneshot", "{\"command\": [\"true\"], \"target\": \"node:" + node + "\"}", 201),
                    Call.json("POST", "/v1/jobs/oneshot", "/v1/jobs/oneshot", "{\"command\": [\"true\"], \"target\": \"group:nobody\"}", 409),
                    Call.of("GET", "/v1/jobs", "/v1/jobs?limit=2", 200),
                    Call.of("GET", "/v1/jobs", "/v1/jobs?index=999999&wait=50ms", 200),
                    Call.of("GET", "/v1/jobs", "/v1/jobs?limit=0", 400),
                    Call.of("GET", "/v1/jobs/{id}", "/v1/jobs/oa-job", 200),
                    Call.of("GET", "/v1/jobs/{id}", "/v1/jobs/no-such-job", 404),
                    Call.of("GET", "/v1/jobs/{id}/logs", "/v1/jobs/oa-job/logs", 200),
                    Call.of("GET", "/v1/jobs/{id}/logs", "/v1/jobs/oa-job/logs?stream=both", 200),
                    Call.of("GET", "/v1/allocations/{id}", "/v1/allocations/" + alloc, 200),
                    Call.of("GET", "/v1/allocations/{id}", "/v1/allocations/no-such-alloc", 404),
                    Call.of("GET", "/v1/allocations/{id}/logs", "/v1/allocations/" + alloc + "/logs", 200),
                    Call.of("POST", "/v1/jobs/{id}/cancel", "/v1/jobs/no-such-job/cancel", 404),
                    Call.of("DELETE", "/v1/jobs/{id}", "/v1/jobs/oa-second", 200),
                    Call.of("DELETE", "/v1/jobs/{id}", "/v1/jobs/oa-second?purge=true", 200),
                    Call.of("GET", "/v1/cluster/status", "/v1/cluster/status", 200),
                    Call.json("POST", "/v1/cluster/server-certificate", "/v1/cluster/server-certificate",
                            "{\"server_id\": 2, \"csr\": \"AAAA\", \"proof\": \"nope\"}", 401),
                    Call.json("POST", "/v1/cluster/server-certificate", "/v1/cluster/server-certificate", "{\"server_id\": 0}", 400),
                    Call.json("POST", "/v1/cluster/servers", "/v1/cluster/servers", "{\"id\": 0}", 400),
                    Call.of("DELETE", "/v1/cluster/servers/{id}", "/v1/cluster/servers/99", 400),
                    Call.of("GET", "/v1/raft/log", "/v1/raft/log?limit=5", 200),
                    Call.of("GET", "/v1/raft/log", "/v1/raft/log?tail=3", 200),
                    Call.of("POST", "/v1/raft/snapshot", "/v1/raft/snapshot", 200),
                    Call.of("POST", "/v1/system/gc", "/v1/system/gc", 200),
                    new Call("PUT", "/v1/kv/{key}", "/v1/kv/oa-key", "application/octet-stream", "v", 200),
                    Call.of("GET", "/v1/kv/{key}", "/v1/kv/oa-key", 200),
                    Call.of("GET", "/v1/kv/{key}", "/v1/kv/no-such-key", 404),
                    Call.json("PUT", "/v1/secrets/{name}", "/v1/secrets/oa-secret", "{\"value\": \"dg==\"}", 200),
                    Call.json("PUT", "/v1/secrets/{name}", "/v1/secrets/oa-secret", "{\"value\": 3}", 400),
                    Call.of("GET", "/v1/secrets", "/v1/secrets", 200),
                    Call.of("GET", "/v1/secrets/{name}", "/v1/secrets/oa-secret", 200),
                    Call.of("DELETE", "/v1/secrets/{name}", "/v1/secrets/oa-secret", 200),
                    Call.of("GET", "/v1/secrets/{name}", "/v1/secrets/oa-secret", 404),
                    Call.json("POST", "/v1/cluster/transfer-leader", "/v1/cluster/transfer-leader", "{}", 409), // one server: nobody to hand it to
                    Call.of("GET", "/v1/events", "/v1/events?topic=Secret", 400), // the 200 stream never ends: checked below
                    Call.of("POST", "/v1/nodes/{id}/revoke", "/v1/nodes/" + node + "/revoke", 200));
            List<String> problems = new ArrayList<>();
            Set<String> called = new TreeSet<>();
            for (Call call : calls) {
                called.add(call.method() + " " + call.template());
                problems.addAll(check(http, url, call, null));
            }
            problems.addAll(eventLines(url));
            assertEquals(List.of(), problems, "answers that differ from openapi.json");
            Set<String> documented = new TreeSet<>();
            for (String op : OpenApiDoc.documented(DOC)) documented.add(op.replaceAll(":([A-Za-z0-9_]+)", "{$1}"));
            assertEquals(documented, called, "every documented operation is called here at least once");
        }
    }

    /** The ACL endpoints answer 400 ACL_DISABLED in dev mode: their success shapes are checked on a secure server. */
    @Test
    void theAclOperationsAnswerAsDocumentedOnASecureServer() throws Exception {
        try (TestCluster c = TestCluster.builder(1).secure().build().startAll()) {
            MusterServer s = c.awaitLeader(T);
            s.ready().get(30, TimeUnit.SECONDS);
            X509Certificate ca = Pem.readCertificate(c.config(1).dataDir().resolve("ca.pem"));
            SSLContext ssl = SSLContext.getInstance("TLS");
            ssl.init(null, new TrustManager[] {new ClusterServerTrustManager(ca, s.state().identity().orElseThrow().clusterId(), Clock.systemUTC())}, null);
            HttpClient http = HttpClient.newBuilder().sslContext(ssl).version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
            String url = c.apiUrl(1);
            Await.until("API up", T, () -> {
                try {
                    return send(http, url, Call.of("GET", "/v1/health", "/v1/health", 200), null).statusCode() == 200;
                } catch (Exception e) {
                    return false;
                }
            });
            Call boot = Call.of("POST", "/v1/acl/bootstrap", "/v1/acl/bootstrap", 200);
            HttpResponse<String> booted = send(http, url, boot, null);
            List<String> problems = new ArrayList<>(answerProblems(boot, booted));
            String management = Http.JSON.readTree(booted.body()).path("secret_id").asText();
            problems.addAll(check(http, url, Call.of("POST", "/v1/acl/bootstrap", "/v1/acl/bootstrap", 409), null)); // once per cluster
            HttpResponse<String> created = send(http, url, Call.json("POST", "/v1/acl/tokens", "/v1/acl/tokens", "{\"policy\": \"read-only\"}", 200), management);
            problems.addAll(answerProblems(Call.json("POST", "/v1/acl/tokens", "/v1/acl/tokens", "{\"policy\": \"read-only\"}", 200), created));
            String readOnly = Http.JSON.readTree(created.body()).path("secret_id").asText();
            String accessor = Http.JSON.readTree(created.body()).path("accessor_id").asText();
            problems.addAll(check(http, url, Call.of("GET", "/v1/acl/tokens", "/v1/acl/tokens", 200), management));
            problems.addAll(check(http, url, Call.of("GET", "/v1/acl/tokens", "/v1/acl/tokens", 401), null));
            problems.addAll(check(http, url, Call.of("GET", "/v1/acl/tokens", "/v1/acl/tokens", 403), readOnly));
            problems.addAll(check(http, url, Call.of("GET", "/v1/openapi.json", "/v1/openapi.json", 200), null)); // public
            problems.addAll(check(http, url, Call.of("DELETE", "/v1/acl/tokens/{accessor_id}", "/v1/acl/tokens/" + accessor, 200), management));
            assertEquals(List.of(), problems, "answers that differ from openapi.json");
        }
    }

    private static HttpResponse<String> send(HttpClient http, String url, Call call, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url + call.path())).timeout(Duration.ofSeconds(30))
                .method(call.method(), call.body() == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(call.body()));
        if (call.contentType() != null) b.header("content-type", call.contentType());
        if (token != null) b.header("X-Muster-Token", token);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Sends the call and lists how its request or answer differs from the document (empty when it matches). */
    private static List<String> check(HttpClient http, String url, Call call, String token) throws Exception {
        return answerProblems(call, send(http, url, call, token));
    }

    private static List<String> answerProblems(Call call, HttpResponse<String> r) throws Exception {
        List<String> out = new ArrayList<>();
        String what = call.method() + " " + call.path();
        JsonNode op = DOC.path("paths").path(call.template()).path(call.method().toLowerCase(Locale.ROOT));
        if (op.isMissingNode()) return List.of(what + ": " + call.method() + " " + call.template() + " is not documented");
        // The documented permission is the one AccessTable enforces.
        String enforced = AccessTable.permission(HttpMethod.valueOf(call.method()), URI.create("http://x" + call.path()).getPath()).toString();
        if (!enforced.equals(op.path("x-muster-permission").asText())) out.add(what + ": documented permission " + op.path("x-muster-permission")
                + ", AccessTable says " + enforced);
        // The request body, when JSON, is what the document asks for (a call meant to be refused need not be).
        JsonNode reqSchema = op.path("requestBody").path("content").path("application/json").path("schema");
        if (call.body() != null && "application/json".equals(call.contentType()) && !reqSchema.isMissingNode() && call.status() < 400) {
            for (var e : schema(reqSchema).validate(Http.JSON.readTree(call.body()))) out.add(what + " request: " + e);
        }
        if (r.statusCode() != call.status()) out.add(what + ": expected " + call.status() + ", got " + r.statusCode() + " " + r.body());
        JsonNode resp = op.path("responses").path(Integer.toString(r.statusCode()));
        if (resp.isMissingNode()) {
            out.add(what + ": status " + r.statusCode() + " is not documented (" + r.body() + ")");
            return out;
        }
        String type = r.headers().firstValue("content-type").orElse("").split(";")[0].trim();
        JsonNode content = resp.path("content");
        if (content.isMissingNode()) return out;
        JsonNode media = content.path(type);
        if (media.isMissingNode()) {
            out.add(what + ": content-type " + type + " is not documented for " + r.statusCode());
            return out;
        }
        Schema schema = schema(media.path("schema"));
        switch (type) {
            case "application/json" -> {
                for (var e : schema.validate(Http.JSON.readTree(r.body()))) out.add(what + " -> " + r.statusCode() + ": " + e);
            }
            case "application/x-ndjson" -> {
                for (String line : r.body().split("\n")) {
                    if (line.isBlank()) continue;
                    for (var e : schema.validate(Http.JSON.readTree(line))) out.add(what + " -> line " + line + ": " + e);
                }
            }
            default -> {
                if (r.body().isEmpty()) out.add(what + ": empty " + type + " body");
            }
        }
        return out;
    }

    /**
     * {@code GET /v1/events?index=0}: the replay of everything this test did, read line by line until the first
     * heartbeat (sent once the replay is through), each line checked against the documented {@code EventLine}.
     */
    private static List<String> eventLines(String url) throws Exception {
        List<String> out = new ArrayList<>();
        Schema schema = schema(DOC.path("paths").path("/v1/events").path("get").path("responses").path("200").path("content")
                .path("application/x-ndjson").path("schema"));
        HttpClient client = HttpClient.newHttpClient();
        HttpResponse<java.util.stream.Stream<String>> r = client.send(HttpRequest.newBuilder(URI.create(url + "/v1/events?index=0"))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofLines());
        if (r.statusCode() != 200) return List.of("GET /v1/events?index=0 -> " + r.statusCode());
        int events = 0;
        try (var lines = r.body()) {
            for (String line : (Iterable<String>) lines.limit(100_000)::iterator) {
                if (line.isBlank()) continue;
                JsonNode n = Http.JSON.readTree(line);
                for (var e : schema.validate(n)) out.add("GET /v1/events -> line " + line + ": " + e);
                if ("heartbeat".equals(n.path("type").asText())) break;
                events++;
            }
        }
        if (events == 0) out.add("GET /v1/events?index=0 replayed no event before its heartbeat");
        return out;
    }

    /** A schema of the document, its component references resolved against the document's own components. */
    private static Schema schema(JsonNode schema) {
        ObjectNode root = Http.JSON.createObjectNode();
        root.put("$schema", "https://json-schema.org/draft/2020-12/schema");
        root.set("$defs", DOC.path("components").path("schemas"));
        root.set("allOf", Http.JSON.createArrayNode().add(schema));
        try {
            return SCHEMAS.getSchema(Http.JSON.readTree(root.toString().replace("#/components/schemas/", "#/$defs/")));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
