package io.muster.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.muster.proto.PollResponse;
import io.muster.proto.StatusAck;
import io.muster.server.MusterServer;
import io.muster.server.JoinTokenService;
import io.muster.server.testkit.Await;
import io.muster.server.testkit.TestCluster;
import io.muster.server.testkit.TestWorker;
import io.muster.types.config.HostPort;
import io.muster.types.state.NodeStatus;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The worker protocol against a real 3-server cluster on loopback, with real TLS. */
@Timeout(240)
class WorkerProtocolTest {
    private static final Duration T = Duration.ofSeconds(30);

    private static HostPort grpc(MusterServer s) {
        return new HostPort("127.0.0.1", s.config().workerGrpcAddr().port());
    }

    private static JoinTokenService.IssuedToken token(MusterServer s, int uses, Map<String, String> labels) throws Exception {
        return s.joinTokens().create(Duration.ofHours(1), uses, labels, "test").get(30, TimeUnit.SECONDS);
    }

    @Test
    void registrationUseCountsHoldAcrossServersAndLeaderChanges() throws Exception {
        try (TestCluster c = TestCluster.builder(3).build().startAll()) {
            MusterServer leader = c.awaitLeader(T);
            leader.ready().get(30, TimeUnit.SECONDS);
            for (MusterServer s : c.running()) s.ready().get(30, TimeUnit.SECONDS);
            Await.until("gRPC endpoints up", T, () -> c.running().stream().allMatch(s -> s.grpc().port() > 0));
            var t = token(leader, 2, Map.of());
            MusterServer follower = c.running().stream().filter(s -> s != leader).findFirst().orElseThrow();
            try (TestWorker w1 = new TestWorker(); TestWorker w2 = new TestWorker(); TestWorker w3 = new TestWorker()) {
                // First use through a follower (forwarded write), second through the leader.
                var r1 = w1.register(grpc(follower), t.token(), TestWorker.profile("w1", Map.of()));
                assertTrue(r1.getNodeId() > 0);
                assertEquals("node-" + r1.getNodeId(), w1.cert.getSubjectX500Principal().getName().replace("CN=", ""));
                c.kill(leader.config().serverId());
                MusterServer newLeader = c.awaitLeader(T);
                var r2 = w2.register(grpc(newLeader), t.token(), TestWorker.profile("w2", Map.of()));
                assertTrue(r2.getNodeId() != r1.getNodeId());
                // Third use: refused on any server, by the replicated count.
                StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                        () -> w3.register(grpc(newLeader), t.token(), TestWorker.profile("w3", Map.of())));
                assertEquals(Status.Code.PERMISSION_DENIED, e.getStatus().getCode());
                assertTrue(e.getStatus().getDescription().contains("no uses left"), e.getStatus().getDescription());
                assertFalse(e.getStatus().getDescription().contains(t.token()), "the token must not be echoed");
            }
        }
    }

    @Test
    void pollHeartbeatAndBadInputOnOneCluster() throws Exception {
        try (TestCluster c = TestCluster.builder(3).build().startAll()) {
            MusterServer leader = c.awaitLeader(T);
            for (MusterServer s : c.running()) s.ready().get(30, TimeUnit.SECONDS);
            Await.until("gRPC endpoints up", T, () -> c.running().stream().allMatch(s -> s.grpc().port() > 0));
            // Each server announces its worker address through Raft; polls hand the whole list to workers.
            Await.until("every server announced everywhere", T, () -> c.running().stream().allMatch(s -> s.state().servers().size() == 3));
            var t = token(leader, 0, Map.of("zone", "a"));
            try (TestWorker w = new TestWorker(); TestWorker bad = new TestWorker()) {
                // Labels outside the token's allowed set are refused.
                StatusRuntimeException labelErr = assertThrows(StatusRuntimeException.class,
                        () -> bad.register(grpc(leader), t.token(), TestWorker.profile("x", Map.of("zone", "b"))));
                assertTrue(labelErr.getStatus().getDescription().contains("zone=b"), labelErr.getStatus().getDescription());
                // A tampered token is refused and never echoed.
                String tampered = t.token().substring(0, t.token().length() - 3) + (t.token().endsWith("AAA") ? "BBB" : "AAA");
                StatusRuntimeException tokErr = assertThrows(StatusRuntimeException.class,
                        () -> bad.register(grpc(leader), tampered, TestWorker.profile("x", Map.of())));
                assertEquals(Status.Code.UNAUTHENTICATED, tokErr.getStatus().getCode());

                // An oversized message is refused before any handler sees it.
                var huge = TestWorker.profile("x", Map.of()).toBuilder().setHostname("h".repeat(5 * 1024 * 1024)).build();
                StatusRuntimeException big = assertThrows(StatusRuntimeException.class, () -> bad.register(grpc(leader), t.token(), huge));
                assertEquals(Status.Code.RESOURCE_EXHAUSTED, big.getStatus().getCode(), big.getStatus().toString());

                w.register(grpc(leader), t.token(), TestWorker.profile("w", Map.of("zone", "a")));
                MusterServer follower = c.running().stream().filter(s -> s != leader).findFirst().orElseThrow();
                var stub = w.connect(grpc(follower));
                // Heartbeat through a follower reaches the leader; the node becomes ready.
                StatusAck ack = w.beat(stub);
                assertTrue(ack.getNextTtlSecs() >= 10 && ack.getNextTtlSecs() < 20, "TTL with stagger: " + ack.getNextTtlSecs());
                Await.until("node ready", T, () -> leader.state().node(w.nodeId).map(n -> n.state() == NodeStatus.READY).orElse(false));
                // Many heartbeats at once share the follower's relay stream; the end of the call that opened it
                // must not end the stream (a relay opened in that call's gRPC context was cancelled with it).
                try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
                    List<java.util.concurrent.Future<StatusAck>> beats = new java.util.ArrayList<>();
                    for (int i = 0; i < 64; i++) beats.add(pool.submit(() -> w.beat(stub)));
                    for (var f : beats) assertTrue(f.get(60, TimeUnit.SECONDS).getNextTtlSecs() >= 10);
                }
                // Poll from 0: full snapshot, at once.
                PollResponse first = w.poll(stub, 0, 5);
                assertTrue(first.getFullSnapshot());
                assertTrue(first.getRevision() > 0);
                assertEquals(3, first.getServersCount());
                // Nothing newer: it blocks until the wait runs out, then answers empty with the current revision.
                long t0 = System.nanoTime();
                PollResponse empty = w.poll(stub, first.getRevision(), 1);
                assertTrue(System.nanoTime() - t0 >= 900_000_000L, "a poll with nothing new waits");
                assertEquals(0, empty.getEventsCount());
                assertTrue(empty.getRevision() >= first.getRevision());
                // A revision from the future (a lagging server's view) is never answered with older state.
                StatusRuntimeException behind = assertThrows(StatusRuntimeException.class, () -> w.poll(stub, first.getRevision() + 1_000_000, 1));
                assertEquals(Status.Code.FAILED_PRECONDITION, behind.getStatus().getCode());
                // The node id a request speaks for must be the certificate's own.
                StatusRuntimeException other = assertThrows(StatusRuntimeException.class, () -> stub.withDeadlineAfter(10, TimeUnit.SECONDS)
                        .reportStatus(io.muster.proto.StatusReport.newBuilder().setNodeId(w.nodeId + 1000).build()));
                assertEquals(Status.Code.PERMISSION_DENIED, other.getStatus().getCode());
                // Drain produces an event the long-poll delivers at once.
                var drained = leader.proposer().propose(io.muster.proto.raft.Command.newBuilder()
                        .setSetNodeDrain(io.muster.proto.raft.SetNodeDrain.newBuilder().setNodeId(w.nodeId).setEnabled(true))).get(30, TimeUnit.SECONDS);
                assertTrue(drained.getOk());
                PollResponse ev = w.poll(stub, empty.getRevision(), 10);
                assertEquals(1, ev.getEventsCount());
                assertTrue(ev.getEvents(0).hasDrain());
                // Renewal: a new key and CSR over the current identity give a new leaf for the same node.
                var newKey = io.muster.pki.Keys.generateP256();
                var renewed = stub.withDeadlineAfter(10, TimeUnit.SECONDS).renewCertificate(io.muster.proto.RenewRequest.newBuilder()
                        .setNodeId(w.nodeId).setCsrDer(com.google.protobuf.ByteString.copyFrom(io.muster.pki.Csrs.create(newKey, "w"))).build());
                var leaf = io.muster.pki.pem.Pem.decodeCertificates(renewed.getCertificatePem()).get(0);
                assertEquals(w.nodeId, io.muster.pki.Identity.require(leaf).nodeId());
                assertEquals(newKey.getPublic(), leaf.getPublicKey());
                StatusRuntimeException renewOther = assertThrows(StatusRuntimeException.class, () -> stub.withDeadlineAfter(10, TimeUnit.SECONDS)
                        .renewCertificate(io.muster.proto.RenewRequest.newBuilder().setNodeId(w.nodeId + 1)
                                .setCsrDer(com.google.protobuf.ByteString.copyFrom(io.muster.pki.Csrs.create(newKey, "w"))).build()));
                assertEquals(Status.Code.PERMISSION_DENIED, renewOther.getStatus().getCode());
                // Revocation: every server refuses the certificate.
                leader.proposer().propose(io.muster.proto.raft.Command.newBuilder()
                        .setRevokeNode(io.muster.proto.raft.RevokeNode.newBuilder().setNodeId(w.nodeId).setReason("test"))).get(30, TimeUnit.SECONDS);
                for (MusterServer s : c.running()) {
                    Await.until("revoked on " + s.config().serverId(), T, () -> s.state().node(w.nodeId).map(n -> n.state() == NodeStatus.REVOKED).orElse(false));
                    var st = w.connect(grpc(s));
                    assertThrows(StatusRuntimeException.class, () -> w.beat(st));
                }
            }
        }
    }
}
