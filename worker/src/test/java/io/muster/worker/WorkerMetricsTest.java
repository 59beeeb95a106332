package io.muster.worker;

import static io.muster.worker.WorkerHarness.alloc;
import static io.muster.worker.WorkerHarness.shGroup;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.muster.proto.AllocState;
import io.muster.types.config.HostPort;
import io.muster.worker.fake.FakeServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The worker's optional metrics endpoint: off by default; when configured, each metric moves with its event
 * (registration, heartbeats, polls, a task's start, exit and restart, log bytes fetched, a reconnect after its server
 * died, allocations by state), and the endpoint answers nothing but {@code GET /metrics}.
 */
@Timeout(120)
class WorkerMetricsTest {
    @TempDir
    Path dataDir;
    WorkerHarness h;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeEach
    void setUp() throws Exception {
        h = new WorkerHarness(dataDir, 2);
    }

    @AfterEach
    void tearDown() throws Exception {
        h.close();
    }

    private HttpResponse<String> call(String method, int port, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10))
                .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The samples of the text format, by series (name plus labels as written). */
    private Map<String, Double> scrape(int port) {
        HttpResponse<String> r;
        try {
            r = call("GET", port, "/metrics");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("text/plain; version=0.0.4"), r.headers().toString());
        Map<String, Double> out = new TreeMap<>();
        for (String line : r.body().split("\n")) {
            if (line.isBlank() || line.startsWith("#")) continue;
            int sp = line.lastIndexOf(' ');
            out.put(line.substring(0, sp), Double.parseDouble(line.substring(sp + 1)));
        }
        return out;
    }

    private double v(int port, String series) {
        return scrape(port).getOrDefault(series, Double.NaN);
    }

    @Test
    void offByDefault() {
        WorkerDaemon d = h.startRunning(h.cluster.token(1));
        assertEquals(0, d.metricsPort());
    }

    @Test
    void eachMetricMovesWithItsEvent() throws Exception {
        int port = io.muster.server.testkit.Ports.free();
        WorkerDaemon d = h.daemon(h.config(h.cluster.token(1)).withMetricsAddr(new HostPort("127.0.0.1", port)));
        d.start();
        WorkerHarness.awaitRunning(d);
        assertEquals(port, d.metricsPort());
        long node = d.nodeId();

        assertEquals(1.0, v(port, "muster_agent_registrations_total"));
        Await.until("a heartbeat acknowledged", () -> v(port, "muster_agent_heartbeats_total{result=\"ok\"}") >= 1);
        assertTrue(v(port, "muster_agent_heartbeat_rtt_seconds_count") >= 1);
        assertTrue(v(port, "muster_agent_heartbeat_rtt_seconds_bucket{le=\"+Inf\"}") >= 1, "a histogram");
        assertEquals(0.0, v(port, "muster_agent_task_starts_total"));
        assertEquals(0.0, v(port, "muster_agent_reconnects_total"));
        assertEquals(0.0, v(port, "muster_agent_log_shipped_bytes_total"));

        // A task that prints, fails, is restarted once and fails again.
        h.cluster.set(node, alloc("m1", "batch", shGroup("echo metrics-output; exit 3", 1)));
        h.awaitState("m1", AllocState.ALLOC_FAILED);
        Await.until("the poll that brought it counted", () -> v(port, "muster_agent_polls_total{result=\"events\"}") >= 1);
        assertTrue(v(port, "muster_agent_poll_duration_seconds_count") >= 1);
        assertEquals(2.0, v(port, "muster_agent_task_starts_total"));
        assertEquals(2.0, v(port, "muster_agent_task_exits_total"));
        assertEquals(1.0, v(port, "muster_agent_task_restarts_total"));
        assertEquals(0.0, v(port, "muster_agent_task_setup_failures_total"));
        assertEquals(1.0, v(port, "muster_agent_allocations{state=\"failed\"}"));
        assertEquals(0.0, v(port, "muster_agent_allocations{state=\"running\"}"));

        // Its output fetched by a server: the bytes are counted.
        Await.until("the control stream", () -> h.cluster.hasControlStream(node));
        var logs = h.cluster.fetchLogs(node, "m1", 4096).get(30, TimeUnit.SECONDS);
        long shipped = logs.getStdout().size() + logs.getStderr().size();
        assertTrue(shipped > 0, "the fetch returned output");
        Await.until("log bytes counted", () -> v(port, "muster_agent_log_shipped_bytes_total") == shipped);

        // The server it talks to dies: the worker moves to the other one.
        String current = d.status().currentServer();
        FakeServer dying = h.servers.stream().filter(s -> s.address().toString().equals(current)).findFirst().orElseThrow();
        dying.kill();
        Await.until("a reconnect", () -> v(port, "muster_agent_reconnects_total") >= 1);
        Await.until("heartbeats again", () -> !d.status().currentServer().equals(current));
        assertTrue(scrape(port).keySet().stream().anyMatch(k -> k.startsWith("jvm_memory_used_bytes")), "JVM metrics");

        // The shipped worker dashboard reads only names a worker serves.
        java.util.Set<String> served = new java.util.TreeSet<>();
        scrape(port).keySet().forEach(k -> served.add(k.replaceAll("\\{.*", "")));
        String dashboard = java.nio.file.Files.readString(Path.of("..", "deploy", "grafana", "muster-worker-dashboard.json"));
        var names = java.util.regex.Pattern.compile("\\b(muster_[a-z_]+|jvm_[a-z_]+)").matcher(dashboard).results().map(x -> x.group(1)).toList();
        assertTrue(names.contains("muster_agent_heartbeat_rtt_seconds_bucket"), names.toString());
        for (String name : names) assertTrue(served.contains(name), "the worker dashboard reads " + name + ", which no worker serves");
    }

    @Test
    void theEndpointAnswersOnlyGetMetrics() throws Exception {
        int port = io.muster.server.testkit.Ports.free();
        WorkerDaemon d = h.daemon(h.config(h.cluster.token(1)).withMetricsAddr(new HostPort("127.0.0.1", port)));
        d.start();
        WorkerHarness.awaitRunning(d);
        assertEquals(405, call("POST", port, "/metrics").statusCode());
        assertEquals(405, call("DELETE", port, "/metrics").statusCode());
        assertEquals(404, call("GET", port, "/").statusCode());
        assertEquals(404, call("GET", port, "/metrics/../secrets").statusCode());
        assertEquals(200, call("HEAD", port, "/metrics").statusCode());
        assertTrue(call("GET", port, "/metrics").body().contains("muster_agent_heartbeats_total"));
    }

    @Test
    void aPortInUseFailsTheStartNamingTheAddress() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            WorkerDaemon d = h.daemon(h.config(h.cluster.token(1)).withMetricsAddr(new HostPort("127.0.0.1", taken.getLocalPort())));
            WorkerException e = org.junit.jupiter.api.Assertions.assertThrows(WorkerException.class, d::start);
            assertTrue(e.getMessage().startsWith("metrics.addr: cannot listen on 127.0.0.1:" + taken.getLocalPort()), e.getMessage());
        }
    }
}
