package io.muster.server.leader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.muster.proto.AllocState;
import io.muster.proto.AllocStatus;
import io.muster.proto.NodeProfile;
import io.muster.proto.raft.AllocStatusBatch;
import io.muster.proto.raft.AllocStatusUpdate;
import io.muster.proto.raft.Command;
import io.muster.proto.raft.CreateJoinToken;
import io.muster.proto.raft.NodeStateBatch;
import io.muster.proto.raft.NodeStateChange;
import io.muster.proto.raft.RegisterNode;
import io.muster.proto.raft.RevokeJoinToken;
import io.muster.server.MusterServer;
import io.muster.server.raft.RaftNode;
import io.muster.server.state.ClusterState;
import io.muster.server.state.Records.AllocRecord;
import io.muster.server.state.Records.JobRecord;
import io.muster.server.state.Records.JoinTokenRecord;
import io.muster.server.state.Records.NodeRecord;
import io.muster.server.testkit.Await;
import io.muster.server.testkit.TestCluster;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Garbage collection on a real 3-server cluster, through the API of a follower: {@code DELETE /v1/jobs/:id?purge=true}
 * and {@code POST /v1/system/gc}, then every server holds the same (smaller) state, and the Raft log lists the
 * CollectGarbage entries by their counts.
 */
@Timeout(180)
class GcClusterTest {
    private static final Duration T = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).connectTimeout(Duration.ofSeconds(10)).build();

    private HttpResponse<String> call(TestCluster c, int server, String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(c.apiUrl(server) + path)).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) b.header("content-type", "application/json");
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String job(String id, String type, int count) {
        return "{\"id\": \"" + id + "\", \"type\": \"" + type + "\", \"groups\": [{\"name\": \"g\", \"count\": " + count
                + ", \"tasks\": [{\"name\": \"t\", \"driver\": \"exec\", \"command\": \"true\", \"resources\": {\"cpu\": 10, \"memory\": 10}}]}]}";
    }

    /** What must be equal on every server: ids of every kind of record. */
    private static String fingerprint(ClusterState s) {
        return "jobs=" + new TreeSet<>(s.jobs().stream().map(JobRecord::id).toList())
                + " allocs=" + s.allocCount()
                + " nodes=" + new TreeSet<>(s.nodes().stream().map(NodeRecord::id).toList())
                + " tokens=" + new TreeSet<>(s.joinTokens().stream().map(JoinTokenRecord::id).toList());
    }

    @Test
    void purgeAndSystemGcThroughAFollowerLeaveEveryServerWithTheSameSmallerState() throws Exception {
        try (TestCluster c = TestCluster.builder(3).build().startAll()) {
            MusterServer leader = c.awaitLeader(T);
            leader.ready().get(30, TimeUnit.SECONDS);
            int follower = leader.config().serverId() % 3 + 1;
            var p = leader.proposer();
            p.propose(Command.newBuilder().setCreateJoinToken(CreateJoinToken.newBuilder().setTokenId("t").setExpiresUnixMs(Long.MAX_VALUE))).get(30, TimeUnit.SECONDS);
            p.propose(Command.newBuilder().setCreateJoinToken(CreateJoinToken.newBuilder().setTokenId("t2").setExpiresUnixMs(Long.MAX_VALUE))).get(30, TimeUnit.SECONDS);
            p.propose(Command.newBuilder().setRevokeJoinToken(RevokeJoinToken.newBuilder().setTokenId("t2"))).get(30, TimeUnit.SECONDS);
            NodeStateBatch.Builder ready = NodeStateBatch.newBuilder();
            for (int i = 0; i < 3; i++) {
                long id = p.propose(Command.newBuilder().setRegisterNode(RegisterNode.newBuilder().setTokenId("t")
                        .setPublicKeySha256(ByteString.copyFromUtf8("key-" + i)).setRegisteredUnixMs(1)
                        .setProfile(NodeProfile.newBuilder().setOs("linux").setArch("amd64").setCpuMhz(16_000).setMemoryMb(65_536)
                                .addDrivers("exec").setHostname("n" + i)))).get(30, TimeUnit.SECONDS).getNodeId();
                ready.addChanges(NodeStateChange.newBuilder().setNodeId(id).setState("ready").setAtUnixMs(System.currentTimeMillis()));
            }
            p.propose(Command.newBuilder().setNodeStateBatch(ready)).get(30, TimeUnit.SECONDS);

            for (String[] j : new String[][] {{"done", "batch", "3"}, {"web", "service", "2"}, {"old", "service", "2"}}) {
                HttpResponse<String> r = call(c, follower, "POST", "/v1/jobs", job(j[0], j[1], Integer.parseInt(j[2])));
                assertEquals(201, r.statusCode(), r.body());
            }
            Await.until("placed", T, () -> leader.state().allocCount() == 7);
            // The batch job's runs complete (as their worker would report).
            AllocStatusBatch.Builder done = AllocStatusBatch.newBuilder();
            for (AllocRecord a : leader.state().allocsOfJob("done")) {
                done.addUpdates(AllocStatusUpdate.newBuilder().setNodeId(a.nodeId()).setStatus(AllocStatus.newBuilder().setAllocId(a.id())
                        .setState(AllocState.ALLOC_COMPLETE).setFinishedUnixMs(System.currentTimeMillis())));
            }
            p.propose(Command.newBuilder().setAllocStatusBatch(done)).get(30, TimeUnit.SECONDS);
            assertEquals(200, call(c, follower, "DELETE", "/v1/jobs/old", null).statusCode()); // pending allocations stop at once
            // A node goes down for good (its allocations are lost and replaced).
            long gone = leader.state().nodesSorted().getLast().id();
            p.propose(Command.newBuilder().setNodeStateBatch(NodeStateBatch.newBuilder().addChanges(NodeStateChange.newBuilder().setNodeId(gone)
                    .setState("down").setAtUnixMs(System.currentTimeMillis())))).get(30, TimeUnit.SECONDS);
            Await.until("web replaced off the down node", T, () -> leader.state().allocsOfJob("web").stream()
                    .filter(a -> a.desiredRun() && !a.terminal()).allMatch(a -> a.nodeId() != gone)
                    && leader.state().allocsOfJob("web").stream().filter(a -> a.desiredRun() && !a.terminal()).count() == 2);

            // Purge a running job through a follower.
            HttpResponse<String> purge = call(c, follower, "DELETE", "/v1/jobs/web?purge=true", null);
            assertEquals(200, purge.statusCode(), purge.body());
            JsonNode pj = JSON.readTree(purge.body());
            assertEquals("purged", pj.get("status").asText());
            assertTrue(pj.get("allocations_removed").asInt() >= 2, purge.body());
            assertTrue(c.server(follower).state().job("web").isEmpty(), "the follower that answered reads its own write");
            assertEquals(404, call(c, follower, "DELETE", "/v1/jobs/web?purge=true", null).statusCode());
            assertEquals(400, call(c, follower, "DELETE", "/v1/jobs/old?purge=maybe", null).statusCode());

            // Everything finished goes now: the batch job and the stopped one with their allocations, the down node, the revoked token.
            Await.until("the stop plan for old is applied", T, () -> leader.state().allocsOfJob("old").stream().allMatch(AllocRecord::terminal));
            HttpResponse<String> gc = call(c, follower, "POST", "/v1/system/gc", null);
            assertEquals(200, gc.statusCode(), gc.body());
            JsonNode g = JSON.readTree(gc.body());
            assertEquals(2, g.get("jobs").asInt(), gc.body());
            assertEquals(1, g.get("nodes").asInt(), gc.body());
            assertEquals(1, g.get("tokens").asInt(), gc.body());

            long index = leader.raft().status().commitIndex();
            for (MusterServer s : c.running()) Await.until("server " + s.config().serverId() + " applied " + index, T, () -> s.state().appliedIndex() >= index);
            String expected = fingerprint(leader.state());
            assertEquals("jobs=[] allocs=0 nodes=" + new TreeSet<>(leader.state().nodes().stream().map(NodeRecord::id).toList()) + " tokens=[t]", expected);
            assertEquals(2, leader.state().nodes().size());
            for (MusterServer s : c.running()) assertEquals(expected, fingerprint(s.state()), "server " + s.config().serverId());

            // The log lists CollectGarbage entries by counts.
            List<io.muster.server.raft.RaftLogView.LogEntry> log = leader.raft().log().entries(1, 1000);
            List<String> summaries = log.stream().filter(e -> e.type().equals("collect_garbage")).map(io.muster.server.raft.RaftLogView.LogEntry::summary).toList();
            assertTrue(summaries.stream().anyMatch(sm -> sm.startsWith("collect garbage (purge): 0 job(s), 0 allocation(s), 0 node(s), 0 token(s), purge 1 job(s)")), summaries.toString());
            assertTrue(summaries.stream().anyMatch(sm -> sm.startsWith("collect garbage (system gc): 2 job(s)") && sm.contains("1 node(s), 1 token(s)")), summaries.toString());
        }
    }
}
