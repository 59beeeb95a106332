package io.muster.worker.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.muster.server.LogWindow;
import io.muster.server.MusterServer;
import io.muster.server.testkit.Await;
import io.muster.server.testkit.TestCluster;
import io.muster.types.HeartbeatPolicy;
import io.muster.types.config.HostPort;
import io.muster.types.config.WorkerConfig;
import io.muster.types.state.NodeStatus;
import io.muster.worker.WorkerDaemon;
import io.muster.worker.WorkerOptions;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Live logs end to end on loopback: 3 servers, one real worker, exec tasks; the client always talks to a server that is
 * neither the leader nor the one the worker is connected to, so every frame is relayed server to server.
 */
@Timeout(300)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LiveLogsE2ETest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration T = Duration.ofSeconds(60);
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private TestCluster cluster;
    private WorkerDaemon worker;

    @TempDir
    static Path tmp;

    @BeforeAll
    void start() throws Exception {
        cluster = TestCluster.builder(3).heartbeat(new HeartbeatPolicy(1, 2, 1, 50, 300)).build().startAll();
        MusterServer leader = cluster.awaitLeader(T);
        for (MusterServer s : cluster.running()) s.ready().get(30, TimeUnit.SECONDS);
        Await.until("gRPC up", T, () -> cluster.running().stream().allMatch(s -> s.grpc().port() > 0));
        String token = leader.joinTokens().create(Duration.ofHours(1), 3, Map.of(), "e2e").get(30, TimeUnit.SECONDS).token();
        List<HostPort> servers = cluster.running().stream().map(s -> new HostPort("127.0.0.1", s.config().workerGrpcAddr().port())).toList();
        Path dir = tmp.resolve("w1");
        worker = new WorkerDaemon(new WorkerConfig(dir, servers, token, null, dir.resolve("identity"), Map.of("name", "w1")), WorkerOptions.defaults());
        worker.start();
        Await.until("a ready worker", T, () -> cluster.leader().map(l -> l.state().nodes().stream().filter(n -> n.state() == NodeStatus.READY).count() == 1).orElse(false));
        Await.until("the worker's control stream", T, () -> cluster.running().stream().anyMatch(s -> s.grpc().controlConnected(worker.nodeId())));
    }

    @AfterAll
    void stop() throws Exception {
        if (worker != null) worker.close();
        if (cluster != null) cluster.close();
    }

    private MusterServer leader() {
        return cluster.leader().orElseThrow();
    }

    /** A follower the worker is not connected to: the client's server, so the output crosses two servers. */
    private MusterServer relay() {
        MusterServer l = leader();
        return cluster.running().stream().filter(s -> s != l && !s.grpc().controlConnected(worker.nodeId())).findFirst()
                .orElseGet(() -> cluster.running().stream().filter(s -> !s.grpc().controlConnected(worker.nodeId())).findFirst().orElseThrow());
    }

    private String url(MusterServer s, String path) {
        return cluster.apiUrl(s.config().serverId()) + path;
    }

    private JsonNode send(String method, String path, String contentType, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url(leader(), path))).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) b.header("content-type", contentType);
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() >= 300) throw new AssertionError(method + " " + path + " -> " + r.statusCode() + " " + r.body());
        return JSON.readTree(r.body());
    }

    private String submit(String yaml) throws Exception {
        return send("POST", "/v1/jobs", "application/yaml", yaml).get("id").asText();
    }

    private JsonNode awaitAlloc(String job, String... statuses) {
        return Await.value("an allocation of " + job + " in " + List.of(statuses), T, () -> {
            try {
                for (JsonNode a : send("GET", "/v1/jobs/" + job, null, null).get("allocations"))
                    if (List.of(statuses).contains(a.get("status").asText())) return a;
                return null;
            } catch (Exception e) {
                return null;
            }
        });
    }

    /** The relaying follower has applied the allocation (followers serve reads from their own state). */
    private void awaitKnown(MusterServer s, String alloc) {
        Await.until("allocation " + alloc + " known on server " + s.config().serverId(), T, () -> s.state().snapshot().alloc(alloc).isPresent());
    }

    private InputStream stream(MusterServer s, String path) throws Exception {
        HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(URI.create(url(s, path))).build(), HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, r.statusCode());
        assertEquals("application/x-ndjson", r.headers().firstValue("content-type").orElse(""));
        return r.body();
    }

    @Test
    void followReceivesLinesWithin200msAcrossAFollower() throws Exception {
        // Each line carries the time it was written (ns since the epoch, same clock as the test's).
        String job = submit("""
                id: live
                type: batch
                groups:
                  - name: g
                    tasks:
                      - name: t
                        driver: exec
                        command: /bin/sh
                        args: ["-c", "sleep 1; for i in $(seq 1 40); do echo \\"line $i $(date +%s%N)\\"; sleep 0.1; done"]
                """);
        String alloc = awaitAlloc(job, "pending", "running").get("id").asText();
        MusterServer relay = relay();
        awaitKnown(relay, alloc);
        List<Long> latencies = new ArrayList<>();
        int lines = 0;
        boolean ended = false;
        try (var in = new BufferedReader(new InputStreamReader(stream(relay, "/v1/allocations/" + alloc + "/logs?follow=true"), StandardCharsets.UTF_8))) {
            StringBuilder partial = new StringBuilder();
            for (String l; (l = in.readLine()) != null; ) {
                java.time.Instant t = java.time.Instant.now();
                long now = t.getEpochSecond() * 1_000_000_000L + t.getNano();
                JsonNode e = JSON.readTree(l);
                if (e.path("done").asBoolean()) break;
                if (e.path("end").asBoolean()) {
                    assertTrue(e.path("error").isMissingNode(), l);
                    ended = true;
                    continue;
                }
                partial.append(new String(Base64.getDecoder().decode(e.get("data").asText()), StandardCharsets.UTF_8));
                int nl;
                while ((nl = partial.indexOf("\n")) >= 0) {
                    String[] words = partial.substring(0, nl).split(" ");
                    partial.delete(0, nl + 1);
                    lines++;
                    latencies.add((now - Long.parseLong(words[2])) / 1_000_000L);
                }
            }
        }
        assertTrue(ended, "the stream ended with the task");
        assertEquals(40, lines, "every line arrived once");
        List<Long> sorted = latencies.stream().sorted(Comparator.naturalOrder()).toList();
        long p50 = sorted.get(sorted.size() / 2);
        long max = sorted.getLast();
        long p95 = sorted.get(sorted.size() * 95 / 100 - 1);
        System.out.printf("live logs across a follower: 40 lines, latency p50 %d ms, p95 %d ms, max %d ms%n", p50, p95, max);
        assertTrue(p50 < 100, "median latency " + p50 + " ms");
        // 38 of 40 lines within 200 ms: a batching or credit fault delays every line by its period (seconds), while a
        // 2-core CI machine busy with the rest of the suite can stall one JVM thread past 200 ms once or twice (seen: 225).
        assertTrue(p95 < 200, "95% of lines within 200 ms, the 38th slowest " + p95 + " ms: " + latencies);
        assertTrue(max < 1000, "no line a second late, slowest " + max + " ms: " + latencies);
    }

    @Test
    void aSlowReaderDoesNotGrowServerMemoryAndLeavingFreesBothSides() throws Exception {
        String job = submit("""
                id: flood
                type: batch
                groups:
                  - name: g
                    tasks:
                      - name: t
                        driver: exec
                        command: /bin/sh
                        args: ["-c", "sleep 1; yes 0123456789012345678901234567890123456789012345678901234567890123456789 | head -c 50000000; while true; do echo tick; sleep 0.2; done"]
                """);
        String alloc = awaitAlloc(job, "pending", "running").get("id").asText();
        MusterServer relay = relay();
        awaitKnown(relay, alloc);
        long read = 0;
        long dropped = 0;
        InputStream in = stream(relay, "/v1/allocations/" + alloc + "/logs?follow=true");
        var lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1024);
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        long maxBuffered = 0;
        // Until the worker has accounted for most of the 50 MB, as delivered or as dropped for this slow reader (the
        // task keeps printing a line every 200 ms after it, so the stream never goes quiet).
        while (System.nanoTime() < until && read + dropped < 40_000_000) {
            String l = lines.readLine();
            if (l == null) break;
            JsonNode e = JSON.readTree(l);
            assertTrue(!e.has("end") && !e.has("done"), "the follow ended early: " + l);
            read += e.path("data").asText().length() * 3L / 4;
            dropped += e.path("dropped").asLong(0);
            for (MusterServer s : cluster.running()) maxBuffered = Math.max(maxBuffered, s.grpc().logWindow().buffered());
            Thread.sleep(20); // the slow reader: ~50 frames a second at most
        }
        long peak = cluster.running().stream().mapToLong(s -> s.grpc().logWindow().peakPerFollow()).max().orElse(0);
        System.out.printf("slow reader: read %d bytes, %d reported dropped, peak per follow on any server %d bytes (bound %d), max seen buffered %d%n",
                read, dropped, peak, LogWindow.BYTES, maxBuffered);
        assertTrue(read > 0, "some output arrived");
        assertTrue(dropped > 0, "the worker reported what the slow reader lost");
        assertTrue(peak <= LogWindow.BYTES, "a server held " + peak + " bytes for one follow, over the bound " + LogWindow.BYTES);
        assertTrue(maxBuffered <= 2L * LogWindow.BYTES, "servers held " + maxBuffered + " bytes");
        assertEquals(1, worker.openLogFollows(), "the worker serves the follow");

        in.close(); // the client goes away mid-stream
        Await.until("the follow freed on every server and on the worker", T, () ->
                cluster.running().stream().allMatch(s -> s.grpc().logWindow().openFollows() == 0) && worker.openLogFollows() == 0);
        send("DELETE", "/v1/jobs/" + job, null, null);
    }

    @Test
    void earlierAttemptsOfARestartedTaskAndAStoppedAllocationKeepTheirLogs() throws Exception {
        String failing = submit("""
                id: flaky
                type: batch
                groups:
                  - name: g
                    restart: {attempts: 2, delay: 1s, max_delay: 1s, mode: fail}
                    reschedule: {attempts: 0}
                    tasks:
                      - name: t
                        driver: exec
                        command: /bin/sh
                        args: ["-c", "echo run-$$; exit 3"]
                """);
        awaitAlloc(failing, "failed");
        JsonNode logs = send("GET", "/v1/jobs/" + failing + "/logs", null, null).get("allocations").get(0);
        String out = new String(Base64.getDecoder().decode(logs.get("stdout").asText()), StandardCharsets.UTF_8);
        assertEquals(3, out.lines().filter(l -> l.startsWith("run-")).count(), out);
        assertTrue(out.contains("--- attempt 2 (restart after exit code 3) ---\n") && out.contains("--- attempt 3 (restart after exit code 3) ---\n"), out);

        String service = submit("""
                id: svc
                type: service
                groups:
                  - name: g
                    tasks:
                      - name: t
                        driver: exec
                        command: /bin/sh
                        args: ["-c", "echo started; exec sleep 300"]
                """);
        String alloc = awaitAlloc(service, "running").get("id").asText();
        Await.until("output written", T, () -> {
            try {
                return snapshotStdout(service).contains("started");
            } catch (Exception e) {
                return false;
            }
        });
        send("DELETE", "/v1/jobs/" + service, null, null);
        awaitAlloc(service, "stopped");
        awaitKnown(relay(), alloc);
        // Long after the stop (the worker has acknowledged it), through a server the worker is not connected to.
        Await.until("the stop acknowledged", T, () -> !worker.status().runningAllocs().contains(alloc));
        assertEquals("started\n", snapshotStdout(service));
        StringBuilder streamed = new StringBuilder();
        try (var in = new BufferedReader(new InputStreamReader(stream(relay(), "/v1/allocations/" + alloc + "/logs?tail=all"), StandardCharsets.UTF_8))) {
            for (String l; (l = in.readLine()) != null; ) {
                JsonNode e = JSON.readTree(l);
                if (e.has("data")) streamed.append(new String(Base64.getDecoder().decode(e.get("data").asText()), StandardCharsets.UTF_8));
                assertTrue(!e.has("error"), l);
            }
        }
        assertEquals("started\n", streamed.toString());
    }

    private String snapshotStdout(String job) throws Exception {
        JsonNode a = send("GET", "/v1/jobs/" + job + "/logs", null, null).get("allocations").get(0);
        assertTrue(!a.has("error") || a.get("error").isNull(), a.toString());
        return new String(Base64.getDecoder().decode(a.get("stdout").asText()), StandardCharsets.UTF_8);
    }
}
