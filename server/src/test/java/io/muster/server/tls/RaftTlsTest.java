package io.muster.server.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.muster.pki.CertificateAuthorities;
import io.muster.pki.CertificateAuthority;
import io.muster.pki.CertificateIssuer;
import io.muster.pki.Keys;
import io.muster.pki.tls.RotatingKeyManager;
import io.muster.proto.AllocState;
import io.muster.proto.PollResponse;
import io.muster.proto.StatusReport;
import io.muster.proto.raft.Command;
import io.muster.proto.raft.KvPut;
import io.muster.proto.raft.RegisterJob;
import io.muster.server.MusterServer;
import io.muster.server.raft.RaftNode;
import io.muster.server.testkit.Await;
import io.muster.server.testkit.TestCluster;
import io.muster.server.testkit.TestWorker;
import io.muster.types.config.HostPort;
import io.muster.types.config.Peer;
import io.muster.types.state.AllocStatus;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcFactory;
import org.apache.ratis.grpc.GrpcTlsConfig;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.rpc.SupportedRpcType;
import org.apache.ratis.util.TimeDuration;
import org.junit.jupiter.api.Test;

/**
 * The attack run of issue 11 against a secure 3-server cluster formed the documented way (`muster server init` on
 * server 1, its secret given to the others, which fetch their certificates through a CSR): nothing but a member
 * server gets a call through on any Raft port, and the cluster still does everything it did without TLS.
 */
class RaftTlsTest {
    private static final Duration T = Duration.ofSeconds(60);

    @Test
    void nonServersAreRefusedOnEveryRaftPortAndTheClusterStillWorks() throws Exception {
        try (TestCluster c = TestCluster.builder(3).secure().build().startAll()) {
            MusterServer leader = c.awaitLeader(T);
            for (MusterServer s : c.running()) s.ready().get(60, TimeUnit.SECONDS);
            String clusterId = c.secret.clusterId();
            CertificateAuthority clusterCa = leader.credentials().signingCa().orElseThrow();
            CertificateAuthority workerCa = leader.security().material().orElseThrow().workerCa();
            X509Certificate caCert = clusterCa.certificate();

            // The attackers' credentials: a worker's certificate, a "server 1" certificate of a foreign CA, and a real
            // server certificate of this cluster's CA for a server id that is not a member.
            KeyPair k1 = Keys.generateP256();
            X509Certificate workerLeaf = CertificateIssuer.issueWorkerLeaf(workerCa, clusterId, 77, k1.getPublic(), Clock.systemUTC().instant(), Duration.ofHours(1));
            KeyPair k2 = Keys.generateP256();
            CertificateAuthority foreign = CertificateAuthorities.createClusterCa(clusterId, Clock.systemUTC().instant());
            X509Certificate forged = CertificateIssuer.issueServerLeaf(foreign, clusterId, "1", k2.getPublic(), List.of("127.0.0.1"),
                    Clock.systemUTC().instant(), Duration.ofDays(1));
            KeyPair k3 = Keys.generateP256();
            X509Certificate nonMember = CertificateIssuer.issueServerLeaf(clusterCa, clusterId, "9", k3.getPublic(), List.of("127.0.0.1"),
                    Clock.systemUTC().instant(), Duration.ofDays(1));

            for (MusterServer target : c.running()) {
                long before = target.raft().status().lastLogIndex();
                HostPort raftAddr = target.config().raftAddr();
                assertFalse(answersCleartextHttp2(raftAddr), "server " + target.config().serverId() + " answered cleartext HTTP/2");
                attack(target, "cleartext", null);
                attack(target, "TLS without a client certificate", new GrpcTlsConfig(null, trustAll(), false));
                attack(target, "worker certificate", tls(k1, List.of(workerLeaf, workerCa.certificate())));
                attack(target, "foreign CA", tls(k2, List.of(forged, foreign.certificate())));
                attack(target, "non-member server", tls(k3, List.of(nonMember, caCert)));
                for (MusterServer s : c.running()) {
                    assertTrue(s.state().kv("attack").isEmpty(), "an attacker's write was applied on server " + s.config().serverId());
                    assertEquals(3, s.raft().currentPeers().size(), "membership changed");
                    assertTrue(s.raft().status().members().stream().noneMatch(m -> m.id() == 9), "the attacker became a member");
                }
                // Servers keep writing their own entries meanwhile (announcements); none of the attackers' may be among them.
                for (var e : target.raft().log().entries(before + 1, 1000)) {
                    assertFalse(e.type().equals("kv_put") || e.type().equals("configuration"), "attacker's entry logged: " + e);
                }
            }

            // The internal server-to-server services (on the worker port) admit current members only, too.
            for (MusterServer target : c.running()) {
                Await.until("worker endpoint up", T, () -> target.grpc().port() > 0);
                var ssl = io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts.forClient().keyManager(k3.getPrivate(), nonMember, caCert)
                        .trustManager(trustAll()).build();
                var ch = io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder.forAddress("127.0.0.1", target.config().workerGrpcAddr().port())
                        .sslContext(ssl).build();
                try {
                    var e = org.junit.jupiter.api.Assertions.assertThrows(io.grpc.StatusRuntimeException.class, () -> io.muster.proto.InternalServiceGrpc
                            .newBlockingStub(ch).forwardStatus(StatusReport.newBuilder().setNodeId(1).build()));
                    assertEquals(io.grpc.Status.Code.PERMISSION_DENIED, e.getStatus().getCode(), e.getStatus().toString());
                    assertTrue(e.getStatus().getDescription().contains("not a member"), e.getStatus().toString());
                    var d = org.junit.jupiter.api.Assertions.assertThrows(io.grpc.StatusRuntimeException.class, () -> io.muster.proto.InternalServiceGrpc
                            .newBlockingStub(ch).stateDigests(io.muster.proto.StateDigestsRequest.getDefaultInstance()));
                    assertEquals(io.grpc.Status.Code.PERMISSION_DENIED, d.getStatus().getCode(), d.getStatus().toString());
                } finally {
                    ch.shutdownNow();
                }
            }

            // The control: the same client with a member's own credentials gets its proposal committed, so the refusals
            // above come from who the callers are, not from how the test client is built.
            RaftPeer leaderPeer = RaftPeer.newBuilder().setId(Integer.toString(leader.config().serverId()))
                    .setAddress(leader.config().raftAddr().toString()).build();
            try (RaftClient member = client(leaderPeer, new GrpcTlsConfig(leader.credentials().keyManager(), trustAll(), true))) {
                RaftClientReply ok = member.io().send(Message.valueOf(org.apache.ratis.thirdparty.com.google.protobuf.ByteString.copyFrom(
                        Command.newBuilder().setKvPut(KvPut.newBuilder().setKey("control").setValue(ByteString.copyFromUtf8("x"))).build().toByteArray())));
                assertTrue(ok.isSuccess(), "a member's proposal failed: " + ok.getException());
            }

            // Still a cluster: replicates, survives a leader kill, adds and removes a server, runs a job.
            assertTrue(c.put(leader, "k", "v1").getOk());
            Await.until("replicated everywhere", T, () -> c.running().stream().allMatch(s -> s.state().kv("k").isPresent()));
            int old = leader.config().serverId();
            c.kill(old);
            MusterServer next = c.awaitLeader(T);
            assertTrue(c.put(next, "k", "v2").getOk());
            c.start(old);
            Await.until("restarted server caught up", T, () -> c.server(old).state().kv("k").map(e -> e.value().length == 2).orElse(false));

            Peer four = TestCluster.newPeer(4);
            MusterServer joiner = c.startJoining(four);
            assertTrue(joiner.credentials().hasCertificate(), "the new server fetched its certificate through a CSR");
            // A listener receives the whole log: one added by a server shows in cluster status, as a listener.
            MusterServer lead = c.awaitLeader(T);
            RaftPeer fourPeer = RaftPeer.newBuilder().setId("4").setAddress(four.raftAddr().toString()).build();
            RaftPeer leadPeer = RaftPeer.newBuilder().setId(Integer.toString(lead.config().serverId())).setAddress(lead.config().raftAddr().toString()).build();
            try (RaftClient admin = client(leadPeer, new GrpcTlsConfig(lead.credentials().keyManager(), trustAll(), true))) {
                assertTrue(admin.admin().setConfiguration(new ArrayList<>(lead.raft().currentPeers()), List.of(fourPeer)).isSuccess());
            }
            Await.until("listener in cluster status", T, () -> lead.raft().status().members().stream().anyMatch(m -> m.id() == 4 && m.role().equals("listener")));
            c.awaitLeader(T).raft().admin().addServer(four);
            Await.until("server 4 replicates", T, () -> joiner.state().kv("k").isPresent());
            c.awaitLeader(T).raft().admin().removeServer(4);
            Await.until("server 4 removed", T, () -> c.awaitLeader(T).raft().currentPeers().size() == 3);
            c.kill(4);

            runsAJob(c);
        }
    }

    /** A batch job placed on a worker, reported complete: the whole write path under TLS. */
    private static void runsAJob(TestCluster c) throws Exception {
        MusterServer leader = c.awaitLeader(T);
        leader.ready().get(30, TimeUnit.SECONDS);
        Await.until("worker gRPC up", T, () -> leader.grpc().port() > 0);
        var token = leader.joinTokens().create(Duration.ofHours(1), 1, Map.of(), "test").get(30, TimeUnit.SECONDS);
        HostPort grpc = new HostPort("127.0.0.1", leader.config().workerGrpcAddr().port());
        try (TestWorker w = new TestWorker()) {
            w.register(grpc, token.token(), TestWorker.profile("w", Map.of()));
            var stub = w.connect(grpc);
            w.beat(stub);
            String spec = "{\"id\":\"tls-job\",\"type\":\"batch\",\"groups\":[{\"name\":\"g\",\"count\":1,\"tasks\":[{\"name\":\"t\",\"driver\":\"exec\",\"command\":\"true\"}]}]}";
            var parsed = io.muster.types.job.JobSpecParser.withIdGenerator(() -> "x").parse(spec, io.muster.types.job.SpecFormat.JSON, "spec");
            var r = leader.proposer().propose(Command.newBuilder().setRegisterJob(RegisterJob.newBuilder().setJobId("tls-job")
                    .setSpecJson(ByteString.copyFrom(io.muster.types.job.JobSpecJson.toJson(parsed))).setMaxPendingJobs(100))).get(30, TimeUnit.SECONDS);
            assertTrue(r.getOk(), r.getError());
            String allocId = Await.value("an allocation for the worker", T, () -> {
                PollResponse p = w.poll(stub, 0, 2);
                return p.getEventsList().stream().filter(e -> e.hasSet()).map(e -> e.getSet().getId()).findFirst().orElse(null);
            });
            stub.reportStatus(StatusReport.newBuilder().setNodeId(w.nodeId).addAllocations(io.muster.proto.AllocStatus.newBuilder().setAllocId(allocId)
                    .setState(AllocState.ALLOC_COMPLETE).setExitCode(0)).build());
            Await.until("job complete", T, () -> leader.state().allocsOfJob("tls-job").stream().allMatch(a -> a.status() == AllocStatus.COMPLETE));
        }
    }

    /** A proposal and a membership change that adds the attacker as a listener: both must fail. */
    private static void attack(MusterServer target, String who, GrpcTlsConfig tls) throws Exception {
        RaftPeer peer = RaftPeer.newBuilder().setId(Integer.toString(target.config().serverId())).setAddress(target.config().raftAddr().toString()).build();
        try (RaftClient client = client(peer, tls)) {
            Message put = Message.valueOf(org.apache.ratis.thirdparty.com.google.protobuf.ByteString.copyFrom(Command.newBuilder()
                    .setKvPut(KvPut.newBuilder().setKey("attack").setValue(ByteString.copyFromUtf8(who))).build().toByteArray()));
            assertRefused(who + ": proposal", () -> client.io().send(put));
            RaftPeer attacker = RaftPeer.newBuilder().setId("9").setAddress("127.0.0.1:1").build();
            List<RaftPeer> peers = new ArrayList<>(target.raft().currentPeers());
            assertRefused(who + ": setConfiguration", () -> client.admin().setConfiguration(peers, List.of(attacker)));
            assertRefused(who + ": transferLeadership", () -> client.admin().transferLeadership(peer.getId(), 1000));
        }
    }

    private interface Call {
        RaftClientReply run() throws Exception;
    }

    private static void assertRefused(String what, Call call) {
        RaftClientReply reply;
        try {
            reply = call.run();
        } catch (Exception e) {
            return; // refused at the handshake or by the gate
        }
        assertFalse(reply.isSuccess(), what + " succeeded");
    }

    private static RaftClient client(RaftPeer peer, GrpcTlsConfig tls) {
        RaftProperties p = new RaftProperties();
        RaftConfigKeys.Rpc.setType(p, SupportedRpcType.GRPC);
        RaftClientConfigKeys.Rpc.setRequestTimeout(p, TimeDuration.valueOf(2, TimeUnit.SECONDS));
        Parameters params = new Parameters();
        if (tls != null) GrpcConfigKeys.TLS.setConf(params, tls);
        return RaftClient.newBuilder().setProperties(p).setRaftGroup(RaftGroup.valueOf(RaftNode.GROUP_ID, peer))
                .setClientRpc(new GrpcFactory(params).newRaftClientRpc(ClientId.randomId(), p))
                .setRetryPolicy(RetryPolicies.noRetry()).build();
    }

    private static GrpcTlsConfig tls(KeyPair key, List<X509Certificate> chain) {
        RotatingKeyManager km = new RotatingKeyManager();
        km.update(key.getPrivate(), chain);
        return new GrpcTlsConfig(km, trustAll(), true);
    }

    /** HTTP/2 prior-knowledge preface and an empty SETTINGS frame: an HTTP/2 server answers with its own SETTINGS. */
    private static boolean answersCleartextHttp2(HostPort addr) throws Exception {
        try (Socket s = new Socket(addr.host(), addr.port())) {
            s.setSoTimeout(3000);
            OutputStream out = s.getOutputStream();
            out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.write(new byte[] {0, 0, 0, 4, 0, 0, 0, 0, 0});
            out.flush();
            InputStream in = s.getInputStream();
            byte[] head = in.readNBytes(9);
            return head.length == 9 && head[3] == 4; // frame type 4: SETTINGS
        } catch (java.net.SocketTimeoutException | java.net.SocketException e) {
            return false;
        }
    }

    private static X509ExtendedTrustManager trustAll() {
        return new X509ExtendedTrustManager() {
            public void checkClientTrusted(X509Certificate[] c, String a, Socket s) {}
            public void checkServerTrusted(X509Certificate[] c, String a, Socket s) {}
            public void checkClientTrusted(X509Certificate[] c, String a, SSLEngine e) {}
            public void checkServerTrusted(X509Certificate[] c, String a, SSLEngine e) {}
            public void checkClientTrusted(X509Certificate[] c, String a) {}
            public void checkServerTrusted(X509Certificate[] c, String a) {}
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
    }
}
