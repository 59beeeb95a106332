package io.muster.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.muster.server.MusterServer;
import io.muster.server.testkit.Await;
import io.muster.server.testkit.TestCluster;
import io.muster.types.state.NodeStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A small load test against a real in-process 3-server cluster (dev mode): checks what the report says
 * happened — counts, no spurious downs, every allocation received exactly once, histograms, the HTML page —
 * never how fast it was. Also the bad-input paths that must end with a clear message and a partial report.
 */
@Timeout(240)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InProcessLoadTest {
    private static final Duration T = Duration.ofSeconds(60);
    private final ObjectMapper json = new ObjectMapper();
    private TestCluster cluster;
    private MusterServer leader;
    private String servers;

    @BeforeAll
    void start() throws Exception {
        cluster = TestCluster.builder(3).build().startAll();
        leader = cluster.awaitLeader(T);
        for (MusterServer s : cluster.running()) s.ready().get(60, TimeUnit.SECONDS);
        Await.until("worker gRPC endpoints up", T, () -> cluster.running().stream().allMatch(s -> s.grpc().port() > 0));
        servers = cluster.running().stream().map(s -> "127.0.0.1:" + s.grpc().port()).collect(Collectors.joining(","));
    }

    @AfterAll
    void stop() throws Exception {
        if (cluster != null) cluster.close();
    }

    private String api() {
        return cluster.apiUrl(cluster.leader().orElse(leader).config().serverId());
    }

    private JsonNode report(Path dir) throws Exception {
        return json.readTree(dir.resolve("loadtest-report.json").toFile());
    }

    @Test
    void joinSteadyAndFanoutReportWhatHappened(@TempDir Path dir) throws Exception {
        Cli r = Cli.run("--workers", "200", "--api", api(), "--server", servers, "--scenario", "join,steady,fanout", "--duration", "3s",
                "--heartbeat-rate", "400", "--allocations", "2000", "--job-size", "1000", "--report-dir", dir.toString(), "--max-runtime", "180s", "--stall-timeout", "10s");
        assertEquals(0, r.code(), r.err() + r.out());
        JsonNode rep = report(dir);
        assertEquals("completed", rep.path("status").asText());
        JsonNode s = rep.path("summary");
        assertEquals(200, s.path("workers_registered").asInt());
        assertEquals(200, s.path("workers_ready").asInt());
        assertEquals(0, s.path("spurious_downs").asInt(-1));
        assertEquals(2000, s.path("allocations_placed").asInt());
        assertEquals(2000, s.path("allocations_received").asInt());
        assertEquals(0, s.path("lost_assignments").asInt(-1));
        assertEquals(0, s.path("duplicated_assignments").asInt(-1));

        JsonNode fanout = phase(rep, "fanout");
        assertEquals("completed", fanout.path("status").asText());
        JsonNode f = fanout.path("figures");
        assertEquals(2, f.path("jobs").asInt());
        assertEquals(2000, f.path("check_expected").asInt(), "every allocation live on a simulated worker");
        assertEquals(2000, f.path("check_held").asInt(), "every allocation held by exactly one worker");
        assertEquals(0, f.path("check_misplaced").asInt(-1));
        assertEquals(0, f.path("check_multi_held").asInt(-1));
        assertEquals(0, f.path("duplicate_deliveries").asInt(-1));

        JsonNode steady = phase(rep, "steady").path("figures");
        assertTrue(steady.path("heartbeats").asLong() > 0, steady.toString());
        assertEquals(0, steady.path("marked_down_lease_running").asInt(-1));

        for (String h : new String[] {"registration", "connect_after_register", "first_heartbeat", "join_to_ready", "heartbeat", "assignment_ack", "commit_to_worker"}) {
            JsonNode l = rep.path("latencies").path(h);
            assertTrue(l.path("count").asLong() > 0, h + " histogram present: " + l);
            for (String p : new String[] {"p50_ms", "p90_ms", "p99_ms", "p999_ms", "max_ms"}) assertTrue(l.has(p), h + "." + p);
        }
        assertEquals(2000, rep.path("latencies").path("commit_to_worker").path("count").asInt(), "one delivery per allocation");
        assertTrue(rep.path("series").size() > 3, "a point per second");
        assertTrue(rep.path("targets").size() == 4);

        String html = Files.readString(dir.resolve("loadtest-report.html"));
        assertTrue(html.contains("<svg"), "charts are inline SVG");
        assertTrue(html.contains("Registrations per second"));
        assertFalse(html.contains("<script"), "no scripts");
        assertFalse(html.matches("(?s).*(src|href)=\"https?://.*"), "nothing fetched from elsewhere");
        assertTrue(r.out().contains("latency (ms)"), "the final table is printed");
    }

    @Test
    void anOperationRunsEveryStepOnEveryWorkerExactlyOnce(@TempDir Path dir) throws Exception {
        Cli r = Cli.run("--workers", "20", "--api", api(), "--server", servers, "--scenario", "join,operation", "--operation-steps", "3",
                "--report-dir", dir.toString(), "--max-runtime", "180s", "--stall-timeout", "10s");
        assertEquals(0, r.code(), r.err() + r.out());
        JsonNode rep = report(dir);
        assertEquals("completed", rep.path("status").asText());
        JsonNode op = phase(rep, "operation");
        assertEquals("completed", op.path("status").asText(), op.toString());
        JsonNode f = op.path("figures");
        assertEquals("complete", f.path("status").asText());
        assertEquals(20, f.path("target_nodes").asInt());
        assertTrue(f.path("exactly_once").asBoolean(), f.toString());
        JsonNode steps = f.path("per_step");
        assertEquals(3, steps.size());
        for (int i = 0; i < 3; i++) {
            JsonNode s = steps.get(i);
            assertEquals(String.valueOf(i), s.path("key").asText());
            assertEquals(20, s.path("deliveries").asInt(), "one delivery per node: " + s);
            assertEquals(20, s.path("ends_acknowledged").asInt(), s.toString());
            assertEquals(i < 2, s.has("gap_to_next_step_ms"), "a gap to the next step, except after the last: " + s);
            if (i < 2) assertTrue(s.path("gap_to_next_step_ms").asDouble() >= 0, "the barrier holds: no delivery of step " + (i + 1)
                    + " before every node had sent its end of step " + i + ": " + s);
        }
        assertTrue(f.path("submit_to_done_secs").asDouble() > 0);
        assertEquals(60, op.path("figures").path("cost").path("operations").asInt(), "20 nodes × 3 tasks");
        // In-process servers are not separate processes: only the simulator's CPU is charged per task × node here.
        assertTrue(op.path("figures").path("cost").has("simulator_cpu_ms_per_operation_task"), op.path("figures").path("cost").toString());
        assertTrue(rep.path("summary").path("operation_exactly_once").asBoolean());
        assertTrue(r.out().contains("exactly once true"), r.out());
    }

    @Test
    void tooFewTokenUsesIsAClearErrorWithAPartialReport(@TempDir Path dir) throws Exception {
        var token = leader().joinTokens().create(Duration.ofHours(1), 5, Map.of(), "test").get(30, TimeUnit.SECONDS);
        Cli r = Cli.run("--workers", "20", "--api", api(), "--server", servers, "--token", token.token(), "--scenario", "join",
                "--report-dir", dir.toString());
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("has 5 uses left, but this run registers 20 workers"), r.err());
        assertFalse(r.err().contains(token.token()) || r.out().contains(token.token()), "the token is never printed");
        JsonNode rep = report(dir);
        assertEquals("failed", rep.path("status").asText());
        assertTrue(rep.path("failure").asText().contains("5 uses left"));
        String all = Files.readString(dir.resolve("loadtest-report.json")) + Files.readString(dir.resolve("loadtest-report.html"));
        assertFalse(all.contains(token.token()), "the token is not in the report");
        assertTrue(rep.path("command").asText().contains("--token <redacted>"));
    }

    @Test
    void tokenRunningOutWithoutApiStopsTheJoin(@TempDir Path dir) throws Exception {
        var token = leader().joinTokens().create(Duration.ofHours(1), 5, Map.of(), "test").get(30, TimeUnit.SECONDS);
        Cli r = Cli.run("--workers", "20", "--server", servers, "--token", token.token(), "--scenario", "join,steady", "--join-concurrency", "4",
                "--report-dir", dir.toString());
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("no uses left"), r.err());
        JsonNode rep = report(dir);
        assertEquals("failed", rep.path("status").asText());
        assertEquals("failed", phase(rep, "join").path("status").asText());
        assertEquals("skipped", phase(rep, "steady").path("status").asText());
        assertEquals(5, rep.path("latencies").path("registration").path("count").asInt(), "the five registrations that were allowed");
        assertTrue(rep.path("errors_by_status").path("Register PERMISSION_DENIED").asInt() > 0);
    }

    @Test
    void unreachableServersEndTheRunAtOnce(@TempDir Path dir) throws Exception {
        var token = leader().joinTokens().create(Duration.ofHours(1), 5, Map.of(), "test").get(30, TimeUnit.SECONDS);
        int dead = io.muster.server.testkit.Ports.free();
        long t0 = System.nanoTime();
        Cli r = Cli.run("--workers", "5", "--server", "127.0.0.1:" + dead, "--token", token.token(), "--scenario", "join", "--report-dir", dir.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("cannot reach any worker gRPC server"), r.err());
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(30));
        assertEquals("failed", report(dir).path("status").asText());
    }

    @Test
    void aClusterThatDiesMidRunEndsItWithAPartialReport(@TempDir Path dir) throws Exception {
        TestCluster one = TestCluster.builder(1).build().startAll();
        boolean closed = false; // TestCluster.close() is not idempotent
        try {
            MusterServer s = one.awaitLeader(T);
            s.ready().get(60, TimeUnit.SECONDS);
            Await.until("worker gRPC up", T, () -> s.grpc().port() > 0);
            var token = s.joinTokens().create(Duration.ofHours(1), 20, Map.of(), "test").get(30, TimeUnit.SECONDS);
            var result = new java.util.concurrent.CompletableFuture<Cli>();
            Thread.ofVirtual().start(() -> result.complete(Cli.run("--workers", "20", "--server", "127.0.0.1:" + s.grpc().port(), "--token",
                    token.token(), "--scenario", "join,steady", "--duration", "120s", "--stall-timeout", "5s", "--report-dir", dir.toString())));
            Await.until("20 workers ready", T, () -> s.state().nodes().stream().filter(n -> n.state() == NodeStatus.READY).count() == 20);
            Thread.sleep(1000);
            long t0 = System.nanoTime();
            one.close(); // the whole cluster dies during steady
            closed = true;
            Cli r = result.get(60, TimeUnit.SECONDS);
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(40), "ended promptly, not at the end of --duration");
            assertEquals(1, r.code(), r.err());
            assertTrue(r.err().contains("the cluster stopped answering"), r.err());
            JsonNode rep = report(dir);
            assertEquals("failed", rep.path("status").asText());
            assertEquals("completed", phase(rep, "join").path("status").asText());
            assertEquals("failed", phase(rep, "steady").path("status").asText());
            assertEquals(20, rep.path("summary").path("workers_registered").asInt());
        } finally {
            if (!closed) one.close();
        }
    }

    private MusterServer leader() {
        return cluster.leader().orElse(leader);
    }

    private static JsonNode phase(JsonNode rep, String name) {
        for (JsonNode p : rep.path("phases")) if (p.path("name").asText().equals(name)) return p;
        throw new AssertionError("no phase " + name + " in " + rep.path("phases"));
    }
}
