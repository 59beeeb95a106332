package io.muster.server.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.muster.pki.pem.Pem;
import io.muster.pki.tls.ClusterServerTrustManager;
import io.muster.server.MusterServer;
import io.muster.server.testkit.Await;
import io.muster.server.testkit.TestCluster;
import io.muster.server.testkit.TestWorker;
import io.muster.types.config.HostPort;
import io.muster.types.config.ServerConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * GET /v1/metrics on real single servers: the Prometheus text with Muster's families and sane values on a dev server
 * with a registered worker and a placed job; on a secure server the endpoint needs a token with metrics:read (a
 * read-only token has it), unless the config says metrics: {public: true}.
 */
@Timeout(240)
class MetricsApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration T = Duration.ofSeconds(30);
    private static final String JOB = "{\"id\": \"metrics-job\", \"type\": \"service\", \"groups\": [{\"name\": \"g\", \"count\": 1, "
            + "\"tasks\": [{\"name\": \"t\", \"driver\": \"exec\", \"command\": \"sleep\", \"args\": [\"300\"], "
            + "\"resources\": {\"cpu\": 100, \"memory\": 64}}]}]}";

    /** One sample line of the text format: name, labels, value. */
    record Sample(String name, Map<String, String> labels, double value) {}

    /** The text format's samples (Micrometer writes no timestamps; label values here hold no quote, comma or space). */
    static List<Sample> parse(String text) {
        List<Sample> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) continue;
            int sp = line.lastIndexOf(' ');
            String series = line.substring(0, sp);
            double value = Double.parseDouble(line.substring(sp + 1));
            Map<String, String> labels = new TreeMap<>();
            String name = series;
            int brace = series.indexOf('{');
            if (brace >= 0) {
                name = series.substring(0, brace);
                for (String kv : series.substring(brace + 1, series.length() - 1).split(",")) {
                    if (kv.isEmpty()) continue;
                    int eq = kv.indexOf('=');
                    labels.put(kv.substring(0, eq), kv.substring(eq + 2, kv.length() - 1));
                }
            }
            out.add(new Sample(name, labels, value));
        }
        return out;
    }

    /** The sum of the samples of {@code name} whose labels include {@code labels}; NaN when there is none. */
    static double value(List<Sample> samples, String name, Map<String, String> labels) {
        double sum = 0;
        boolean found = false;
        for (Sample s : samples) {
            if (s.name().equals(name) && s.labels().entrySet().containsAll(labels.entrySet())) {
                sum += s.value();
                found = true;
            }
        }
        return found ? sum : Double.NaN;
    }

    static double value(List<Sample> samples, String name) {
        return value(samples, name, Map.of());
    }

    private static HttpResponse<String> get(HttpClient http, String url, String path, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofSeconds(20)).GET();
        if (token != null) b.header("X-Muster-Token", token);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> post(HttpClient http, String url, String path, String token, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofSeconds(20))
                .header("content-type", "application/json")
                .POST(body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) b.header("X-Muster-Token", token);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static List<Sample> scrape(HttpClient http, String url, String token) throws Exception {
        HttpResponse<String> r = get(http, url, "/v1/metrics", token);
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("text/plain"), r.headers().toString());
        return parse(r.body());
    }

    @Test
    void aDevServerServesItsMetricsWithSaneValues() throws Exception {
        try (TestCluster cluster = TestCluster.builder(1).snapshotThreshold(8).build().startAll(); TestWorker worker = new TestWorker()) {
            MusterServer s = cluster.awaitLeader(T);
            s.ready().get(30, TimeUnit.SECONDS);
            Await.until("grpc up", T, () -> s.grpc().port() > 0);
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            String url = cluster.apiUrl(1);

            // A worker registers, heartbeats (it becomes ready) and polls once.
            var tok = s.joinTokens().create(Duration.ofHours(1), 1, Map.of(), "metrics test").get(30, TimeUnit.SECONDS);
            HostPort grpc = new HostPort("127.0.0.1", s.config().workerGrpcAddr().port());
            worker.register(grpc, tok.token(), TestWorker.profile("metrics-worker", Map.of()));
            var stub = worker.connect(grpc);
            worker.beat(stub);
            worker.poll(stub, 0, 1);
            Await.until("the node is ready", T, () -> s.state().node(worker.nodeId).map(n -> n.state().wire().equals("ready")).orElse(false));
            // A job the scheduler places on it.
            HttpResponse<String> r = post(http, url, "/v1/jobs", null, JOB);
            assertEquals(201, r.statusCode(), r.body());
            Await.until("the job is placed", T, () -> !s.state().allocsOfJob("metrics-job").isEmpty());
            // Snapshots: every 8 entries here (POST /v1/raft/snapshot takes none before Ratis' creation gap of 1,024 entries).
            Await.until("the snapshot is counted", T, () -> {
                try {
                    return value(scrape(http, url, null), "muster_raft_snapshot_duration_seconds_count") >= 1;
                } catch (Exception e) {
                    return false;
                }
            });

            List<Sample> m = scrape(http, url, null);
            assertTrue(value(m, "muster_raft_applied_index") > 0, "applied index");
            assertTrue(value(m, "muster_raft_commit_index") >= value(m, "muster_raft_applied_index") - 1000, "commit index");
            assertTrue(value(m, "muster_raft_term") >= 1, "term");
            assertTrue(value(m, "muster_raft_apply_lag") >= 0, "apply lag");
            assertEquals(1.0, value(m, "muster_raft_is_leader"));
            assertTrue(value(m, "muster_raft_leader_changes_total") >= 1, "leader changes");
            assertTrue(value(m, "muster_raft_snapshot_duration_seconds_count") >= 1, "snapshots");
            assertTrue(value(m, "muster_raft_snapshot_size_bytes") > 0, "snapshot size");

            assertEquals(1.0, value(m, "muster_nodes", Map.of("state", "ready")));
            assertEquals(0.0, value(m, "muster_nodes", Map.of("state", "down")));
            assertEquals(1.0, value(m, "muster_nodes_live"));
            assertEquals(1.0, value(m, "muster_worker_registrations_total", Map.of("result", "accepted")));
            assertEquals(0.0, value(m, "muster_worker_registrations_total", Map.of("result", "refused")));
            assertEquals(1.0, value(m, "muster_worker_registration_duration_seconds_count"));
            assertTrue(value(m, "muster_worker_heartbeats_total") >= 1, "heartbeats");
            assertTrue(value(m, "muster_worker_polls_total") >= 1, "polls");
            assertEquals(0.0, value(m, "muster_worker_lease_expiries_total"));
            assertTrue(value(m, "muster_worker_connected") >= 0, "connected workers");
            assertTrue(value(m, "muster_worker_poll_waiters") >= 0, "poll waiters");

            assertTrue(value(m, "muster_scheduler_evaluations_total") >= 1, "evaluations");
            assertTrue(value(m, "muster_scheduler_placements_total") >= 1, "placements");
            assertTrue(value(m, "muster_scheduler_plan_duration_seconds_count") >= 1, "plans timed");
            assertTrue(value(m, "muster_scheduler_plan_duration_seconds_bucket", Map.of("le", "+Inf")) >= 1, "a histogram (for p99)");
            assertEquals(1.0, value(m, "muster_jobs"), "one job, whatever its status");
            assertEquals(0.0, value(m, "muster_jobs", Map.of("status", "stopped")));
            assertEquals(1.0, value(m, "muster_allocations", Map.of("status", "pending")) + value(m, "muster_allocations", Map.of("status", "running")));

            assertTrue(value(m, "jvm_memory_used_bytes") > 0, "JVM memory");
            assertTrue(value(m, "jvm_threads_live_threads") > 0, "JVM threads");
            assertTrue(value(m, "system_cpu_count") > 0, "processor");
            assertTrue(m.stream().anyMatch(x -> x.name().startsWith("jvm_gc_")), "JVM GC");

            // API requests by route template (never the raw path) and status.
            Map<String, String> notFound = Map.of("method", "GET", "route", "/v1/nodes/:id", "status", "404");
            double before = value(m, "muster_api_requests_total", notFound);
            assertEquals(404, get(http, url, "/v1/nodes/424242", null).statusCode());
            assertEquals(404, get(http, url, "/v1/nodes/434343", null).statusCode());
            List<Sample> after = scrape(http, url, null);
            assertEquals((Double.isNaN(before) ? 0 : before) + 2, value(after, "muster_api_requests_total", notFound));
            assertTrue(value(after, "muster_api_requests_total", Map.of("route", "/v1/metrics", "status", "200")) >= 1);
            assertTrue(value(after, "muster_api_request_duration_seconds_count", Map.of("route", "/v1/nodes/:id")) >= 2);
            assertTrue(after.stream().noneMatch(x -> x.labels().getOrDefault("route", "").contains("424242")), "no raw path as a label");
            // A blocking query is its own series: its wait must not count as the route's latency.
            assertEquals(200, get(http, url, "/v1/jobs?index=999999&wait=50ms", null).statusCode());
            List<Sample> blocking = scrape(http, url, null);
            assertEquals(1.0, value(blocking, "muster_api_requests_total", Map.of("route", "/v1/jobs?index", "status", "200")));
            assertTrue(Double.isNaN(value(blocking, "muster_api_requests_total", Map.of("route", "/v1/jobs", "status", "200")))
                    || value(blocking, "muster_api_requests_total", Map.of("route", "/v1/jobs", "status", "200"))
                    == value(after, "muster_api_requests_total", Map.of("route", "/v1/jobs", "status", "200")), "not counted as a plain list");

            // The shipped Grafana dashboard reads only names this server serves.
            java.nio.file.Path dashboard = java.nio.file.Path.of("..", "deploy", "grafana", "muster-dashboard.json");
            var names = java.util.regex.Pattern.compile("\\b(muster_[a-z_]+|jvm_[a-z_]+)").matcher(java.nio.file.Files.readString(dashboard))
                    .results().map(x -> x.group(1)).collect(java.util.stream.Collectors.toCollection(java.util.TreeSet::new));
            assertTrue(names.contains("muster_worker_heartbeats_total") && names.contains("muster_api_request_duration_seconds_bucket"), names.toString());
            for (String name : names) assertTrue(after.stream().anyMatch(x -> x.name().equals(name)), "the dashboard reads " + name + ", which is not served");
        }
    }

    private record Secure(TestCluster cluster, HttpClient http, String url, String management) implements AutoCloseable {
        @Override
        public void close() throws Exception {
            cluster.close();
        }
    }

    private static Secure secure(TestCluster.Builder builder) throws Exception {
        TestCluster cluster = builder.secure().build().startAll();
        MusterServer server = cluster.awaitLeader(T);
        server.ready().get(30, TimeUnit.SECONDS);
        X509Certificate ca = Pem.readCertificate(cluster.config(1).dataDir().resolve("ca.pem"));
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, new TrustManager[] {new ClusterServerTrustManager(ca, server.state().identity().orElseThrow().clusterId(), Clock.systemUTC())}, null);
        HttpClient http = HttpClient.newBuilder().sslContext(ssl).version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
        String url = cluster.apiUrl(1);
        Await.until("API up", T, () -> {
            try {
                return get(http, url, "/v1/health", null).statusCode() == 200;
            } catch (Exception e) {
                return false;
            }
        });
        HttpResponse<String> r = post(http, url, "/v1/acl/bootstrap", null, null);
        assertEquals(200, r.statusCode(), r.body());
        return new Secure(cluster, http, url, JSON.readTree(r.body()).get("secret_id").asText());
    }

    private static String token(Secure s, String policy) throws Exception {
        HttpResponse<String> r = post(s.http(), s.url(), "/v1/acl/tokens", s.management(), "{\"policy\": \"" + policy + "\"}");
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body()).get("secret_id").asText();
    }

    @Test
    void onASecureServerTheEndpointNeedsMetricsRead() throws Exception {
        try (Secure s = secure(TestCluster.builder(1))) {
            HttpResponse<String> r = get(s.http(), s.url(), "/v1/metrics", null);
            assertEquals(401, r.statusCode(), r.body());
            assertEquals("ACL_TOKEN_MISSING", JSON.readTree(r.body()).get("code").asText());
            assertEquals(403, get(s.http(), s.url(), "/v1/metrics", "not-a-token").statusCode());
            r = get(s.http(), s.url(), "/v1/metrics", token(s, "node-provisioner"));
            assertEquals(403, r.statusCode(), r.body());
            assertEquals("policy node-provisioner does not allow metrics:read (GET /v1/metrics)", JSON.readTree(r.body()).get("error").asText());
            List<Sample> m = scrape(s.http(), s.url(), token(s, "read-only"));
            assertTrue(value(m, "muster_raft_applied_index") > 0);
            assertEquals(1.0, value(m, "muster_raft_is_leader"));
            // The refused calls were counted too, under the route's template.
            assertTrue(value(m, "muster_api_requests_total", Map.of("route", "/v1/metrics", "status", "401")) >= 1);
            assertTrue(value(m, "muster_api_requests_total", Map.of("route", "/v1/metrics", "status", "403")) >= 2);
        }
    }

    @Test
    void metricsPublicOpensOnlyTheMetricsEndpoint() throws Exception {
        try (Secure s = secure(TestCluster.builder(1).config(c -> c.withMetrics(new ServerConfig.Metrics(true))))) {
            List<Sample> m = scrape(s.http(), s.url(), null);
            assertTrue(value(m, "muster_raft_applied_index") > 0);
            assertEquals(401, get(s.http(), s.url(), "/v1/nodes", null).statusCode(), "everything else still needs a token");
            assertEquals(401, get(s.http(), s.url(), "/v1/cluster/status", null).statusCode());
        }
    }
}
