package io.muster.server.grpc.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.muster.proto.client.v1.EventItem;
import io.muster.proto.client.v1.EventServiceGrpc;
import io.muster.proto.client.v1.SubscribeEventsRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.stub.AbstractStub;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.muster.pki.pem.Pem;
import io.muster.pki.tls.ClusterServerTrustManager;
import io.muster.proto.client.v1.CancelJobRequest;
import io.muster.proto.client.v1.ClusterServiceGrpc;
import io.muster.proto.client.v1.DrainNodeRequest;
import io.muster.proto.client.v1.GetClusterStatusRequest;
import io.muster.proto.client.v1.GetJobRequest;
import io.muster.proto.client.v1.GetNodeRequest;
import io.muster.proto.client.v1.Job;
import io.muster.proto.client.v1.JobServiceGrpc;
import io.muster.proto.client.v1.ListJobsRequest;
import io.muster.proto.client.v1.ListNodesRequest;
import io.muster.proto.client.v1.ListRaftLogRequest;
import io.muster.proto.client.v1.NodeServiceGrpc;
import io.muster.proto.client.v1.SetNodeEligibilityRequest;
import io.muster.proto.client.v1.SpecFormat;
import io.muster.proto.client.v1.StopJobRequest;
import io.muster.proto.client.v1.StreamLogsRequest;
import io.muster.proto.client.v1.SubmitJobRequest;
import io.muster.server.MusterServer;
import io.muster.server.testkit.Await;
import io.muster.server.testkit.TestCluster;
import io.muster.server.testkit.TestWorker;
import io.muster.types.config.HostPort;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Every method of the client gRPC API through its generated Java stubs against a secure 3-server cluster: through the
 * leader and a follower, with the management token, a read-only token, a wrong token and none; plus reflection,
 * health and the message size bound.
 */
@Timeout(240)
class ClientGrpcClusterTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration T = Duration.ofSeconds(30);
    private static final String SPEC = "{\"id\": \"%s\", \"type\": \"service\", \"groups\": [{\"name\": \"g\", \"count\": 1, \"tasks\": "
            + "[{\"name\": \"t\", \"driver\": \"exec\", \"command\": \"sleep\", \"args\": [\"300\"]}]}]}";

    private final List<ManagedChannel> channels = new ArrayList<>();

    private ManagedChannel channel(HostPort addr, X509Certificate ca, String clusterId) throws Exception {
        ManagedChannel ch = NettyChannelBuilder.forAddress(addr.host(), addr.port())
                .sslContext(GrpcSslContexts.forClient().trustManager(new ClusterServerTrustManager(ca, clusterId, Clock.systemUTC())).build()).build();
        channels.add(ch);
        return ch;
    }

    private static <S extends AbstractStub<S>> S as(S stub, String token) {
        S s = stub.withDeadlineAfter(20, TimeUnit.SECONDS);
        if (token == null) return s;
        Metadata m = new Metadata();
        m.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
        return s.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(m));
    }

    private static Status.Code refused(Runnable call) {
        return assertThrows(StatusRuntimeException.class, call::run).getStatus().getCode();
    }

    private static HttpResponse<String> rest(HttpClient http, String method, String url, String token, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) b.header("X-Muster-Token", token);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void everyMethodThroughLeaderAndFollowerWithTheRestApisTokens() throws Exception {
        try (TestCluster c = TestCluster.builder(3).secure().build().startAll()) {
            MusterServer leader = c.awaitLeader(T);
            for (MusterServer s : c.running()) s.ready().get(30, TimeUnit.SECONDS);
            X509Certificate ca = Pem.readCertificate(c.config(1).dataDir().resolve("ca.pem"));
            String clusterId = leader.state().identity().orElseThrow().clusterId();
            SSLContext ssl = SSLContext.getInstance("TLS");
            ssl.init(null, new TrustManager[] {new ClusterServerTrustManager(ca, clusterId, Clock.systemUTC())}, null);
            HttpClient http = HttpClient.newBuilder().sslContext(ssl).connectTimeout(Duration.ofSeconds(10)).build();
            int lid = leader.config().serverId();
            int fid = lid % 3 + 1;
            MusterServer follower = c.server(fid);

            // Tokens come from the REST API: one set of tokens and policies for both.
            HttpResponse<String> r = rest(http, "POST", c.apiUrl(lid) + "/v1/acl/bootstrap", null, null);
            assertEquals(200, r.statusCode(), r.body());
            String management = JSON.readTree(r.body()).get("secret_id").asText();
            r = rest(http, "POST", c.apiUrl(lid) + "/v1/acl/tokens", management, "{\"policy\": \"read-only\"}");
            assertEquals(200, r.statusCode(), r.body());
            String readOnly = JSON.readTree(r.body()).get("secret_id").asText();
            Await.until("the follower knows both tokens", T, () -> follower.state().aclTokens().size() >= 2);
            Await.until("every server announced its API", T, () -> follower.state().servers().size() == 3);

            ManagedChannel toLeader = channel(leader.clientGrpc().address(), ca, clusterId);
            ManagedChannel toFollower = channel(follower.clientGrpc().address(), ca, clusterId);
            Await.until("client API up", T, () -> {
                try {
                    return HealthGrpc.newBlockingStub(toFollower).withDeadlineAfter(2, TimeUnit.SECONDS)
                            .check(HealthCheckRequest.getDefaultInstance()).getStatus() == HealthCheckResponse.ServingStatus.SERVING;
                } catch (StatusRuntimeException e) {
                    return false;
                }
            });

            // Authentication: no token, a wrong one; the error never repeats the token.
            var clusterF = ClusterServiceGrpc.newBlockingStub(toFollower);
            assertEquals(Status.Code.UNAUTHENTICATED, refused(() -> as(clusterF, null).getClusterStatus(GetClusterStatusRequest.getDefaultInstance())));
            StatusRuntimeException wrong = assertThrows(StatusRuntimeException.class,
                    () -> as(clusterF, "wrong-token-1234").getClusterStatus(GetClusterStatusRequest.getDefaultInstance()));
            assertEquals(Status.Code.UNAUTHENTICATED, wrong.getStatus().getCode());
            assertFalse(String.valueOf(wrong.getStatus().getDescription()).contains("wrong-token-1234"));
            assertEquals(Status.Code.UNAUTHENTICATED, refused(() -> as(NodeServiceGrpc.newBlockingStub(toFollower), "wrong-token-1234")
                    .listNodes(ListNodesRequest.getDefaultInstance())), "the ACL is checked before forwarding");

            // Cluster: a follower forwards the status to the leader (the leader answers), unless a stale answer is asked for.
            var status = as(clusterF, readOnly).getClusterStatus(GetClusterStatusRequest.getDefaultInstance());
            assertEquals(lid, status.getLeaderId());
            assertEquals(lid, status.getServerId(), "forwarded: the leader answered");
            assertEquals(3, status.getMembersCount());
            assertEquals(clusterId, status.getClusterId());
            assertEquals(fid, as(clusterF, readOnly).getClusterStatus(GetClusterStatusRequest.newBuilder().setStale(true).build()).getServerId());
            var log = as(clusterF, readOnly).listRaftLog(ListRaftLogRequest.newBuilder().setTail(5).build());
            assertEquals(5, log.getEntriesCount());
            assertTrue(log.getEntries(4).getIndex() <= log.getLastIndex());
            assertFalse(log.toString().contains(management), "no secret in the Raft log listing");
            assertEquals(3, as(clusterF, readOnly).listRaftLog(ListRaftLogRequest.newBuilder().setStartIndex(1).setLimit(3).build()).getEntriesCount());
            assertEquals(Status.Code.INVALID_ARGUMENT, refused(() -> as(clusterF, readOnly).listRaftLog(ListRaftLogRequest.newBuilder().setLimit(5000).build())));

            // Jobs: written through the follower (Raft forwards the write), read back from it; read-only may read, not write.
            var jobsF = JobServiceGrpc.newBlockingStub(toFollower);
            Job submitted = as(jobsF, management).submitJob(SubmitJobRequest.newBuilder().setSpec(SPEC.formatted("web")).setFormat(SpecFormat.SPEC_FORMAT_JSON).build());
            assertEquals("web", submitted.getId());
            assertEquals("service", submitted.getType());
            Job yaml = as(jobsF, management).submitJob(SubmitJobRequest.newBuilder().setSource("b.yaml").setSpec("""
                    id: b
                    type: batch
                    groups:
                      - name: g
                        tasks:
                          - {name: t, driver: exec, command: "true"}
                    """).build());
            assertEquals("b", yaml.getId());
            StatusRuntimeException bad = assertThrows(StatusRuntimeException.class,
                    () -> as(jobsF, management).submitJob(SubmitJobRequest.newBuilder().setSpec("id: x\ngroups: 7\n").setSource("x.yaml").build()));
            assertEquals(Status.Code.INVALID_ARGUMENT, bad.getStatus().getCode());
            assertEquals("INVALID_JOB_SPEC", Status.trailersFromThrowable(bad).get(Errors.CODE));
            assertEquals(Status.Code.PERMISSION_DENIED, refused(() -> as(jobsF, readOnly).submitJob(SubmitJobRequest.newBuilder().setSpec(SPEC.formatted("ro")).build())));
            assertTrue(follower.state().snapshot().job("ro").isEmpty(), "a refused write leaves nothing behind");

            Job got = as(jobsF, readOnly).getJob(GetJobRequest.newBuilder().setId("web").build());
            // One service layer: the REST answer for the same job says the same.
            JsonNode restJob = JSON.readTree(rest(http, "GET", c.apiUrl(fid) + "/v1/jobs/web", readOnly, null).body());
            assertEquals(restJob.get("status").asText(), got.getStatus());
            assertEquals(restJob.get("submitted_at").asText(), got.getSubmittedAt());
            assertEquals(restJob.get("allocations").size(), got.getAllocationsCount());
            StatusRuntimeException missing = assertThrows(StatusRuntimeException.class, () -> as(jobsF, readOnly).getJob(GetJobRequest.newBuilder().setId("nope").build()));
            assertEquals(Status.Code.NOT_FOUND, missing.getStatus().getCode());
            assertEquals("JOB_NOT_FOUND", Status.trailersFromThrowable(missing).get(Errors.CODE));
            var list = as(jobsF, readOnly).listJobs(ListJobsRequest.getDefaultInstance());
            assertEquals(2, list.getTotal());
            assertEquals(List.of("web", "b"), list.getJobsList().stream().map(j -> j.getId()).toList());
            var page = as(jobsF, readOnly).listJobs(ListJobsRequest.newBuilder().setLimit(1).build());
            assertEquals(1, page.getJobsCount());
            assertEquals(1, page.getNextOffset());

            // Logs: the job has no allocation (no node is ready), so the stream refuses with the REST API's reason.
            StatusRuntimeException noLogs = assertThrows(StatusRuntimeException.class, () -> as(jobsF, readOnly)
                    .streamLogs(StreamLogsRequest.newBuilder().setJobId("web").build()).hasNext());
            assertEquals(Status.Code.NOT_FOUND, noLogs.getStatus().getCode());
            assertTrue(noLogs.getStatus().getDescription().contains("has no allocations yet"), noLogs.getStatus().getDescription());

            // Cancel applies to operation jobs: refused for a service job, with the state machine's code.
            StatusRuntimeException notOp = assertThrows(StatusRuntimeException.class, () -> as(jobsF, management).cancelJob(CancelJobRequest.newBuilder().setId("web").build()));
            assertTrue(Status.trailersFromThrowable(notOp).get(Errors.CODE) != null, notOp.toString());
            assertEquals(Status.Code.PERMISSION_DENIED, refused(() -> as(jobsF, readOnly).cancelJob(CancelJobRequest.newBuilder().setId("web").build())));
            assertEquals(Status.Code.PERMISSION_DENIED, refused(() -> as(jobsF, readOnly).stopJob(StopJobRequest.newBuilder().setId("web").build())));
            var stopped = as(jobsF, management).stopJob(StopJobRequest.newBuilder().setId("web").build());
            assertEquals("stopped", stopped.getStatus());
            assertEquals("stopped", stopped.getJob().getStatus());
            var purged = as(jobsF, management).stopJob(StopJobRequest.newBuilder().setId("b").setPurge(true).build());
            assertEquals("purged", purged.getStatus());
            assertEquals(Status.Code.NOT_FOUND, refused(() -> as(jobsF, readOnly).getJob(GetJobRequest.newBuilder().setId("b").build())));

            // Nodes: a registered worker; reads are forwarded to the leader (its leases), writes go through Raft.
            var token = leader.joinTokens().create(Duration.ofMinutes(10), 1, Map.of("zone", "a"), "grpc test").get(30, TimeUnit.SECONDS);
            TestWorker w = new TestWorker();
            long nodeId = w.register(leader.config().workerGrpcAddr(), token.token(), TestWorker.profile("w1", Map.of("zone", "a"))).getNodeId();
            Await.until("the follower has the node", T, () -> follower.state().snapshot().node(nodeId).isPresent());
            var nodesF = NodeServiceGrpc.newBlockingStub(toFollower);
            var nodes = as(nodesF, readOnly).listNodes(ListNodesRequest.getDefaultInstance());
            assertEquals(1, nodes.getNodesCount());
            assertEquals("w1", nodes.getNodes(0).getHostname());
            assertEquals("a", nodes.getNodes(0).getLabelsOrThrow("zone"));
            var detail = as(nodesF, readOnly).getNode(GetNodeRequest.newBuilder().setId(nodeId).build());
            assertEquals(nodeId, detail.getNode().getId());
            // What REST's node detail says of resource limits, from the same service call.
            JsonNode restDetail = JSON.readTree(rest(http, "GET", c.apiUrl(fid) + "/v1/nodes/" + nodeId, readOnly, null).body());
            assertEquals(restDetail.get("resource_limits").get("enforced").asBoolean(), detail.getResourceLimits().getEnforced());
            assertEquals(restDetail.get("resource_limits").get("detail").asText(), detail.getResourceLimits().getDetail());
            assertEquals(restDetail.get("allocations_total").asLong(), detail.getAllocationsTotal());
            assertEquals(Status.Code.NOT_FOUND, refused(() -> as(nodesF, readOnly).getNode(GetNodeRequest.newBuilder().setId(999).build())));
            assertEquals(Status.Code.PERMISSION_DENIED, refused(() -> as(nodesF, readOnly).drainNode(DrainNodeRequest.newBuilder().setId(nodeId).build())));
            assertEquals(Status.Code.PERMISSION_DENIED, refused(() -> as(nodesF, readOnly)
                    .setNodeEligibility(SetNodeEligibilityRequest.newBuilder().setId(nodeId).setEligible(false).build())));
            assertEquals("draining", as(nodesF, management).drainNode(DrainNodeRequest.newBuilder().setId(nodeId).setDeadlineSecs(60).build()).getDrain());
            assertFalse(as(nodesF, management).setNodeEligibility(SetNodeEligibilityRequest.newBuilder().setId(nodeId).setEligible(false).build()).getEligible());
            Await.until("the leader applied both", T, () -> leader.state().snapshot().node(nodeId).map(n -> !n.eligible()
                    && n.drain() == io.muster.types.state.DrainState.DRAINING).orElse(false));
            var afterL = as(NodeServiceGrpc.newBlockingStub(toLeader), readOnly).getNode(GetNodeRequest.newBuilder().setId(nodeId).build());
            assertFalse(afterL.getNode().getEligible());
            assertTrue(afterL.getNode().getDrainDeadline().length() > 0);
            // A one-shot command: on the node by id (through the follower); an unknown node is refused with REST's reason.
            var oneShot = as(jobsF, management).runCommand(io.muster.proto.client.v1.RunCommandRequest.newBuilder()
                    .setTarget("node:" + nodeId).addCommand("echo").addCommand("hi").build());
            assertTrue(oneShot.getId().startsWith("job-"), oneShot.getId());
            assertEquals("batch", follower.state().snapshot().job(oneShot.getId()).orElseThrow().type());
            StatusRuntimeException noNode = assertThrows(StatusRuntimeException.class, () -> as(jobsF, management)
                    .runCommand(io.muster.proto.client.v1.RunCommandRequest.newBuilder().setTarget("node:999").addCommand("true").build()));
            assertEquals(Status.Code.FAILED_PRECONDITION, noNode.getStatus().getCode());
            assertEquals("NO_TARGET_NODES", Status.trailersFromThrowable(noNode).get(Errors.CODE));
            assertEquals(Status.Code.PERMISSION_DENIED, refused(() -> as(jobsF, readOnly)
                    .runCommand(io.muster.proto.client.v1.RunCommandRequest.newBuilder().addCommand("true").build())));
            assertEquals("none", as(nodesF, management).drainNode(DrainNodeRequest.newBuilder().setId(nodeId).setDisable(true).build()).getDrain());
            w.close();

            // A message over the bound is refused before it is read into a service.
            String huge = "x".repeat(ClientGrpcServer.MAX_MESSAGE_BYTES + 1024);
            assertEquals(Status.Code.RESOURCE_EXHAUSTED, refused(() -> as(jobsF, management).submitJob(SubmitJobRequest.newBuilder().setSpec(huge).build())));

            // Events: the follower replays from its own journal what the writes above made, typed; read-only may subscribe.
            var eventsF = EventServiceGrpc.newBlockingStub(toFollower);
            io.grpc.Context.CancellableContext sub = io.grpc.Context.current().withCancellation();
            try {
                List<String> seen = sub.call(() -> {
                    List<String> out = new ArrayList<>();
                    var it = as(eventsF, readOnly).subscribe(SubscribeEventsRequest.newBuilder().setIndex(0).addTopics("Job").setJobId("web").build());
                    while (it.hasNext()) {
                        EventItem item = it.next();
                        if (item.hasGap()) continue; // a restarted follower would say where its journal starts
                        if (item.hasHeartbeat()) break; // the replay is through
                        assertTrue(item.hasEvent(), item.toString());
                        assertEquals("web", item.getEvent().getJobId());
                        assertTrue(JSON.readTree(item.getEvent().getPayloadJson()).isObject(), item.toString());
                        out.add(item.getEvent().getType());
                        if (item.getEvent().getType().equals("JobRegistered")) break;
                    }
                    return out;
                });
                assertEquals(List.of("JobRegistered"), seen, "job web's first event, replayed by the follower");
            } finally {
                sub.cancel(null);
            }
            assertEquals(Status.Code.UNAUTHENTICATED, refused(() -> as(eventsF, null).subscribe(SubscribeEventsRequest.getDefaultInstance()).hasNext()));
            assertEquals(Status.Code.INVALID_ARGUMENT, refused(() -> as(eventsF, readOnly).subscribe(SubscribeEventsRequest.newBuilder().addTopics("Secret").build()).hasNext()));

            // Reflection, without a token (it describes the published client.proto only), so grpcurl can list and call.
            List<String> services = reflectedServices(toFollower);
            assertTrue(services.containsAll(List.of("muster.client.v1.JobService", "muster.client.v1.NodeService",
                    "muster.client.v1.ClusterService", "grpc.health.v1.Health", "grpc.reflection.v1alpha.ServerReflection")), services.toString());
        } finally {
            channels.forEach(ManagedChannel::shutdownNow);
        }
    }

    private static List<String> reflectedServices(ManagedChannel ch) throws Exception {
        CompletableFuture<List<String>> names = new CompletableFuture<>();
        StreamObserver<ServerReflectionRequest> req = ServerReflectionGrpc.newStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS)
                .serverReflectionInfo(new StreamObserver<>() {
                    @Override
                    public void onNext(ServerReflectionResponse r) {
                        names.complete(r.getListServicesResponse().getServiceList().stream().map(s -> s.getName()).toList());
                    }

                    @Override
                    public void onError(Throwable t) {
                        names.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {}
                });
        req.onNext(ServerReflectionRequest.newBuilder().setListServices("*").build());
        List<String> out = names.get(10, TimeUnit.SECONDS);
        req.onCompleted();
        return out;
    }
}
