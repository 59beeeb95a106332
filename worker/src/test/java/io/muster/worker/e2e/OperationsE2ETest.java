package io.muster.worker.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.muster.server.MusterServer;
import io.muster.server.testkit.Await;
import io.muster.server.testkit.TestCluster;
import io.muster.types.HeartbeatPolicy;
import io.muster.types.config.HostPort;
import io.muster.types.config.ServerConfig;
import io.muster.types.config.WorkerConfig;
import io.muster.types.state.NodeStatus;
import io.muster.worker.WorkerDaemon;
import io.muster.worker.WorkerOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Operation jobs on a real cluster on loopback: 3 servers, 4 worker daemons (w1-w3 in group web, w4 in db), real
 * action backends and exec tasks. Every ordering claim is checked on the times the workers reported, every
 * exactly-once claim on what the tasks themselves wrote. The servers run at most one operation at a time with one
 * more queued ({@code operations: {max_concurrent: 1, max_pending: 1}}), so each test waits for its operation to end.
 */
@Timeout(400)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OperationsE2ETest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration T = Duration.ofSeconds(60);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final List<WorkerDaemon> WORKERS = new ArrayList<>();
    /** Worker name -> node id. */
    private static final Map<String, Long> NODE = new TreeMap<>();
    private static TestCluster cluster;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void start() throws Exception {
        cluster = TestCluster.builder(3).heartbeat(new HeartbeatPolicy(1, 2, 1, 50, 300))
                .config(c -> c.withOperations(new ServerConfig.Operations(1, 1))).build().startAll();
        MusterServer leader = cluster.awaitLeader(T);
        for (MusterServer s : cluster.running()) s.ready().get(30, TimeUnit.SECONDS);
        Await.until("gRPC up", T, () -> cluster.running().stream().allMatch(s -> s.grpc().port() > 0));
        String token = leader.joinTokens().create(Duration.ofHours(1), 4, Map.of(), "ops").get(30, TimeUnit.SECONDS).token();
        List<HostPort> servers = cluster.running().stream().map(s -> new HostPort("127.0.0.1", s.config().workerGrpcAddr().port())).toList();
        for (int i = 1; i <= 4; i++) {
            String name = "w" + i;
            Path dir = tmp.resolve(name);
            WorkerDaemon w = new WorkerDaemon(new WorkerConfig(dir, servers, token, null, dir.resolve("identity"),
                    Map.of("name", name, "group", i <= 3 ? "web" : "db")), WorkerOptions.defaults());
            w.start();
            WORKERS.add(w);
        }
        Await.until("4 ready workers", T, () -> cluster.leader().map(l -> l.state().nodes().stream()
                .filter(n -> n.state() == NodeStatus.READY).count() == 4).orElse(false));
        for (WorkerDaemon w : WORKERS) {
            long id = w.nodeId();
            NODE.put(cluster.leader().orElseThrow().state().node(id).orElseThrow().labels().get("name"), id);
        }
    }

    @AfterAll
    static void stop() throws Exception {
        for (WorkerDaemon w : WORKERS) {
            try {
                w.close();
            } catch (RuntimeException e) {
                // keep closing
            }
        }
        if (cluster != null) cluster.close();
    }

    // ---- HTTP ----

    record Answer(int status, JsonNode body) {}

    private static Answer call(String method, String path, String contentType, String body) throws Exception {
        String api = cluster.apiUrl(cluster.awaitLeader(T).config().serverId());
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(api + path)).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) b.header("content-type", contentType);
        HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(r.statusCode(), JSON.readTree(r.body()));
    }

    private static JsonNode submit(String yaml) throws Exception {
        Answer a = call("POST", "/v1/jobs", "application/yaml", yaml);
        assertTrue(a.status() < 300, "submit: " + a);
        return a.body();
    }

    private static JsonNode job(String id) {
        try {
            Answer a = call("GET", "/v1/jobs/" + id, null, null);
            return a.status() == 200 ? a.body() : null;
        } catch (Exception e) {
            return null; // a server going away mid-test: ask again
        }
    }

    private static JsonNode awaitEnd(String id) {
        return Await.value("operation " + id + " ended", T, () -> {
            JsonNode j = job(id);
            return j != null && Set.of("complete", "failed", "cancelled").contains(j.path("status").asText()) ? j : null;
        });
    }

    /** The job's allocations of task {@code key}, by node name. */
    private static Map<String, List<JsonNode>> attempts(JsonNode job, String key) {
        Map<String, List<JsonNode>> out = new TreeMap<>();
        for (JsonNode a : job.get("allocations")) {
            if (!a.get("group").asText().equals(key)) continue;
            out.computeIfAbsent(name(a.get("node_id").asLong()), k -> new ArrayList<>()).add(a);
        }
        return out;
    }

    private static String name(long node) {
        return NODE.entrySet().stream().filter(e -> e.getValue() == node).map(Map.Entry::getKey).findFirst().orElseThrow();
    }

    private static long at(JsonNode alloc, String field) {
        return Instant.parse(alloc.get(field).asText()).toEpochMilli();
    }

    /** Latest finish of every attempt of tasks whose key starts with {@code step}, and earliest start. */
    private static long[] span(JsonNode job, String step) {
        long first = Long.MAX_VALUE;
        long last = 0;
        for (JsonNode a : job.get("allocations")) {
            String g = a.get("group").asText();
            if (!(g.equals(step) || g.startsWith(step + "."))) continue;
            first = Math.min(first, at(a, "started_at"));
            last = Math.max(last, at(a, "finished_at"));
        }
        return new long[] {first, last};
    }

    private static String result(JsonNode job, String key, String worker) {
        return job.path("results").path(key).path(Long.toString(NODE.get(worker))).path("status").asText("none");
    }

    // ---- the behaviours ----

    @Test
    @Order(0)
    void unknownActionsAndTargetsAreRefusedWithWhatIsValid() throws Exception {
        Answer a = call("POST", "/v1/jobs", "application/yaml", "id: bad\ntype: operation\ntarget: {scope: all}\nsteps:\n"
                + "  - {backend: apt, action: purge}\n");
        assertEquals(422, a.status(), a.toString());
        assertTrue(a.body().get("error").asText().contains("steps[0].action: backend apt has no action 'purge'; valid: install, remove, update, upgrade"),
                a.toString());
        Answer noApt = call("POST", "/v1/jobs", "application/yaml", "id: bad\ntype: operation\ntarget: {scope: all}\nsteps:\n"
                + "  - {backend: apt, action: update}\n");
        assertEquals(409, noApt.status(), "no worker enabled apt: " + noApt);
        assertTrue(noApt.body().get("error").asText().contains("backend apt not enabled"), noApt.toString());
        assertEquals(404, call("GET", "/v1/jobs/bad", null, null).status(), "nothing was registered");
    }

    @Test
    @Order(1)
    void barrierStepsWaitForEveryNodeAndPipelineNodesWalkOnTheirOwn() throws Exception {
        long slow = NODE.get("w2");
        submit("""
                id: rollout
                type: operation
                target: {scope: all}
                steps:
                  - tasks:
                      - {driver: exec, command: sh, args: ["-c", "[ \\"$MUSTER_NODE_ID\\" = \\"%d\\" ] && sleep 3; true"]}
                      - {backend: test, action: succeed}
                  - {backend: ping, action: echo, params: {message: hello}}
                  - {backend: test, action: output, params: {text: done}}
                """.formatted(slow));
        JsonNode j = awaitEnd("rollout");
        assertEquals("complete", j.get("status").asText(), j.toPrettyString());
        assertEquals("complete", j.at("/operation/status").asText());
        // Barrier: no node started step N+1 before every node ended step N (times as the workers reported them).
        long[] s0 = span(j, "0");
        long[] s1 = span(j, "1");
        long[] s2 = span(j, "2");
        assertTrue(s0[1] <= s1[0], "step 1 started " + (s0[1] - s1[0]) + " ms before step 0 ended everywhere");
        assertTrue(s1[1] <= s2[0], "step 2 started before step 1 ended everywhere");
        // Pipeline: a fast node finished the whole phase while the slow one was still in its first sub-step.
        long slowFirstEnd = at(attempts(j, "0.0").get("w2").getFirst(), "finished_at");
        for (String fast : List.of("w1", "w3", "w4"))
            assertTrue(at(attempts(j, "0.1").get(fast).getFirst(), "finished_at") < slowFirstEnd, fast + " waited for w2 inside the phase");
        for (String w : NODE.keySet()) {
            assertEquals("success", result(j, "1", w));
            assertEquals(1, j.at("/results/1/" + NODE.get(w) + "/attempts").asInt());
        }
        assertTrue(j.at("/results/1/" + NODE.get("w1") + "/output").asText().contains("hello"), j.at("/results/1").toString());
        assertEquals(List.of("done", "done", "done"), states(j));
    }

    private static final String FAILING_STEPS = """
              - {driver: exec, command: sh, args: ["-c", "if [ \\"$MUSTER_NODE_ID\\" = \\"%d\\" ]; then exit 3; fi; sleep %d"]}
              - {backend: test, action: succeed}
              - condition: on_success
                tasks: [{backend: test, action: succeed}]
              - condition: on_failure
                tasks: [{backend: ping, action: echo, params: {message: "rollback complete"}}]
            """;

    @Test
    @Order(2)
    void failFastStopsTheJobSkipsOnSuccessAndRunsTheRollback() throws Exception {
        submit("id: ff\ntype: operation\ntarget: {scope: group, value: web}\nstrategy: fail-fast\nsteps:\n"
                + FAILING_STEPS.formatted(NODE.get("w1"), 20));
        JsonNode j = awaitEnd("ff");
        assertEquals("failed", j.get("status").asText(), j.toPrettyString());
        assertTrue(j.at("/operation/reason").asText().contains("failed on w1 (node " + NODE.get("w1") + ")"), j.at("/operation").toString());
        assertEquals("failed", result(j, "0", "w1"));
        assertEquals("stopped", result(j, "0", "w2"), "the sibling still sleeping was stopped, not left to run 20 s");
        assertFalse(j.get("results").has("1"), "the normal flow ended at the failure");
        assertFalse(j.get("results").has("2.0"), "on_success skipped");
        for (String w : List.of("w1", "w2", "w3")) assertEquals("success", result(j, "3.0", w), "the rollback ran on " + w);
        assertEquals("none", result(j, "3.0", "w4"), "w4 is not in group web");
        assertEquals(List.of("done", "skipped", "skipped", "done"), states(j));
    }

    @Test
    @Order(3)
    void continueDropsOnlyTheFailedNode() throws Exception {
        submit("id: cont\ntype: operation\ntarget: {scope: group, value: web}\nstrategy: continue\nsteps:\n"
                + FAILING_STEPS.formatted(NODE.get("w1"), 0));
        JsonNode j = awaitEnd("cont");
        assertEquals("failed", j.get("status").asText(), "a failure anywhere fails the operation");
        assertEquals("none", result(j, "1", "w1"), "w1 dropped out of the later steps");
        assertEquals("success", result(j, "1", "w2"));
        assertEquals("success", result(j, "1", "w3"));
        assertFalse(j.get("results").has("2.0"), "on_success skipped after a failure");
        assertEquals("success", result(j, "3.0", "w1"), "on_failure runs on every node, the failed one too");
    }

    @Test
    @Order(4)
    void retriesBackOffLongerEachTime() throws Exception {
        submit("""
                id: flaky
                type: operation
                target: {scope: node, value: w3}
                retry_backoff: {base: 1s, cap: 10s}
                steps:
                  - {backend: test, action: flaky, params: {rate: "1", seed: "7"}, max_retries: 2}
                """);
        JsonNode j = awaitEnd("flaky");
        assertEquals("failed", j.get("status").asText());
        List<JsonNode> tries = attempts(j, "0").get("w3");
        assertEquals(3, tries.size(), "the first run and 2 retries");
        assertEquals(3, j.at("/results/0/" + NODE.get("w3") + "/attempts").asInt());
        long gap1 = at(tries.get(1), "started_at") - at(tries.get(0), "finished_at");
        long gap2 = at(tries.get(2), "started_at") - at(tries.get(1), "finished_at");
        assertTrue(gap1 >= 900, "first backoff ~1 s, was " + gap1);
        assertTrue(gap2 >= 1_900 && gap2 > gap1, "second backoff ~2 s and longer, was " + gap2 + " after " + gap1);
    }

    @Test
    @Order(5)
    void aTaskTimeoutAndAJobTimeout() throws Exception {
        submit("""
                id: slowtask
                type: operation
                target: {scope: node, value: w1}
                steps:
                  - {backend: test, action: sleep, params: {duration: 30s}, timeout: 1s}
                """);
        JsonNode t = awaitEnd("slowtask");
        assertEquals("failed", t.get("status").asText());
        assertTrue(t.at("/results/0/" + NODE.get("w1") + "/duration_ms").asLong() < 10_000, t.at("/results").toString());
        submit("""
                id: slowjob
                type: operation
                target: {scope: node, value: w1}
                timeout: 2s
                steps:
                  - {backend: test, action: sleep, params: {duration: 30s}}
                """);
        long t0 = System.currentTimeMillis();
        JsonNode j = awaitEnd("slowjob");
        assertEquals("failed", j.get("status").asText());
        assertEquals("timed out after 2s", j.at("/operation/reason").asText());
        assertTrue(System.currentTimeMillis() - t0 < 20_000, "ended at the job timeout, not after the 30 s task");
        // The leader stops it and the worker's own copy of the deadline stops it too; whichever lands first names it.
        JsonNode ended = Await.value("the sleeping task ended", Duration.ofSeconds(15), () -> {
            JsonNode x = job("slowjob");
            return Set.of("stopped", "failed").contains(result(x, "0", "w1")) ? x : null;
        });
        assertTrue(ended.at("/results/0/" + NODE.get("w1") + "/duration_ms").asLong() < 10_000, ended.at("/results").toString());
    }

    @Test
    @Order(6)
    void cancelStopsTheRunningStepAndTheQueueRefusesBeyondItsLimit() throws Exception {
        String sleeper = "type: operation\ntarget: {scope: all}\nsteps:\n  - {backend: test, action: sleep, params: {duration: 60s}}\n"
                + "  - {backend: test, action: succeed}\n";
        submit("id: long1\n" + sleeper);
        Await.until("long1 running on 4 nodes", T, () -> {
            JsonNode j = job("long1");
            return j != null && j.path("results").path("0").size() == 4
                    && NODE.values().stream().allMatch(n -> j.at("/results/0/" + n + "/status").asText().equals("running"));
        });
        JsonNode queued = submit("id: long2\n" + sleeper);
        assertEquals("pending", queued.get("status").asText(), "max_concurrent 1: the second waits");
        assertEquals("queued", queued.at("/operation/status").asText());
        Answer refused = call("POST", "/v1/jobs", "application/yaml", "id: long3\n" + sleeper);
        assertEquals(429, refused.status(), refused.toString());
        assertTrue(refused.body().toString().contains("TOO_MANY_OPERATIONS"), refused.toString());

        Answer cancel = call("POST", "/v1/jobs/long1/cancel", null, null);
        assertEquals(200, cancel.status(), cancel.toString());
        JsonNode c = awaitEnd("long1");
        assertEquals("cancelled", c.get("status").asText());
        Await.until("long1's tasks stopped", T, () -> {
            JsonNode j = job("long1");
            return NODE.values().stream().allMatch(n -> j.at("/results/0/" + n + "/status").asText().equals("stopped"));
        });
        assertFalse(job("long1").get("results").has("1"), "a pending step never starts");
        assertEquals(409, call("POST", "/v1/jobs/long1/cancel", null, null).status(), "cancelling an ended operation is refused");
        // The queued one starts once a place is free; cancel it too.
        Await.until("long2 started", T, () -> "running".equals(job("long2").at("/operation/status").asText()));
        assertEquals(200, call("POST", "/v1/jobs/long2/cancel", null, null).status());
        awaitEnd("long2");
    }

    @Test
    @Order(7)
    void aLeaderKilledMidJobLosesNothingAndRunsNothingTwice() throws Exception {
        Path runs = Files.createDirectories(tmp.resolve("runs"));
        submit("""
                id: failover
                type: operation
                target: {scope: all}
                steps:
                  - {driver: exec, command: sh, args: ["-c", "echo $MUSTER_GROUP >> %1$s/$MUSTER_NODE_ID; sleep 1"]}
                  - {driver: exec, command: sh, args: ["-c", "echo $MUSTER_GROUP >> %1$s/$MUSTER_NODE_ID; sleep 2"]}
                  - {driver: exec, command: sh, args: ["-c", "echo $MUSTER_GROUP >> %1$s/$MUSTER_NODE_ID; sleep 1"]}
                  - {driver: exec, command: sh, args: ["-c", "echo $MUSTER_GROUP >> %1$s/$MUSTER_NODE_ID"]}
                """.formatted(runs));
        Await.until("step 1 running", T, () -> {
            JsonNode j = job("failover");
            return j != null && j.path("results").has("1");
        });
        MusterServer leader = cluster.awaitLeader(T);
        int killed = leader.config().serverId();
        cluster.kill(killed);
        JsonNode j = awaitEnd("failover");
        assertEquals("complete", j.get("status").asText(), j.toPrettyString());
        for (var e : NODE.entrySet()) {
            List<String> lines = Files.readAllLines(runs.resolve(Long.toString(e.getValue())));
            assertEquals(List.of("0", "1", "2", "3"), lines, e.getKey() + " ran each step exactly once, in order");
            for (String key : List.of("0", "1", "2", "3")) assertEquals(1, j.at("/results/" + key + "/" + e.getValue() + "/attempts").asInt());
        }
        Map<String, Integer> perAlloc = new HashMap<>();
        for (JsonNode a : j.get("allocations")) perAlloc.merge(a.get("group").asText() + "@" + a.get("node_id").asText(), 1, Integer::sum);
        assertEquals(Collections.nCopies(16, 1), new ArrayList<>(perAlloc.values()), "one attempt per (step, node)");
        cluster.restart(killed);
    }

    private static List<String> states(JsonNode j) {
        List<String> out = new ArrayList<>();
        for (JsonNode s : j.at("/operation/steps")) out.add(s.get("state").asText());
        return out;
    }
}
