package io.muster.server.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.muster.client.ClusterStatus;
import io.muster.client.IssuedToken;
import io.muster.client.JobList;
import io.muster.client.JobStatus;
import io.muster.client.Node;
import io.muster.proto.AllocState;
import io.muster.proto.StatusReport;
import io.muster.server.MusterServer;
import io.muster.server.testkit.Await;
import io.muster.server.testkit.Ports;
import io.muster.server.testkit.TestWorker;
import io.muster.types.config.HostPort;
import io.muster.types.config.ServerConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server writes its join-token, node, job and cluster answers from the API client's records ({@link IssuedToken},
 * {@link Node}, {@link JobStatus}, {@link JobList}, {@link ClusterStatus}): a real dev server's answers parse back into
 * the same records, with the field names (and order) scripts read, and the records write back exactly what was read.
 */
@Timeout(180)
class ApiRecordsTest {
    private static final List<String> TOKEN_FIELDS = List.of("token", "token_id", "expires_at", "max_uses", "servers", "labels", "join_command");
    private static final List<String> NODE_FIELDS = List.of("id", "state", "eligible", "labels", "os", "arch", "last_heartbeat", "ttl_secs",
            "drain", "hostname", "drivers", "cpu_mhz", "memory_mb", "allocs", "registered_at", "state_changed_at", "cpu_cores", "version",
            "cert_not_after"); // drain_deadline and revoked_reason only when set
    private static final List<String> JOB_FIELDS = List.of("id", "type", "version", "status", "submitted_at", "allocations", "failures");
    // started_at and finished_at only once the worker said so
    private static final List<String> ALLOC_FIELDS = List.of("id", "node_id", "status", "exit_code", "job_id", "group", "index", "desired", "message",
            "attempt", "job_version");
    private static final List<String> FAILURE_FIELDS = List.of("group", "unplaced", "nodes_evaluated", "filtered");
    private static final List<String> JOB_LIST_FIELDS = List.of("jobs", "total", "next_offset");
    private static final List<String> JOB_SUMMARY_FIELDS = List.of("id", "type", "status", "version", "allocations", "runs", "submitted_at");
    private static final List<String> CLUSTER_FIELDS = List.of("cluster_id", "leader_id", "term", "commit_index", "applied_index", "last_index",
            "server_id", "members", "alarms", "divergence_check");
    private static final List<String> MEMBER_FIELDS = List.of("id", "raft_addr", "api_addr", "role", "healthy"); // then the leader's counters
    private static final List<String> CHECK_FIELDS = List.of("digest_interval", "period_ms", "digests", "rounds", "comparisons", "mismatches",
            "last_compared_index", "last_digest_copy_us", "last_digest_hash_us");

    @TempDir
    Path dataDir;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private JsonNode call(String base, String method, String path, String body) throws Exception {
        return call(base, method, path, body, 200);
    }

    private JsonNode call(String base, String method, String path, String body, int expectedStatus) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(20)).header("content-type", "application/json");
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(expectedStatus, r.statusCode(), method + " " + path + ": " + r.body());
        return Http.JSON.readTree(r.body());
    }

    private static List<String> names(JsonNode n) {
        List<String> out = new ArrayList<>();
        n.fieldNames().forEachRemaining(out::add);
        return out;
    }

    @Test
    void joinTokenAndNodeAnswersAreTheClientRecords() throws Exception {
        int api = Ports.free();
        int grpc = Ports.free();
        try (MusterServer server = new MusterServer(ServerConfig.dev(dataDir, api, Ports.free(), grpc), MusterServer.Options.defaults()).start();
             TestWorker worker = new TestWorker()) {
            server.ready().get(60, TimeUnit.SECONDS);
            String base = "http://127.0.0.1:" + api;
            Await.until("the dev server leads", Duration.ofSeconds(60), () -> {
                try {
                    return call(base, "GET", "/v1/health", null).path("role").asText().equals("leader");
                } catch (Exception | AssertionError e) {
                    return false;
                }
            });

            JsonNode tokenJson = call(base, "POST", "/v1/node/tokens", "{\"valid_for_secs\": 600, \"max_uses\": 1, \"labels\": {\"zone\": \"eu-1\"}}");
            assertEquals(TOKEN_FIELDS, names(tokenJson));
            IssuedToken t = IssuedToken.from(tokenJson);
            assertEquals(List.of("127.0.0.1:" + grpc), t.servers(), "the servers as data");
            assertEquals(Map.of("zone", "eu-1"), t.labels());
            assertEquals(1, t.maxUses());
            assertTrue(t.joinCommand().contains("--server 127.0.0.1:" + grpc), t.joinCommand());
            assertEquals(tokenJson.toString(), Http.JSON.writeValueAsString(t), "the record writes back exactly what was read");

            worker.register(new HostPort("127.0.0.1", grpc), t.token(), TestWorker.profile("w1", Map.of("zone", "eu-1")));
            JsonNode list = call(base, "GET", "/v1/nodes", null);
            assertEquals(1, list.size(), list.toString());
            JsonNode nodeJson = list.get(0);
            assertEquals(NODE_FIELDS, names(nodeJson), "an enrolled node that is neither draining nor revoked");
            assertTrue(nodeJson.get("id").isIntegralNumber(), "node ids stay JSON numbers");
            assertTrue(nodeJson.has("last_heartbeat") && nodeJson.has("ttl_secs"), "present even when null");
            Node n = Node.from(nodeJson);
            assertEquals(worker.nodeId, n.id());
            assertEquals("w1", n.hostname());
            assertEquals(List.of("exec"), n.drivers());
            assertEquals(Map.of("zone", "eu-1"), n.labels());
            assertEquals(Long.valueOf(4000), n.cpuMhz());
            assertEquals(Integer.valueOf(0), n.allocs());
            assertNull(n.revokedReason());
            assertNull(n.drainDeadline());
            assertEquals(nodeJson.toString(), Http.JSON.writeValueAsString(n), "the record writes back exactly what was read");

            JsonNode detail = call(base, "GET", "/v1/nodes/" + worker.nodeId, null);
            List<String> detailFields = new ArrayList<>(NODE_FIELDS);
            detailFields.add("allocations");
            detailFields.add("resource_limits"); // added with the exec cgroup limits (main ba6bdc4)
            detailFields.add("allocations_total");
            assertEquals(detailFields, names(detail));
            assertTrue(detail.get("allocations").isArray());
            assertEquals(List.of(), Node.from(detail).allocations());
            assertNull(n.allocations(), "the list carries no allocations");
        }
    }

    /** The record read from the tree (the CLI's way) and streamed (the load test's way) writes back exactly the answer. */
    private static void roundTrips(JsonNode answer, Object fromTree, Class<?> type) throws Exception {
        assertEquals(answer.toString(), Http.JSON.writeValueAsString(fromTree), "the record writes back exactly what was read");
        Object streamed = Http.JSON.treeToValue(answer, type); // fails on any field the record does not know
        assertEquals(answer.toString(), Http.JSON.writeValueAsString(streamed), "read by Jackson, the record writes back the same");
    }

    private static final String BATCH_JOB = """
            {"id": "rec-batch", "type": "batch", "groups": [{"name": "g", "count": 2, "tasks": [{"name": "t", "driver": "exec",
             "command": "true", "resources": {"cpu": 100, "memory": 64}}]}]}""";
    private static final String UNPLACEABLE_JOB = """
            {"id": "rec-nowhere", "type": "service", "constraints": [{"attribute": "label.zone", "operator": "=", "value": "nowhere"}],
             "groups": [{"name": "web", "count": 1, "tasks": [{"name": "t", "driver": "exec", "command": "sleep", "args": ["300"],
             "resources": {"cpu": 100, "memory": 64}}]}]}""";

    @Test
    void jobAndClusterAnswersAreTheClientRecords() throws Exception {
        int api = Ports.free();
        int grpc = Ports.free();
        try (MusterServer server = new MusterServer(ServerConfig.dev(dataDir, api, Ports.free(), grpc), MusterServer.Options.defaults()).start();
             TestWorker worker = new TestWorker()) {
            server.ready().get(60, TimeUnit.SECONDS);
            String base = "http://127.0.0.1:" + api;
            Await.until("the dev server leads", Duration.ofSeconds(60), () -> {
                try {
                    return call(base, "GET", "/v1/health", null).path("role").asText().equals("leader");
                } catch (Exception | AssertionError e) {
                    return false;
                }
            });
            // One node, ready (it has beaten once), so the batch job's allocations are placed on it.
            HostPort grpcAddr = new HostPort("127.0.0.1", grpc);
            IssuedToken t = IssuedToken.from(call(base, "POST", "/v1/node/tokens", "{\"valid_for_secs\": 600, \"max_uses\": 1}"));
            worker.register(grpcAddr, t.token(), TestWorker.profile("w1", Map.of()));
            var stub = worker.connect(grpcAddr);
            worker.beat(stub);
            Await.until("the node is ready", Duration.ofSeconds(30), () -> {
                try {
                    return call(base, "GET", "/v1/nodes/" + worker.nodeId, null).path("state").asText().equals("ready");
                } catch (Exception | AssertionError e) {
                    return false;
                }
            });

            // The submit answer is the job answer.
            JsonNode submitted = call(base, "POST", "/v1/jobs", BATCH_JOB, 201);
            assertEquals(JOB_FIELDS, names(submitted));
            roundTrips(submitted, JobStatus.from(submitted), JobStatus.class);

            JsonNode[] placed = new JsonNode[1];
            Await.until("both allocations are placed", Duration.ofSeconds(30), () -> {
                try {
                    placed[0] = call(base, "GET", "/v1/jobs/rec-batch", null);
                    return placed[0].get("allocations").size() == 2;
                } catch (Exception | AssertionError e) {
                    return false;
                }
            });
            JsonNode first = placed[0].get("allocations").get(0);
            // The worker says the first allocation ran and completed.
            long now = System.currentTimeMillis();
            worker.beat(stub); // keeps the lease
            stub.withDeadlineAfter(30, TimeUnit.SECONDS).reportStatus(StatusReport.newBuilder().setNodeId(worker.nodeId)
                    .addAllocations(io.muster.proto.AllocStatus.newBuilder().setAllocId(first.get("id").asText()).setState(AllocState.ALLOC_COMPLETE)
                            .setExitCode(0).setStartedUnixMs(now - 1000).setFinishedUnixMs(now)).build());
            JsonNode[] job = new JsonNode[1];
            Await.until("the first allocation completes", Duration.ofSeconds(30), () -> {
                try {
                    job[0] = call(base, "GET", "/v1/jobs/rec-batch", null);
                    return job[0].get("allocations").get(0).path("status").asText().equals("complete");
                } catch (Exception | AssertionError e) {
                    return false;
                }
            });
            JsonNode jobJson = job[0];
            assertEquals(JOB_FIELDS, names(jobJson), "no next_eval_at: nothing to retry");
            JsonNode done = jobJson.get("allocations").get(0);
            List<String> doneFields = new ArrayList<>(ALLOC_FIELDS);
            doneFields.addAll(List.of("started_at", "finished_at", "events", "events_total"));
            assertEquals(doneFields, names(done));
            assertEquals(0, done.get("exit_code").asInt());
            JsonNode pending = jobJson.get("allocations").get(1);
            List<String> pendingFields = new ArrayList<>(ALLOC_FIELDS);
            pendingFields.addAll(List.of("events", "events_total")); // placed, at least
            assertEquals(pendingFields, names(pending));
            assertTrue(pending.get("exit_code").isNull(), "present as null until the task ends by itself");
            assertTrue(pending.get("node_id").isIntegralNumber(), "node ids stay JSON numbers");
            JobStatus s = JobStatus.from(jobJson);
            assertEquals("rec-batch", s.id());
            assertEquals(2, s.allocations().size());
            JobStatus.Allocation a = s.allocations().get(0);
            assertEquals(worker.nodeId, a.nodeId());
            assertEquals("rec-batch", a.jobId());
            assertEquals(Integer.valueOf(0), a.exitCode());
            assertEquals(java.time.Instant.ofEpochMilli(now).toString(), a.finishedAt());
            assertNull(s.allocations().get(1).startedAt());
            assertEquals(List.of(), s.failures());
            roundTrips(jobJson, s, JobStatus.class);

            // An allocation alone, and a node detail's allocations, are the same record.
            // The allocation's answer has every event kept; a job's, only the newest 3 of each allocation.
            JsonNode alloc = call(base, "GET", "/v1/allocations/" + done.get("id").asText(), null);
            JsonNode allEvents = ((com.fasterxml.jackson.databind.node.ObjectNode) alloc).remove("events");
            JsonNode newest = ((com.fasterxml.jackson.databind.node.ObjectNode) done.deepCopy()).remove("events");
            assertEquals(((com.fasterxml.jackson.databind.node.ObjectNode) done.deepCopy()).without("events"), alloc);
            assertEquals(alloc.get("events_total").asInt(), allEvents.size());
            assertTrue(newest.size() <= 3 && newest.size() <= allEvents.size(), newest.toString());
            for (int i = 0; i < newest.size(); i++) assertEquals(allEvents.get(allEvents.size() - newest.size() + i), newest.get(i));
            JsonNode detail = call(base, "GET", "/v1/nodes/" + worker.nodeId, null);
            assertEquals(jobJson.get("allocations"), detail.get("allocations"));

            // No node matches: placement failures, counted per reason.
            JsonNode unplaced = call(base, "POST", "/v1/jobs", UNPLACEABLE_JOB, 201);
            roundTrips(unplaced, JobStatus.from(unplaced), JobStatus.class);
            JsonNode[] failing = new JsonNode[1];
            Await.until("the placement failure is recorded", Duration.ofSeconds(30), () -> {
                try {
                    failing[0] = call(base, "GET", "/v1/jobs/rec-nowhere", null);
                    return failing[0].get("failures").size() > 0;
                } catch (Exception | AssertionError e) {
                    return false;
                }
            });
            JsonNode failJson = failing[0];
            assertTrue(List.of(JOB_FIELDS, withNextEval()).contains(names(failJson)), names(failJson).toString());
            assertEquals(FAILURE_FIELDS, names(failJson.get("failures").get(0)));
            JobStatus f = JobStatus.from(failJson);
            assertTrue(f.hasPlacementFailures());
            assertEquals(List.of(), f.allocations());
            assertTrue(!f.failures().get(0).filtered().isEmpty(), failJson.toString());
            roundTrips(failJson, f, JobStatus.class);

            // The job list, a page at a time.
            JsonNode page = call(base, "GET", "/v1/jobs?limit=1", null);
            assertEquals(JOB_LIST_FIELDS, names(page));
            assertEquals(JOB_SUMMARY_FIELDS, names(page.get("jobs").get(0)));
            assertEquals(List.of("pending", "running", "complete", "failed", "lost", "stopped"), names(page.get("jobs").get(0).get("allocations")));
            JobList l = JobList.from(page);
            assertEquals(2, l.total());
            assertFalse(l.jobs().get(0).runs().isBlank(), "the list says what a job runs: " + page);
            assertTrue(java.time.Instant.parse(l.jobs().get(0).submittedAt()).toEpochMilli() > 0);
            assertEquals(Long.valueOf(1), l.nextOffset());
            assertEquals("rec-batch", l.jobs().get(0).id());
            assertEquals(1, l.jobs().get(0).count("complete"));
            assertEquals(1, l.jobs().get(0).count("pending"));
            roundTrips(page, l, JobList.class);
            JsonNode last = call(base, "GET", "/v1/jobs?offset=1", null);
            assertTrue(last.has("next_offset") && last.get("next_offset").isNull(), "present as null on the last page");
            JobList lastPage = JobList.from(last);
            assertNull(lastPage.nextOffset());
            assertEquals("rec-nowhere", lastPage.jobs().get(0).id());
            roundTrips(last, lastPage, JobList.class);

            // Cluster status, with the divergence check's alarms and counters.
            JsonNode st = call(base, "GET", "/v1/cluster/status", null);
            assertEquals(CLUSTER_FIELDS, names(st));
            assertEquals(MEMBER_FIELDS, names(st.get("members").get(0)).subList(0, MEMBER_FIELDS.size()));
            assertEquals(CHECK_FIELDS, names(st.get("divergence_check")));
            ClusterStatus c = ClusterStatus.from(st);
            assertEquals(1, c.members().size());
            assertEquals(Integer.valueOf(1), c.leaderId());
            assertEquals(List.of(), c.alarms(), "checked, nothing found");
            assertTrue(c.divergenceCheck() != null);
            roundTrips(st, c, ClusterStatus.class);
        }
    }

    private static List<String> withNextEval() {
        List<String> out = new ArrayList<>(JOB_FIELDS);
        out.add(out.indexOf("submitted_at") + 1, "next_eval_at");
        return out;
    }
}
