package io.muster.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.muster.pki.CertificateIssuer;
import io.muster.pki.Keys;
import io.muster.proto.ControlReply;
import io.muster.proto.ControlRequest;
import io.muster.proto.PollRequest;
import io.muster.proto.PollResponse;
import io.muster.proto.WorkerServiceGrpc;
import io.muster.proto.raft.Command;
import io.muster.proto.raft.RevokeJoinToken;
import io.muster.server.MusterServer;
import io.muster.server.JoinTokenService;
import io.muster.server.testkit.Await;
import io.muster.server.testkit.ShiftedClock;
import io.muster.server.testkit.TestCluster;
import io.muster.server.testkit.TestWorker;
import io.muster.types.HeartbeatPolicy;
import io.muster.types.config.HostPort;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * The worker tier under attack, on one secure server with real TLS: what an attack run found, each refused.
 * One server for the whole class (a server start costs seconds); every test uses its own tokens and workers.
 */
@Timeout(180)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WorkerAttackTest {
    private static final Duration T = Duration.ofSeconds(30);

    private final ShiftedClock clock = new ShiftedClock();
    private TestCluster cluster;
    private MusterServer s;
    private HostPort grpc;

    @BeforeAll
    void start() throws Exception {
        // Long leases: a lease of an earlier test's worker running out would write an entry and move the Raft index.
        cluster = TestCluster.builder(1).secure().heartbeat(new HeartbeatPolicy(600, 600, 600, 50, 600)).build();
        cluster.clock = clock;
        cluster.startAll();
        s = cluster.awaitLeader(T);
        s.ready().get(30, TimeUnit.SECONDS);
        Await.until("gRPC up", T, () -> s.grpc().port() > 0);
        Await.until("server announced", T, () -> s.state().servers().size() == 1);
        grpc = new HostPort("127.0.0.1", s.grpc().port());
    }

    @AfterAll
    void stop() throws Exception {
        if (cluster != null) cluster.close();
    }

    @AfterEach
    void resetClock() {
        clock.reset();
    }

    private JoinTokenService.IssuedToken token(int uses) throws Exception {
        return s.joinTokens().create(Duration.ofHours(1), uses, Map.of(), "attack test").get(30, TimeUnit.SECONDS);
    }

    private long lastIndex() {
        return s.raft().status().lastLogIndex();
    }

    // ---- join tokens and profiles: refused before they cost a Raft entry ----

    @Test
    void usedUpOrRevokedTokensAreRefusedWithoutARaftEntry() throws Exception {
        var once = token(1);
        try (TestWorker first = new TestWorker(); TestWorker second = new TestWorker(); TestWorker third = new TestWorker()) {
            first.register(grpc, once.token(), TestWorker.profile("first", Map.of()));
            long before = lastIndex();
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                    () -> second.register(grpc, once.token(), TestWorker.profile("second", Map.of())));
            assertEquals(Status.Code.PERMISSION_DENIED, e.getStatus().getCode());
            assertTrue(e.getStatus().getDescription().contains("no uses left"), e.getStatus().getDescription());
            assertEquals(before, lastIndex(), "a used-up token cost a Raft entry");

            // A retry of the registration that used the token up (same key) is still the same registration.
            long nodeId = first.nodeId;
            first.register(grpc, once.token(), TestWorker.profile("first", Map.of()));
            assertEquals(nodeId, first.nodeId);

            var revoked = token(0);
            assertTrue(s.proposer().propose(Command.newBuilder().setRevokeJoinToken(RevokeJoinToken.newBuilder()
                    .setTokenId(revoked.tokenId()))).get(30, TimeUnit.SECONDS).getOk());
            long before2 = lastIndex();
            StatusRuntimeException r = assertThrows(StatusRuntimeException.class,
                    () -> third.register(grpc, revoked.token(), TestWorker.profile("third", Map.of())));
            assertEquals(Status.Code.PERMISSION_DENIED, r.getStatus().getCode());
            assertEquals(before2, lastIndex(), "a revoked token cost a Raft entry");
        }
    }

    @Test
    void oversizedProfileFieldsAreRefusedWithoutARaftEntry() throws Exception {
        var t = token(0);
        try (TestWorker w = new TestWorker()) {
            long before = lastIndex();
            var hugeHost = TestWorker.profile("x", Map.of()).toBuilder().setHostname("h".repeat(3_800_000)).build();
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> w.register(grpc, t.token(), hugeHost));
            assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), e.getStatus().toString());
            assertTrue(e.getStatus().getDescription().contains("profile.hostname"), e.getStatus().getDescription());
            assertTrue(e.getStatus().getDescription().contains("253"), e.getStatus().getDescription());

            // A token that allows no particular labels lets a worker bring any: their number is still capped.
            Map<String, String> labels = new HashMap<>();
            for (int i = 0; i < 65; i++) labels.put("k" + i, "v");
            StatusRuntimeException l = assertThrows(StatusRuntimeException.class,
                    () -> w.register(grpc, t.token(), TestWorker.profile("x", labels)));
            assertEquals(Status.Code.INVALID_ARGUMENT, l.getStatus().getCode());
            assertTrue(l.getStatus().getDescription().contains("profile.labels"), l.getStatus().getDescription());
            assertEquals(before, lastIndex(), "an oversized profile cost a Raft entry");
        }
    }

    // ---- certificates: only the serials on record, only while valid ----

    @Test
    void aLeafWithASerialNotOnRecordIsRefused() throws Exception {
        var t = token(1);
        try (TestWorker w = new TestWorker()) {
            w.register(grpc, t.token(), TestWorker.profile("w", Map.of()));
            var m = s.security().material().orElseThrow();
            // Signed by the real worker CA for the real node id, but never recorded for it.
            var key = Keys.generateP256();
            X509Certificate forged = CertificateIssuer.issueWorkerLeaf(m.workerCa(), m.clusterId(), w.nodeId, key.getPublic(),
                    clock.instant(), Duration.ofHours(1));
            ManagedChannel ch = w.channel(grpc, key, forged);
            try {
                StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> w.beat(WorkerServiceGrpc.newBlockingStub(ch)));
                assertNotEquals(Status.Code.OK, e.getStatus().getCode());
            } finally {
                ch.shutdownNow();
            }
            w.beat(w.connect(grpc)); // the recorded leaf still works
        }
    }

    // ---- secrets: only to the node of a live allocation that names them ----

    private void ok(Command.Builder c) throws Exception {
        var r = s.proposer().propose(c).get(30, TimeUnit.SECONDS);
        assertTrue(r.getOk(), r.toString());
    }

    @Test
    void aWorkerGetsOnlyTheSecretsOfItsOwnLiveAllocations() throws Exception {
        var t = token(2);
        var keyring = new io.muster.server.secrets.SecretKeyring(s.credentials().secret());
        try (TestWorker a = new TestWorker(); TestWorker b = new TestWorker()) {
            a.register(grpc, t.token(), TestWorker.profile("secret-a", Map.of()));
            b.register(grpc, t.token(), TestWorker.profile("secret-b", Map.of()));
            for (String name : List.of("attack_db", "attack_other")) {
                var sealed = keyring.seal(name, ("value-of-" + name).getBytes(java.nio.charset.StandardCharsets.UTF_8));
                ok(Command.newBuilder().setPutSecret(io.muster.proto.raft.PutSecret.newBuilder().setName(name).setKeyId(sealed.keyId())
                        .setSealed(com.google.protobuf.ByteString.copyFrom(sealed.bytes())).setSize(8).setPutUnixMs(clock.millis())));
            }
            // On one of these two nodes (earlier tests' nodes are ready too).
            String spec = """
                    {"id":"sec-job","type":"batch","constraints":[{"attribute":"node.id","operator":"in","value":"%d,%d"}],\
                    "groups":[{"name":"g","count":1,"tasks":[{"name":"t","driver":"exec","command":"sleep",\
                    "resources":{"cpu":10,"memory":10},"secrets":[{"name":"attack_db","env":"DB"}]}]}]}""".formatted(a.nodeId, b.nodeId);
            ok(Command.newBuilder().setRegisterJob(io.muster.proto.raft.RegisterJob.newBuilder().setJobId("sec-job")
                    .setSpecJson(com.google.protobuf.ByteString.copyFromUtf8(spec)).setSubmittedUnixMs(clock.millis()).setMaxPendingJobs(100)));
            // Both nodes ready; the scheduler places the job's one allocation on one of them.
            a.beat(a.connect(grpc));
            b.beat(b.connect(grpc));
            Await.until("allocation placed", T, () -> !s.state().snapshot().allocsOfJob("sec-job").isEmpty());
            var alloc = s.state().snapshot().allocsOfJob("sec-job").getFirst();
            TestWorker owner = alloc.nodeId() == a.nodeId ? a : b;
            TestWorker other = owner == a ? b : a;
            String allocId = alloc.id();

            var request = io.muster.proto.SecretFetchRequest.newBuilder().setAllocId(allocId);
            // Its own node: exactly the secrets the allocation names, not every secret.
            var reply = owner.connect(grpc).fetchSecrets(request.setNodeId(owner.nodeId).build());
            assertEquals(1, reply.getSecretsCount());
            assertEquals("attack_db", reply.getSecrets(0).getName());
            assertEquals("value-of-attack_db", reply.getSecrets(0).getValue().toStringUtf8());

            // Another node asking for it, as itself: not found (the id is not even confirmed).
            var otherStub = other.connect(grpc);
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> otherStub.fetchSecrets(request.setNodeId(other.nodeId).build()));
            assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode(), e.getStatus().toString());
            assertFalse(e.getStatus().toString().contains("value-of"), e.getStatus().toString());
            // ... or claiming to be the allocation's node: its certificate says otherwise.
            e = assertThrows(StatusRuntimeException.class, () -> otherStub.fetchSecrets(request.setNodeId(owner.nodeId).build()));
            assertEquals(Status.Code.PERMISSION_DENIED, e.getStatus().getCode(), e.getStatus().toString());

            // Once the allocation finished, its secrets are no longer served, even to its node.
            ok(Command.newBuilder().setAllocStatusBatch(io.muster.proto.raft.AllocStatusBatch.newBuilder().addUpdates(
                    io.muster.proto.raft.AllocStatusUpdate.newBuilder().setNodeId(owner.nodeId).setStatus(io.muster.proto.AllocStatus.newBuilder()
                            .setAllocId(allocId).setState(io.muster.proto.AllocState.ALLOC_COMPLETE).setStartedUnixMs(clock.millis())
                            .setFinishedUnixMs(clock.millis())))));
            Await.until("allocation complete", T, () -> s.state().alloc(allocId).orElseThrow().terminal());
            var ownStub = owner.connect(grpc);
            e = assertThrows(StatusRuntimeException.class, () -> ownStub.fetchSecrets(request.setNodeId(owner.nodeId).build()));
            assertEquals(Status.Code.FAILED_PRECONDITION, e.getStatus().getCode(), e.getStatus().toString());
        }
    }

    @Test
    void aWorkerCannotAskForStateDigests() throws Exception {
        var t = token(1);
        try (TestWorker w = new TestWorker()) {
            w.register(grpc, t.token(), TestWorker.profile("digests", Map.of()));
            ManagedChannel ch = w.channel(grpc, w.key, w.cert);
            try {
                StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> io.muster.proto.InternalServiceGrpc.newBlockingStub(ch)
                        .stateDigests(io.muster.proto.StateDigestsRequest.getDefaultInstance()));
                assertEquals(Status.Code.PERMISSION_DENIED, e.getStatus().getCode(), e.getStatus().toString());
                assertTrue(e.getStatus().getDescription().contains("only servers"), e.getStatus().toString());
            } finally {
                ch.shutdownNow();
            }
        }
    }

    @Test
    void afterTwoRenewalsTheFirstSerialIsRefused() throws Exception {
        var t = token(1);
        try (TestWorker w = new TestWorker()) {
            w.register(grpc, t.token(), TestWorker.profile("w", Map.of()));
            var first = w.connect(grpc);
            w.beat(first);
            TestWorker.Renewed second = w.renew(first);
            w.beat(first); // the serial just rotated out still works, so a worker can swap channels
            ManagedChannel secondCh = w.channel(grpc, second.key(), second.cert());
            ManagedChannel firstAgain = null;
            ManagedChannel thirdCh = null;
            try {
                TestWorker.Renewed third = w.renew(WorkerServiceGrpc.newBlockingStub(secondCh));
                StatusRuntimeException open = assertThrows(StatusRuntimeException.class, () -> w.beat(first));
                assertEquals(Status.Code.UNAUTHENTICATED, open.getStatus().getCode(), "on the open connection: " + open.getStatus());
                firstAgain = w.channel(grpc, w.key, w.cert);
                var again = WorkerServiceGrpc.newBlockingStub(firstAgain);
                assertThrows(StatusRuntimeException.class, () -> w.beat(again), "a new connection with the first leaf");
                w.beat(WorkerServiceGrpc.newBlockingStub(secondCh));
                thirdCh = w.channel(grpc, third.key(), third.cert());
                w.beat(WorkerServiceGrpc.newBlockingStub(thirdCh));
            } finally {
                secondCh.shutdownNow();
                if (firstAgain != null) firstAgain.shutdownNow();
                if (thirdCh != null) thirdCh.shutdownNow();
            }
        }
    }

    @Test
    void anExpiredCertificateEndsCallsPollsAndControlStreamsOnAnOpenConnection() throws Exception {
        var t = token(1);
        try (TestWorker w = new TestWorker()) {
            w.register(grpc, t.token(), TestWorker.profile("w", Map.of()));
            var stub = w.connect(grpc);
            w.beat(stub);
            long revision = w.poll(stub, 0, 1).getRevision();
            ManagedChannel ch = w.channel(grpc, w.key, w.cert);
            try {
                var async = WorkerServiceGrpc.newStub(ch);
                CompletableFuture<Status> poll = new CompletableFuture<>();
                async.poll(PollRequest.newBuilder().setNodeId(w.nodeId).setLastRevision(revision).setMaxWaitSecs(60).build(), observer(poll));
                Await.until("poll waiting", T, () -> s.grpc().polls().waitingCount() == 1);
                CompletableFuture<Status> control = new CompletableFuture<>();
                var replies = async.control(new StreamObserver<ControlRequest>() {
                    @Override
                    public void onNext(ControlRequest r) {}

                    @Override
                    public void onError(Throwable t) {
                        control.complete(Status.fromThrowable(t));
                    }

                    @Override
                    public void onCompleted() {
                        control.complete(Status.OK);
                    }
                });
                replies.onNext(ControlReply.newBuilder().setHelloNodeId(w.nodeId).build());
                Await.until("control stream open", T, () -> s.grpc().controls().connected(w.nodeId));

                clock.shift(Duration.between(clock.instant(), w.cert.getNotAfter().toInstant()).plusMinutes(1));
                StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> w.beat(stub));
                assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode(), e.getStatus().toString());
                assertTrue(e.getStatus().getDescription().contains("expired"), e.getStatus().getDescription());

                s.grpc().expireCertificates(); // what the sweep timer does every second
                assertEquals(Status.Code.UNAUTHENTICATED, poll.get(10, TimeUnit.SECONDS).getCode(), "the open poll outlived its certificate");
                // The client sees the end of the call before the server's cancellation handler has forgotten the waiter.
                Await.until("the ended poll is forgotten", T, () -> s.grpc().polls().waitingCount() == 0);
                assertEquals(Status.Code.UNAUTHENTICATED, control.get(10, TimeUnit.SECONDS).getCode(), "the control stream outlived its certificate");
                Await.until("control stream forgotten", T, () -> !s.grpc().controls().connected(w.nodeId));
            } finally {
                ch.shutdownNow();
            }
        }
    }

    // ---- resource caps ----

    @Test
    void pollsBeyondTheNodeCapAreRefused() throws Exception {
        var t = token(1);
        try (TestWorker w = new TestWorker()) {
            w.register(grpc, t.token(), TestWorker.profile("w", Map.of()));
            var stub = w.connect(grpc);
            long revision = w.poll(stub, 0, 1).getRevision();
            ManagedChannel ch = w.channel(grpc, w.key, w.cert);
            try {
                var async = WorkerServiceGrpc.newStub(ch);
                List<CompletableFuture<Status>> held = new ArrayList<>();
                for (int i = 0; i < PollHub.MAX_POLLS_PER_NODE; i++) {
                    CompletableFuture<Status> f = new CompletableFuture<>();
                    async.poll(PollRequest.newBuilder().setNodeId(w.nodeId).setLastRevision(revision).setMaxWaitSecs(60).build(), observer(f));
                    held.add(f);
                }
                Await.until("polls waiting", T, () -> s.grpc().polls().waitingCount() == PollHub.MAX_POLLS_PER_NODE);
                StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> w.poll(stub, revision, 2));
                assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode(), e.getStatus().toString());
                for (var f : held) assertTrue(!f.isDone(), "the held polls still wait");
            } finally {
                ch.shutdownNow();
            }
            Await.until("cancelled polls forgotten", T, () -> s.grpc().polls().waitingCount() == 0);
        }
    }

    private static StreamObserver<PollResponse> observer(CompletableFuture<Status> done) {
        return new StreamObserver<>() {
            @Override
            public void onNext(PollResponse r) {}

            @Override
            public void onError(Throwable t) {
                done.complete(Status.fromThrowable(t));
            }

            @Override
            public void onCompleted() {
                done.complete(Status.OK);
            }
        };
    }
}
