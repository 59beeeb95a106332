package io.muster.worker.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.muster.server.MusterServer;
import io.muster.server.testkit.Await;
import io.muster.server.testkit.TestCluster;
import io.muster.types.config.HostPort;
import io.muster.types.config.WorkerConfig;
import io.muster.types.state.NodeStatus;
import io.muster.worker.WorkerDaemon;
import io.muster.worker.WorkerOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14's "done when" for secrets, on a real single-node server and a real worker daemon: a task receives three
 * secrets (env, file, stdin), proves it by their SHA-256, and prints them every way it can (whole, on stderr, base64,
 * split across two writes). No value, nor its base64, is then found in any file under the server's or the worker's
 * data directory (Raft log, snapshot, state files, task logs) nor in any API answer about the job.
 */
@Timeout(300)
class SecretsE2ETest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration T = Duration.ofSeconds(60);
    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).connectTimeout(Duration.ofSeconds(5)).build();
    private final List<WorkerDaemon> workers = new ArrayList<>();
    private TestCluster cluster;

    @TempDir
    Path tmp;

    static final String DB = "db-Pa55w0rd-" + Long.toHexString(System.nanoTime());
    static final String KEY = "tls-k3y-" + Long.toHexString(System.nanoTime() * 31);
    static final String CFG = "cfg-" + Long.toHexString(System.nanoTime() * 17);

    static final String SCRIPT = String.join("\n",
            "read -r CONFIG_JSON",
            "F=\"$MUSTER_SECRETS_DIR/tls.key\"",
            "printf 'env-sha=%s\\n' \"$(printf %s \"$DB_PASSWORD\" | sha256sum | cut -d' ' -f1)\"",
            "printf 'file-sha=%s\\n' \"$(sha256sum < \"$F\" | cut -d' ' -f1)\"",
            "printf 'stdin-sha=%s\\n' \"$(printf %s \"$CONFIG_JSON\" | sha256sum | cut -d' ' -f1)\"",
            "echo \"plain $DB_PASSWORD\"",
            "echo \"stderr $DB_PASSWORD\" >&2",
            "cat \"$F\"; echo",
            "echo \"json $CONFIG_JSON\"",
            "printf %s \"$DB_PASSWORD\" | base64 -w0; echo",
            "half=$(printf %s \"$DB_PASSWORD\" | cut -c1-8); rest=$(printf %s \"$DB_PASSWORD\" | cut -c9-)",
            "printf 'split %s' \"$half\"; sleep 0.3; printf '%s done\\n' \"$rest\"");

    @AfterEach
    void tearDown() throws Exception {
        for (WorkerDaemon w : workers) {
            try {
                w.close();
            } catch (RuntimeException e) {
                // keep closing
            }
        }
        if (cluster != null) cluster.close();
    }

    private String api() {
        return cluster.apiUrl(cluster.leader().orElseThrow().config().serverId());
    }

    private HttpResponse<String> call(String method, String path, String contentType, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(api() + path)).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) b.header("content-type", contentType);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private String ok(String method, String path, String contentType, String body) throws Exception {
        HttpResponse<String> r = call(method, path, contentType, body);
        if (r.statusCode() >= 300) throw new AssertionError(method + " " + path + " -> " + r.statusCode() + " " + r.body());
        return r.body();
    }

    private void put(String name, String value) throws Exception {
        ok("PUT", "/v1/secrets/" + name, "application/json",
                "{\"value\": \"" + Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8)) + "\"}");
    }

    static String sha256(String s) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    }

    /** Every form of every value that must not be found. */
    static List<String> forbidden() {
        List<String> out = new ArrayList<>();
        for (String v : List.of(DB, KEY, CFG)) {
            out.add(v);
            out.add(Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8)));
            out.add(Base64.getEncoder().withoutPadding().encodeToString(v.getBytes(StandardCharsets.UTF_8)));
        }
        return out;
    }

    static void assertNoValueIn(String where, String text) {
        for (String v : forbidden()) assertFalse(text.contains(v), where + " holds a secret value (or its base64): " + text);
    }

    static int assertNoValueUnder(Path dir) throws Exception {
        int files = 0;
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path f : all.filter(Files::isRegularFile).toList()) {
                byte[] bytes = Files.readAllBytes(f);
                String latin = new String(bytes, StandardCharsets.ISO_8859_1);
                for (String v : forbidden()) assertFalse(latin.contains(v), f + " holds a secret value (or its base64)");
                files++;
            }
        }
        return files;
    }

    @Test
    void aSecretsValueReachesTheTaskAndNoPlaceElse() throws Exception {
        cluster = TestCluster.builder(1).snapshotThreshold(10).build().startAll(); // snapshots taken as the test writes
        MusterServer server = cluster.awaitLeader(T);
        server.ready().get(30, TimeUnit.SECONDS);
        Await.until("gRPC up", T, () -> server.grpc().port() > 0);
        String token = server.joinTokens().create(Duration.ofHours(1), 1, Map.of(), "secrets e2e").get(30, TimeUnit.SECONDS).token();
        Path workerDir = tmp.resolve("w1");
        WorkerDaemon w = new WorkerDaemon(new WorkerConfig(workerDir, List.of(new HostPort("127.0.0.1", server.config().workerGrpcAddr().port())),
                token, null, workerDir.resolve("identity"), Map.of()), WorkerOptions.defaults());
        w.start();
        workers.add(w);
        Await.until("a ready worker", T, () -> server.state().nodes().stream().anyMatch(n -> n.state() == NodeStatus.READY));

        put("db_password", DB);
        put("tls_key", KEY);
        put("config", CFG);
        String listed = ok("GET", "/v1/secrets", null, null);
        assertNoValueIn("secret list", listed);
        assertEquals(3, JSON.readTree(listed).size());

        // A job naming a secret that does not exist is refused at submit, naming it.
        String missing = """
                {"id": "nosuch", "type": "batch", "groups": [{"name": "g", "count": 1, "tasks": [{"name": "t", "driver": "exec",
                 "command": "true", "secrets": [{"name": "no_such_secret", "env": "X"}]}]}]}""";
        HttpResponse<String> refused = call("POST", "/v1/jobs", "application/json", missing);
        assertEquals(422, refused.statusCode(), refused.body());
        assertEquals("UNKNOWN_SECRET", JSON.readTree(refused.body()).get("code").asText());
        assertTrue(refused.body().contains("no_such_secret"), refused.body());

        String spec = JSON.writeValueAsString(Map.of("id", "sec", "type", "batch", "groups", List.of(Map.of("name", "g", "count", 1,
                "restart", Map.of("attempts", 0, "mode", "fail"),
                "tasks", List.of(Map.of("name", "t", "driver", "exec", "command", "bash", "args", List.of("-c", SCRIPT),
                        "secrets", List.of(Map.of("name", "db_password", "env", "DB_PASSWORD"), Map.of("name", "tls_key", "file", "/secrets/tls.key"),
                                Map.of("name", "config", "stdin", true))))))));
        assertNoValueIn("the job spec", ok("POST", "/v1/jobs", "application/json", spec));
        JsonNode job = Await.value("job sec finished", T, () -> {
            try {
                JsonNode j = JSON.readTree(ok("GET", "/v1/jobs/sec", null, null));
                return List.of("complete", "failed").contains(j.get("status").asText()) ? j : null;
            } catch (Exception e) {
                return null;
            }
        });
        String logsBody = ok("GET", "/v1/jobs/sec/logs", null, null);
        JsonNode logs = JSON.readTree(logsBody);
        String out = new String(Base64.getDecoder().decode(logs.get("allocations").get(0).get("stdout").asText()), StandardCharsets.UTF_8);
        String err = new String(Base64.getDecoder().decode(logs.get("allocations").get(0).get("stderr").asText()), StandardCharsets.UTF_8);
        assertEquals("complete", job.get("status").asText(), job + "\n" + out + "\n" + err);

        // The task received every value ...
        assertTrue(out.contains("env-sha=" + sha256(DB)), out);
        assertTrue(out.contains("file-sha=" + sha256(KEY)), out);
        assertTrue(out.contains("stdin-sha=" + sha256("{\"config\":\"" + CFG + "\"}")), out);
        // ... and what it printed of them is redacted, split across writes and base64 included.
        assertTrue(out.contains("plain [redacted:db_password]"), out);
        assertTrue(err.contains("stderr [redacted:db_password]"), err);
        assertTrue(out.contains("[redacted:tls_key]") && out.contains("json {\"config\":\"[redacted:config]\"}"), out);
        assertTrue(out.contains("split [redacted:db_password] done"), out);
        assertTrue(out.lines().anyMatch(l -> l.equals("[redacted:db_password]")), "the base64 line: " + out);

        // No API answer about the job holds a value.
        String allocId = job.get("allocations").get(0).get("id").asText();
        assertNoValueIn("job status", ok("GET", "/v1/jobs/sec", null, null));
        assertNoValueIn("job list", ok("GET", "/v1/jobs", null, null));
        assertNoValueIn("job logs (encoded)", logsBody);
        assertNoValueIn("job logs (stdout)", out);
        assertNoValueIn("job logs (stderr)", err);
        assertNoValueIn("allocation", ok("GET", "/v1/allocations/" + allocId, null, null));
        assertNoValueIn("raft log", ok("GET", "/v1/raft/log?limit=1000", null, null));

        // A snapshot, so the state is also on disk as a snapshot file; then no file of either data dir holds a value.
        String snap = ok("POST", "/v1/raft/snapshot", null, null);
        Await.until("a snapshot file (" + snap + ")", T, () -> {
            try (Stream<Path> all = Files.walk(cluster.config(1).dataDir())) {
                return all.anyMatch(p -> p.getFileName().toString().startsWith("snapshot."));
            } catch (java.io.IOException e) {
                return false;
            }
        });
        int serverFiles = assertNoValueUnder(cluster.config(1).dataDir());
        int workerFiles = assertNoValueUnder(workerDir);
        assertTrue(serverFiles > 3 && workerFiles > 3, "searched " + serverFiles + " server and " + workerFiles + " worker files");
        try (Stream<Path> all = Files.walk(workerDir)) {
            assertTrue(all.anyMatch(p -> p.getFileName().toString().equals("stdout.log")), "the task's log files were searched");
        }
        // The management path is the one way back to a value.
        JsonNode got = JSON.readTree(ok("GET", "/v1/secrets/db_password", null, null));
        assertEquals(DB, new String(Base64.getDecoder().decode(got.get("value").asText()), StandardCharsets.UTF_8));
    }
}
