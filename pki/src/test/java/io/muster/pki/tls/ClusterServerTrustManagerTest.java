package io.muster.pki.tls;

import static io.muster.pki.TestPki.CLOCK;
import static io.muster.pki.TestPki.NOW;
import static io.muster.pki.tls.WorkerClientTrustManagerTest.assertRejected;
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
import java.time.Duration;
import java.util.List;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.junit.jupiter.api.Test;

class ClusterServerTrustManagerTest {
    private static final TestPki PKI = new TestPki();
    private static final ClusterServerTrustManager MANAGER =
            new ClusterServerTrustManager(PKI.clusterCa.certificate(), PKI.clusterId, CLOCK);

    @Test
    void acceptsServerChainAndLeafAlone() throws Exception {
        assertEquals(Identity.server(PKI.clusterId, "s1"), MANAGER.verifyServer(PKI.serverChain()));
        MANAGER.checkServerTrusted(new X509Certificate[] {PKI.serverLeaf}, "ECDHE_ECDSA");
    }

    @Test
    void workerCertificateDoesNotPassAsAServer() {
        assertRejected(MANAGER, PKI.workerChain(), "unknown issuer: ");
    }

    @Test
    void nodeIdentityDoesNotPassEvenWhenSignedByTheClusterCa() throws Exception {
        // Production never issues this, but a server must not accept it if it existed.
        X509Certificate nodeWithServerAuth = TestPki.customLeaf(PKI.clusterCa.certificate(), PKI.clusterCa.privateKey(),
                Keys.generateP256().getPublic(), "muster://prod-eu/node/5",
                new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth}, false);
        assertTrue(assertRejected(MANAGER, new X509Certificate[] {nodeWithServerAuth}, "not a server certificate: ")
                .contains("muster://prod-eu/node/5"));

        X509Certificate nodeFromClusterCa = CertificateIssuer.issueWorkerLeaf(PKI.clusterCa, PKI.clusterId, 5,
                PKI.workerKey.getPublic(), NOW, Duration.ofDays(1));
        assertTrue(assertRejected(MANAGER, new X509Certificate[] {nodeFromClusterCa}, "not a server certificate: ")
                .contains("lacks the serverAuth extended key usage"));
    }

    @Test
    void rejectsServerOfAnotherClusterOrCa() {
        TestPki other = new TestPki("prod-us");
        assertRejected(MANAGER, other.serverChain(), "unknown issuer: ");

        X509Certificate wrongCluster = CertificateIssuer.issueServerLeaf(PKI.clusterCa, "prod-us", "s1",
                PKI.serverKey.getPublic(), List.of(), NOW, Duration.ofDays(1));
        assertRejected(MANAGER, new X509Certificate[] {wrongCluster}, "wrong cluster: ");
    }

    @Test
    void rejectsExpiredServerCertificate() {
        var manager = new ClusterServerTrustManager(PKI.clusterCa.certificate(), PKI.clusterId,
                TestPki.clockAt(NOW.plus(Duration.ofDays(4))));
        assertRejected(manager, PKI.serverChain(), "expired: ");
    }

    @Test
    void rejectsUnknownCriticalExtensions() throws Exception {
        var builder = new org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder(PKI.serverLeaf);
        // Re-sign the server leaf with an extra critical extension the checks do not understand (policy constraints).
        builder.addExtension(org.bouncycastle.asn1.x509.Extension.inhibitAnyPolicy, true, new org.bouncycastle.asn1.ASN1Integer(0));
        X509Certificate leaf = new org.bouncycastle.cert.jcajce.JcaX509CertificateConverter().getCertificate(builder.build(
                new org.bouncycastle.operator.jcajce.JcaContentSignerBuilder("SHA256withECDSA").build(PKI.clusterCa.privateKey())));
        assertRejected(MANAGER, new X509Certificate[] {leaf}, "unsupported critical extension: ");
    }

    @Test
    void advertisesTheClusterCaAndRefusesClientSideUse() {
        assertArrayEquals(new X509Certificate[] {PKI.clusterCa.certificate()}, MANAGER.getAcceptedIssuers());
        assertThrows(CertificateException.class, () -> MANAGER.checkClientTrusted(PKI.workerChain(), "UNKNOWN"));
    }
}
