package io.muster.pki.tls;

import static io.muster.pki.TestPki.CLOCK;
import static io.muster.pki.TestPki.NOW;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.muster.pki.CertificateIssuer;
import io.muster.pki.Identity;
import io.muster.pki.Keys;
import io.muster.pki.TestPki;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.junit.jupiter.api.Test;

class WorkerClientTrustManagerTest {
    private static final TestPki PKI = new TestPki();
    private static final TestPki OTHER = new TestPki("prod-us");

    private static WorkerClientTrustManager manager(Clock clock, RevocationCheck revocation) {
        return new WorkerClientTrustManager(PKI.workerCa.certificate(), PKI.clusterCa.certificate(), PKI.clusterId,
                clock, revocation);
    }

    private static final WorkerClientTrustManager MANAGER = manager(CLOCK, RevocationCheck.NONE);

    @Test
    void acceptsWorkerLeafAloneOrWithItsCa() throws Exception {
        assertEquals(Identity.node(PKI.clusterId, 42), MANAGER.verifyClient(new X509Certificate[] {PKI.workerLeaf}));
        MANAGER.checkClientTrusted(PKI.workerChain(), "UNKNOWN");
    }

    @Test
    void acceptsServerLeafForServerToServerCalls() throws Exception {
        assertEquals(Identity.server(PKI.clusterId, "s1"), MANAGER.verifyClient(PKI.serverChain()));
    }

    @Test
    void rejectsClientCertificateFromAnotherCa() {
        assertRejected(MANAGER, OTHER.workerChain(), "unknown issuer: ");
        // Appending our CA to a foreign leaf changes nothing: only our CAs' keys are consulted.
        assertRejected(MANAGER, new X509Certificate[] {OTHER.workerLeaf, PKI.workerCa.certificate()}, "unknown issuer: ");
    }

    @Test
    void rejectsExpiredAndNotYetValidCertificates() {
        Instant later = NOW.plus(TestPki.LEAF_LIFETIME).plusSeconds(1);
        assertTrue(assertRejected(manager(TestPki.clockAt(later), RevocationCheck.NONE), PKI.workerChain(), "expired: ")
                .contains("client certificate 'CN=node-42'"));
        assertRejected(manager(TestPki.clockAt(NOW.minus(Duration.ofMinutes(2))), RevocationCheck.NONE),
                PKI.workerChain(), "not yet valid: ");
    }

    @Test
    void rejectsWhenTheIssuingCaHasExpired() throws Exception {
        // The issuer caps leaves at its own expiry, so hand-build a leaf that outlives a one-hour worker CA.
        var shortCa = io.muster.pki.CertificateAuthorities.createWorkerCa(PKI.clusterCa, PKI.clusterId, NOW, Duration.ofHours(1));
        X509Certificate leaf = TestPki.customLeaf(shortCa.certificate(), shortCa.privateKey(), PKI.workerKey.getPublic(),
                "muster://prod-eu/node/3", new KeyPurposeId[] {KeyPurposeId.id_kp_clientAuth}, false);
        var manager = new WorkerClientTrustManager(shortCa.certificate(), PKI.clusterCa.certificate(), PKI.clusterId,
                TestPki.clockAt(NOW.plus(Duration.ofHours(2))), RevocationCheck.NONE);
        String message = assertRejected(manager, new X509Certificate[] {leaf}, "expired: ");
        assertTrue(message.contains("worker CA 'CN=Muster Worker CA prod-eu'"), message);
    }

    @Test
    void rejectsCertificateForAnotherCluster() {
        X509Certificate foreignIdentity = CertificateIssuer.issueWorkerLeaf(PKI.workerCa, "prod-us", 42,
                PKI.workerKey.getPublic(), NOW, Duration.ofDays(1));
        String message = assertRejected(MANAGER, new X509Certificate[] {foreignIdentity}, "wrong cluster: ");
        assertTrue(message.contains("'prod-us', expected 'prod-eu'"), message);
    }

    @Test
    void rejectsRevokedCertificatesAndPassesIdentityAndSerial() {
        List<Object> asked = new ArrayList<>();
        RevocationCheck revokeNode42 = (identity, serial) -> {
            asked.add(identity);
            asked.add(serial);
            return identity.kind() == Identity.Kind.NODE && identity.nodeId() == 42;
        };
        String message = assertRejected(manager(CLOCK, revokeNode42), PKI.workerChain(), "revoked: ");
        assertTrue(message.contains("muster://prod-eu/node/42"), message);
        assertEquals(List.of(Identity.node(PKI.clusterId, 42), PKI.workerLeaf.getSerialNumber()), asked);
        // The cause is what makes the TLS stack send certificate_revoked, which the worker recognises.
        CertificateException e = assertThrows(CertificateException.class,
                () -> manager(CLOCK, revokeNode42).checkClientTrusted(PKI.workerChain(), "UNKNOWN"));
        assertEquals(java.security.cert.CertPathValidatorException.BasicReason.REVOKED,
                ((java.security.cert.CertPathValidatorException) e.getCause()).getReason());
    }

    @Test
    void revocationCheckFailuresFailClosed() {
        RevocationCheck broken = (identity, serial) -> {
            throw new IllegalStateException("deny-list unavailable");
        };
        assertRejected(manager(CLOCK, broken), PKI.workerChain(), "revocation check failed: ");
    }

    @Test
    void rejectsCertificatesWithoutClientAuth() throws Exception {
        X509Certificate serverOnly = TestPki.customLeaf(PKI.clusterCa.certificate(), PKI.clusterCa.privateKey(),
                Keys.generateP256().getPublic(), "muster://prod-eu/server/s9", new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth}, false);
        assertTrue(assertRejected(MANAGER, new X509Certificate[] {serverOnly}, "not a client certificate: ")
                .contains("lacks the clientAuth extended key usage"));

        X509Certificate noEku = TestPki.customLeaf(PKI.workerCa.certificate(), PKI.workerCa.privateKey(),
                Keys.generateP256().getPublic(), "muster://prod-eu/node/1", null, false);
        assertRejected(MANAGER, new X509Certificate[] {noEku}, "not a client certificate: ");

        // The worker CA presenting itself as a client: signed by the cluster CA, but a CA certificate.
        assertTrue(assertRejected(MANAGER, new X509Certificate[] {PKI.workerCa.certificate()}, "not a client certificate: ")
                .contains("is a CA certificate"));
    }

    @Test
    void rejectsLeafWithoutIdentity() throws Exception {
        X509Certificate anonymous = TestPki.customLeaf(PKI.workerCa.certificate(), PKI.workerCa.privateKey(),
                Keys.generateP256().getPublic(), null, new KeyPurposeId[] {KeyPurposeId.id_kp_clientAuth}, false);
        assertRejected(MANAGER, new X509Certificate[] {anonymous}, "no identity: ");
    }

    @Test
    void rejectsIdentitiesSignedByTheWrongCa() {
        X509Certificate nodeFromClusterCa = CertificateIssuer.issueWorkerLeaf(PKI.clusterCa, PKI.clusterId, 5,
                PKI.workerKey.getPublic(), NOW, Duration.ofDays(1));
        assertRejected(MANAGER, new X509Certificate[] {nodeFromClusterCa}, "wrong issuer: ");
    }

    @Test
    void advertisesBothCasAndRefusesServerSideUse() {
        assertArrayEquals(new X509Certificate[] {PKI.workerCa.certificate(), PKI.clusterCa.certificate()},
                MANAGER.getAcceptedIssuers());
        assertThrows(CertificateException.class, () -> MANAGER.checkServerTrusted(PKI.serverChain(), "ECDHE_ECDSA"));
        assertThrows(IllegalArgumentException.class, () -> MANAGER.checkClientTrusted(new X509Certificate[0], "UNKNOWN"));
    }

    @Test
    void messagesIdentifyTheSerial() {
        String message = assertRejected(MANAGER, OTHER.workerChain(), "unknown issuer: ");
        assertTrue(message.contains(OTHER.workerLeaf.getSerialNumber().toString(16)), message);
    }

    static String assertRejected(javax.net.ssl.X509TrustManager manager, X509Certificate[] chain, String reasonPrefix) {
        CertificateException e = assertThrows(CertificateException.class, () -> {
            if (manager instanceof WorkerClientTrustManager) {
                manager.checkClientTrusted(chain, "UNKNOWN");
            } else {
                manager.checkServerTrusted(chain, "ECDHE_ECDSA");
            }
        });
        assertTrue(e.getMessage().startsWith(reasonPrefix), "expected '" + reasonPrefix + "...' but got: " + e.getMessage());
        return e.getMessage();
    }
}
