package io.muster.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import io.muster.pki.CertificateAuthorities;
import io.muster.pki.Identity;
import io.muster.pki.SpkiPin;
import io.muster.pki.pem.Pem;
import io.muster.pki.token.JoinTokens;
import io.muster.pki.token.TokenClaims;
import io.muster.proto.NodeProfile;
import io.muster.worker.fake.FakeCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

@Timeout(value = 180, unit = TimeUnit.SECONDS)
class RegistrationTest {
    @TempDir
    Path dataDir;
    private WorkerHarness h;
    private ListAppender<ILoggingEvent> logs;

    @BeforeEach
    void setUp() throws Exception {
        h = new WorkerHarness(dataDir, 1);
        logs = new ListAppender<>();
        logs.start();
        rootLogger().addAppender(logs);
    }

    @AfterEach
    void tearDown() throws Exception {
        rootLogger().detachAppender(logs);
        h.close();
    }

    private static Logger rootLogger() {
        return (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    }

    @Test
    void registrationWritesTheIdentityAndARestartReusesItWithoutAToken() throws Exception {
        String token = h.cluster.token(1); // a single use: a second registration would be refused
        WorkerDaemon first = h.startRunning(token);
        long node = first.nodeId();
        assertTrue(node >= 100, "node id from the server, got " + node);

        Path identity = dataDir.resolve("worker/identity");
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(identity)));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(identity.resolve("key.pem"))));
        X509Certificate leaf = Pem.readCertificate(identity.resolve("cert.pem"));
        assertEquals(Identity.node(FakeCluster.CLUSTER_ID, node), Identity.require(leaf));
        assertEquals(List.of(h.cluster.clusterCa.certificate(), h.cluster.workerCa.certificate()),
                Pem.readCertificates(identity.resolve("ca.pem")));
        assertKeyBelongsTo(Pem.readPrivateKey(identity.resolve("key.pem")), leaf);
        assertFalse(Files.exists(identity.resolve("key.pem.new")));

        NodeProfile profile = h.cluster.registrations.get(0).getProfile();
        assertEquals("linux", profile.getOs());
        assertTrue(profile.getDriversList().contains("exec"), profile.toString());
        assertEquals(Runtime.getRuntime().availableProcessors(), profile.getCpuCores());
        assertEquals(profile.getCpuCores() * 1000L, profile.getCpuMhz());
        assertTrue(profile.getMemoryMb() > 0);
        assertEquals("test", profile.getVersion());
        assertFalse(profile.getHostname().isEmpty());

        Await.until("a poll from node " + node, () -> h.cluster.polls.stream().anyMatch(p -> p.getNodeId() == node));
        first.close();
        assertEquals(WorkerDaemon.State.STOPPED, first.status().state());

        int pollsBefore = h.cluster.polls.size();
        WorkerDaemon second = h.daemon(h.config(null)); // no token at all
        second.start();
        WorkerHarness.awaitRunning(second);
        assertEquals(node, second.nodeId());
        assertEquals(1, h.cluster.registrations.size(), "the restarted worker must not register again");
        Await.until("a poll from the restarted worker", () -> h.cluster.polls.size() > pollsBefore);
        assertNoTokenInLogs(token);
    }

    @Test
    void anExpiredIdentityIsReplacedWithATokenAndTheOldNodesTasksAreStopped() throws Exception {
        WorkerDaemon first = h.startRunning(h.cluster.token(1));
        long oldNode = first.nodeId();
        h.cluster.set(oldNode, WorkerHarness.alloc("orphan", "service", WorkerHarness.shGroup("exec sleep 30", 0)));
        h.awaitState("orphan", io.muster.proto.AllocState.ALLOC_RUNNING);
        long pid = Long.parseLong(Files.readString(dataDir.resolve("allocs/orphan/.muster-exec-task")).lines()
                .filter(l -> l.startsWith("pid=")).findFirst().orElseThrow().substring(4));
        first.close();

        h.cluster.clock.advance(Duration.ofDays(4)); // the 3-day certificate is now expired
        WorkerDaemon noToken = h.daemon(h.config(null));
        WorkerException e = assertThrows(WorkerException.class, noToken::start);
        assertTrue(e.getMessage().contains("expired at") && e.getMessage().contains("no join token"), e.getMessage());

        WorkerDaemon second = h.startRunning(h.cluster.token(1));
        assertTrue(second.nodeId() != oldNode, "registered as a new node");
        Await.until("the old node's task to be stopped", () -> ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true));
        Await.until("its directory to be removed", () -> !Files.exists(dataDir.resolve("allocs/orphan")));
        assertTrue(second.status().allocations().isEmpty(), second.status().toString());
    }

    @Test
    void aRefusedTokenIsReportedWithTheServersReasonAndNeverLogged() {
        String token = h.cluster.token(0); // no uses
        String tokenId = decodeId(token);
        WorkerDaemon d = h.daemon(h.config(token));
        d.start();
        WorkerException e = assertThrows(WorkerException.class, d::awaitTermination);
        assertTrue(e.getMessage().startsWith("registration refused: join token " + tokenId + " has no uses left"),
                e.getMessage());
        assertTrue(e.getMessage().contains("PERMISSION_DENIED"), e.getMessage());
        assertFalse(e.getMessage().contains(token));
        assertEquals(WorkerDaemon.State.FAILED, d.status().state());
        assertEquals(e.getMessage(), d.status().failure());
        assertEquals(0, d.nodeId());
        assertFalse(Files.exists(dataDir.resolve("worker/identity/cert.pem")));
        assertNoTokenInLogs(token);
    }

    /**
     * Servers refuse a revoked node's certificate in every new TLS handshake (certificate_revoked alert). A worker
     * that was down when its node was revoked must end with a failure on that alert, not retry it as a network
     * problem forever; and since systemd restarts it, every later start must fail at once too.
     */
    @Test
    void aNodeRevokedWhileItsWorkerWasDownFailsOnTheNextStartAndEveryStartAfter() {
        WorkerDaemon first = h.startRunning(h.cluster.token(2));
        long node = first.nodeId();
        first.close();
        h.cluster.revoke(node);

        WorkerDaemon second = h.daemon(h.config(null));
        second.start();
        WorkerException revoked = assertThrows(WorkerException.class,
                () -> assertTimeoutPreemptively(Duration.ofSeconds(60), second::awaitTermination));
        assertTrue(revoked.getMessage().startsWith("node " + node + " was revoked by the cluster"), revoked.getMessage());
        assertTrue(revoked.getMessage().contains("CERTIFICATE_REVOKED"), revoked.getMessage());
        assertEquals(WorkerDaemon.State.FAILED, second.status().state());

        for (String token : new String[] {null, h.cluster.token(1)}) {
            WorkerDaemon again = h.daemon(h.config(token));
            WorkerException e = assertThrows(WorkerException.class, again::start);
            assertTrue(e.getMessage().startsWith("node " + node + " was revoked by the cluster"), e.getMessage());
            assertTrue(e.getMessage().contains("delete " + dataDir.resolve("worker/identity")), e.getMessage());
        }
        assertEquals(1, h.cluster.registrations.size(), "a revoked worker never registers again by itself");
    }

    @Test
    void aForgedTokenIsRefused() {
        TokenClaims claims = TokenClaims.create(FakeCluster.CLUSTER_ID, h.cluster.clock.instant(), Duration.ofHours(1),
                Map.of(), SpkiPin.of(h.cluster.clusterCa.certificate()));
        String forged = JoinTokens.encode(claims, JoinTokens.newKey());
        WorkerDaemon d = h.daemon(h.config(forged));
        d.start();
        WorkerException e = assertThrows(WorkerException.class, d::awaitTermination);
        assertTrue(e.getMessage().startsWith("registration refused: join token rejected: "), e.getMessage());
        assertFalse(e.getMessage().contains(forged));
        assertNoTokenInLogs(forged);
    }

    @Test
    void aTokenPinningAnotherClustersCaNeverTrustsTheServer() {
        var otherCa = CertificateAuthorities.createClusterCa(FakeCluster.CLUSTER_ID, h.cluster.clock.instant());
        TokenClaims claims = TokenClaims.create(FakeCluster.CLUSTER_ID, h.cluster.clock.instant(), Duration.ofHours(1),
                Map.of(), SpkiPin.of(otherCa.certificate()));
        String token = JoinTokens.encode(claims, h.cluster.tokenKey);
        WorkerDaemon d = h.daemon(h.config(token));
        d.start();
        WorkerException e = assertThrows(WorkerException.class, d::awaitTermination);
        assertTrue(e.getMessage().startsWith("cannot register: no server proved it belongs to the cluster pinned by"),
                e.getMessage());
        assertTrue(e.getMessage().contains("pin mismatch"), e.getMessage());
        assertTrue(h.cluster.registrations.isEmpty(), "the token must never reach an untrusted server");
        assertNoTokenInLogs(token);
    }

    @Test
    void labelsTheTokenDoesNotAllowAreRefusedBeforeContactingAServer() {
        String token = h.cluster.token(1, Map.of("zone", "eu-1"));
        WorkerDaemon d = h.daemon(h.config(token, Map.of("zone", "us-1")));
        d.start();
        WorkerException e = assertThrows(WorkerException.class, d::awaitTermination);
        assertTrue(e.getMessage().contains("does not allow the label zone=us-1"), e.getMessage());
        assertTrue(h.cluster.registrations.isEmpty());
    }

    @Test
    void withoutIdentityOrTokenStartFailsAtOnce() {
        WorkerDaemon d = h.daemon(h.config(null));
        WorkerException e = assertThrows(WorkerException.class, d::start);
        assertTrue(e.getMessage().contains("no identity in") && e.getMessage().contains("set token or token_file"),
                e.getMessage());
    }

    @Test
    void aTokenFileIsReadAndAMalformedTokenIsNamedWithoutBeingQuoted() throws Exception {
        Path file = dataDir.resolve("token");
        Files.writeString(file, "mst1.not-a-real-token\n");
        WorkerDaemon d = h.daemon(new io.muster.types.config.WorkerConfig(dataDir, h.config(null).servers(), null, file,
                null, Map.of()));
        WorkerException e = assertThrows(WorkerException.class, d::start);
        assertTrue(e.getMessage().startsWith("token file " + file + " is not a usable join token"), e.getMessage());
        assertFalse(e.getMessage().contains("not-a-real-token"), e.getMessage());
    }

    private void assertNoTokenInLogs(String token) {
        for (ILoggingEvent event : logs.list) {
            String text = event.getFormattedMessage()
                    + (event.getThrowableProxy() != null ? ThrowableProxyUtil.asString(event.getThrowableProxy()) : "");
            assertFalse(text.contains(token), "the join token leaked into the log: " + event.getFormattedMessage());
        }
        assertNotNull(logs.list);
    }

    private static String decodeId(String token) {
        try {
            return JoinTokens.decode(token).tokenId();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static void assertKeyBelongsTo(PrivateKey key, X509Certificate cert) throws Exception {
        Signature signer = Signature.getInstance("SHA256withECDSA");
        signer.initSign(key);
        signer.update(new byte[] {1, 2, 3});
        byte[] sig = signer.sign();
        Signature verifier = Signature.getInstance("SHA256withECDSA");
        verifier.initVerify(cert.getPublicKey());
        verifier.update(new byte[] {1, 2, 3});
        assertTrue(verifier.verify(sig), "key.pem does not belong to cert.pem");
    }
}
