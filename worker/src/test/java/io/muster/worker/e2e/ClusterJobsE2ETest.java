package io.muster.worker.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.muster.server.MusterServer;
import io.muster.server.testkit.Await;
import io.muster.server.testkit.TestCluster;
import io.muster.types.HeartbeatPolicy;
import io.muster.types.config.HostPort;
import io.muster.types.config.WorkerConfig;
import io.muster.types.state.DrainState;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end on loopback: 3 servers, 3 real worker daemons, real exec jobs. Heartbeat TTLs are short
 * (1-2 s + 1 s grace) so a killed worker is noticed within seconds of real time.
 */
@Timeout(300)
class ClusterJobsE2ETest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration T = Duration.ofSeconds(60);
    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).connectTimeout(Duration.ofSeconds(5)).build();
    private final List<WorkerDaemon> workers = new ArrayList<>();
    private TestCluster cluster;

    @TempDir
    Path tmp;

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

    private JsonNode send(String method, String path, String contentType, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(api() + path)).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) b.header("content-type", contentType);
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() >= 300) throw new AssertionError(method + " " + path + " -> " + r.statusCode() + " " + r.body());
        return JSON.readTree(r.body());
    }

    private JsonNode job(String id) throws Exception {
        return send("GET", "/v1/jobs/" + id, null, null);
    }

    private JsonNode awaitStatus(String id, String... statuses) {
        Set<String> want = Set.of(statuses);
        return Await.value("job " + id + " in " + want, T, () -> {
            try {
                JsonNode j = job(id);
                return want.contains(j.get("status").asText()) ? j : null;
            } catch (Exception e) {
                return null;
            }
        });
    }

    private WorkerDaemon startWorker(String name, String token) {
        List<HostPort> servers = cluster.running().stream().map(s -> new HostPort("127.0.0.1", s.config().workerGrpcAddr().port())).toList();
        Path dir = tmp.resolve(name);
        WorkerDaemon w = new WorkerDaemon(new WorkerConfig(dir, servers, token, null, dir.resolve("identity"), Map.of("name", name)),
                WorkerOptions.defaults());
        w.start();
        workers.add(w);
        return w;
    }

    @Test
    void jobsRunPlaceSpreadSurviveAWorkerLossAndDrain() throws Exception {
        cluster = TestCluster.builder(3).heartbeat(new HeartbeatPolicy(1, 2, 1, 50, 300)).build().startAll();
        MusterServer leader = cluster.awaitLeader(T);
        for (MusterServer s : cluster.running()) s.ready().get(30, TimeUnit.SECONDS);
        Await.until("gRPC up", T, () -> cluster.running().stream().allMatch(s -> s.grpc().port() > 0));
        String token = leader.joinTokens().create(Duration.ofHours(1), 3, Map.of(), "e2e").get(30, TimeUnit.SECONDS).token();
        for (int i = 1; i <= 3; i++) startWorker("w" + i, token);
        Await.until("3 ready workers", T, () -> cluster.leader().map(l -> l.state().nodes().stream().filter(n -> n.state() == NodeStatus.READY).count() == 3).orElse(false));
        // A restarted worker reuses its identity: the identity files exist with the right modes.
        Path key = tmp.resolve("w1/identity/key.pem");
        assertTrue(Files.exists(key) && Files.getPosixFilePermissions(key).toString().equals("[OWNER_READ, OWNER_WRITE]"), "key.pem is 0600");

        // A batch exec job with env: complete, exit 0, output fetched through the servers.
        send("POST", "/v1/jobs", "application/yaml", """
                id: hello
                type: batch
                groups:
                  - name: g
                    count: 1
                    tasks:
                      - name: t
                        driver: exec
                        command: sh
                        args: ["-c", "echo $GREETING from $MUSTER_JOB_ID"]
                        env: {GREETING: hi}
                """);
        JsonNode hello = awaitStatus("hello", "complete", "failed");
        assertEquals("complete", hello.get("status").asText(), hello.toString());
        assertEquals(0, hello.get("allocations").get(0).get("exit_code").asInt());
        JsonNode logs = send("GET", "/v1/jobs/hello/logs", null, null);
        String out = new String(Base64.getDecoder().decode(logs.get("allocations").get(0).get("stdout").asText()), StandardCharsets.UTF_8);
        assertTrue(out.contains("hi from hello"), logs.toString());

        // Non-zero exit and timeout: failed, with the exit code.
        send("POST", "/v1/jobs", "application/json", """
                {"id": "boom", "type": "batch", "groups": [{"name": "g", "count": 1, "restart": {"attempts": 0, "mode": "fail"},
                  "reschedule": {"attempts": 0},
                  "tasks": [{"name": "t", "driver": "exec", "command": "sh", "args": ["-c", "exit 3"]}]}]}
                """);
        JsonNode boom = awaitStatus("boom", "failed", "complete");
        assertEquals("failed", boom.get("status").asText(), boom.toString());
        assertEquals(3, boom.get("allocations").get(0).get("exit_code").asInt(), boom.toString());
        send("POST", "/v1/jobs", "application/yaml", """
                id: slow
                type: batch
                groups:
                  - name: g
                    count: 1
                    restart: {attempts: 0, mode: fail}
                    reschedule: {attempts: 0}
                    tasks:
                      - {name: t, driver: exec, command: sleep, args: ["30"], timeout: 1}
                """);
        assertEquals("failed", awaitStatus("slow", "failed", "complete").get("status").asText());

        // A service of count 3 spreads across the 3 workers.
        send("POST", "/v1/jobs", "application/yaml", """
                id: web
                type: service
                groups:
                  - name: g
                    count: 3
                    placement: spread
                    tasks:
                      - {name: t, driver: exec, command: sleep, args: ["600"], resources: {cpu: 100, memory: 32}}
                """);
        JsonNode web = Await.value("3 running", T, () -> {
            try {
                JsonNode j = job("web");
                long running = 0;
                for (JsonNode a : j.get("allocations")) if (a.get("status").asText().equals("running")) running++;
                return running == 3 ? j : null;
            } catch (Exception e) {
                return null;
            }
        });
        Set<Long> nodes = new HashSet<>();
        for (JsonNode a : web.get("allocations")) nodes.add(a.get("node_id").asLong());
        assertEquals(3, nodes.size(), "spread over 3 nodes: " + web);

        // Kill one worker: it is marked down and its allocation is replaced on the others.
        WorkerDaemon victim = workers.get(0);
        long victimNode = victim.nodeId();
        victim.close();
        Await.until("victim down", T, () -> cluster.leader().flatMap(l -> l.state().node(victimNode)).map(n -> n.state() == NodeStatus.DOWN).orElse(false));
        Await.until("replacement running", T, () -> {
            try {
                long running = 0;
                for (JsonNode a : job("web").get("allocations"))
                    if (a.get("status").asText().equals("running") && a.get("node_id").asLong() != victimNode) running++;
                return running == 3;
            } catch (Exception e) {
                return false;
            }
        });

        // Drain a surviving worker: its allocations move, then the drain completes.
        long drained = workers.get(1).nodeId();
        send("POST", "/v1/nodes/" + drained + "/drain", "application/json", "{\"enable\": true}");
        Await.until("drain complete", T, () -> cluster.leader().flatMap(l -> l.state().node(drained)).map(n -> n.drain() == DrainState.COMPLETE).orElse(false));
        JsonNode after = job("web");
        for (JsonNode a : after.get("allocations"))
            if (a.get("status").asText().equals("running")) assertTrue(a.get("node_id").asLong() != drained, "nothing runs on the drained node: " + after);

        // Stop: every allocation stops.
        send("DELETE", "/v1/jobs/web", null, null);
        awaitStatus("web", "stopped");
        try {
            Await.until("all stopped", T, () -> {
                try {
                    for (JsonNode a : job("web").get("allocations")) if (a.get("status").asText().equals("running")) return false;
                    return true;
                } catch (Exception e) {
                    return false;
                }
            });
        } catch (AssertionError e) {
            StringBuilder diag = new StringBuilder(e.getMessage()).append("\njob: ").append(job("web"));
            for (WorkerDaemon w : workers) diag.append("\nworker ").append(w.nodeId()).append(": ").append(w.status());
            throw new AssertionError(diag.toString(), e);
        }
    }

    /** A Docker job through the whole path: scheduler (docker driver advertised) → worker → docker-java. */
    @Test
    void dockerJobRunsSandboxedThroughTheWorker() throws Exception {
        boolean docker = new ProcessBuilder("docker", "image", "inspect", "muster-test/busybox:1").redirectErrorStream(true).start().waitFor() == 0;
        if (!docker && System.getenv("MUSTER_DOCKER_REQUIRED") != null)
            throw new AssertionError("MUSTER_DOCKER_REQUIRED is set but Docker or the image muster-test/busybox:1 is unavailable");
        org.junit.jupiter.api.Assumptions.assumeTrue(docker, "no Docker engine with muster-test/busybox:1 (run .ci/setup-docker.sh)");
        cluster = TestCluster.builder(1).build().startAll();
        MusterServer leader = cluster.awaitLeader(T);
        leader.ready().get(30, TimeUnit.SECONDS);
        Await.until("gRPC up", T, () -> leader.grpc().port() > 0);
        startWorker("d1", leader.joinTokens().create(Duration.ofHours(1), 1, Map.of(), "e2e").get(30, TimeUnit.SECONDS).token());
        Await.until("worker ready with docker", T, () -> leader.state().nodes().stream()
                .anyMatch(n -> n.state() == NodeStatus.READY && n.drivers().contains("docker")));
        send("POST", "/v1/jobs", "application/yaml", """
                id: boxed
                type: batch
                groups:
                  - name: g
                    count: 1
                    tasks:
                      - name: t
                        driver: docker
                        image: muster-test/busybox:1
                        command: sh
                        args: ["-c", "echo inside $GREETING; touch /readonly 2>/dev/null || echo rootfs-readonly"]
                        env: {GREETING: box}
                        resources: {cpu: 100, memory: 32}
                """);
        JsonNode boxed = awaitStatus("boxed", "complete", "failed");
        assertEquals("complete", boxed.get("status").asText(), boxed.toString());
        JsonNode logs = send("GET", "/v1/jobs/boxed/logs", null, null);
        String out = new String(Base64.getDecoder().decode(logs.get("allocations").get(0).get("stdout").asText()), StandardCharsets.UTF_8);
        assertTrue(out.contains("inside box") && out.contains("rootfs-readonly"), out);
    }

    /** A worker whose server dies carries on with another: same node, same identity, new work still arrives. */
    @Test
    void workerCarriesOnWhenItsServerDies() throws Exception {
        cluster = TestCluster.builder(3).heartbeat(new HeartbeatPolicy(2, 4, 2, 50, 300)).build().startAll();
        MusterServer leader = cluster.awaitLeader(T);
        for (MusterServer s : cluster.running()) s.ready().get(30, TimeUnit.SECONDS);
        Await.until("gRPC up", T, () -> cluster.running().stream().allMatch(s -> s.grpc().port() > 0));
        WorkerDaemon w = startWorker("f1", leader.joinTokens().create(Duration.ofHours(1), 1, Map.of(), "e2e").get(30, TimeUnit.SECONDS).token());
        Await.until("ready", T, () -> w.nodeId() > 0 && cluster.leader().flatMap(l -> l.state().node(w.nodeId())).map(n -> n.state() == NodeStatus.READY).orElse(false));
        String server = Await.value("connected", T, () -> w.status().currentServer());
        int port = HostPort.parse(server).port();
        int victim = cluster.running().stream().filter(s -> s.config().workerGrpcAddr().port() == port).findFirst().orElseThrow().config().serverId();
        long node = w.nodeId();
        cluster.kill(victim);
        cluster.awaitLeader(T);
        Await.until("moved to another server", T, () -> {
            String now = w.status().currentServer();
            return now != null && HostPort.parse(now).port() != port;
        });
        send("POST", "/v1/jobs", "application/yaml", """
                id: after-failover
                type: batch
                groups:
                  - name: g
                    count: 1
                    tasks:
                      - {name: t, driver: exec, command: "true"}
                """);
        assertEquals("complete", awaitStatus("after-failover", "complete", "failed").get("status").asText());
        assertEquals(node, w.nodeId(), "same identity");
        assertEquals(NodeStatus.READY, cluster.leader().orElseThrow().state().node(node).orElseThrow().state(), "never marked down");
    }
}
