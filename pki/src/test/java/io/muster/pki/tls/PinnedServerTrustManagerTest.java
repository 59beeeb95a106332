package io.muster.pki.tls;

import static io.muster.pki.TestPki.CLOCK;
import static io.muster.pki.TestPki.NOW;
import static io.muster.pki.tls.WorkerClientTrustManagerTest.assertRejected;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.muster.pki.CertificateIssuer;
import io.muster.pki.Identity;
import io.muster.pki.Keys;
import io.muster.pki.SpkiPin;
import io.muster.pki.TestPki;
import java.math.BigInteger;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;

class PinnedServerTrustManagerTest {
    private static final TestPki PKI = new TestPki();
    private static final SpkiPin PIN = SpkiPin.of(PKI.clusterCa.certificate());

    private static PinnedServerTrustManager manager() {
        return new PinnedServerTrustManager(PIN, PKI.clusterId, CLOCK);
    }

    @Test
    void acceptsServerChainContainingThePinnedCaAndExposesIt() throws Exception {
        PinnedServerTrustManager manager = manager();
        assertTrue(manager.pinnedCaCertificate().isEmpty());
        assertEquals(Identity.server(PKI.clusterId, "s1"), manager.verifyServer(PKI.serverChain()));
        assertEquals(PKI.clusterCa.certificate(), manager.pinnedCaCertificate().orElseThrow());
    }

    @Test
    void rejectsChainsWithAnotherCa() {
        PinnedServerTrustManager manager = manager();
        TestPki other = new TestPki();
        String message = assertRejected(manager, other.serverChain(), "pin mismatch: ");
        assertTrue(message.contains(PIN.toString()), message);
        assertTrue(manager.pinnedCaCertificate().isEmpty(), "a refused chain must not set the pinned CA");
    }

    @Test
    void rejectsLeafWithoutChain() {
        assertTrue(assertRejected(manager(), new X509Certificate[] {PKI.serverLeaf}, "pin mismatch: ")
                .contains("must send the cluster CA certificate"));
    }

    @Test
    void pinnedCaDoesNotMakeForeignLeavesAcceptable() {
        // The attacker can copy the real CA certificate into its chain, but cannot sign its leaf with the CA key.
        TestPki other = new TestPki();
        PinnedServerTrustManager manager = manager();
        assertRejected(manager, new X509Certificate[] {other.serverLeaf, PKI.clusterCa.certificate()}, "unknown issuer: ");
        assertTrue(manager.pinnedCaCertificate().isEmpty());
    }

    @Test
    void workerCertificateDoesNotPassAsAServer() {
        X509Certificate[] chain = {PKI.workerLeaf, PKI.workerCa.certificate(), PKI.clusterCa.certificate()};
        assertRejected(manager(), chain, "unknown issuer: ");
    }

    @Test
    void rejectsAForgedWrapperAroundThePinnedKey() throws Exception {
        // Same public key as the real CA, but the certificate around it was signed by someone else.
        var attackerKey = Keys.generateP256();
        var forged = new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(
                PKI.clusterCa.certificate().getSubjectX500Principal(), BigInteger.TEN, Date.from(NOW.minusSeconds(60)),
                Date.from(NOW.plus(Duration.ofDays(99_999))), PKI.clusterCa.certificate().getSubjectX500Principal(),
                PKI.clusterCa.certificate().getPublicKey())
                .addExtension(Extension.basicConstraints, true, new BasicConstraints(1))
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(attackerKey.getPrivate())));
        PinnedServerTrustManager manager = manager();
        assertTrue(assertRejected(manager, new X509Certificate[] {PKI.serverLeaf, forged}, "pin mismatch: ")
                .contains("is not a self-signed CA certificate"));
        assertTrue(manager.pinnedCaCertificate().isEmpty());
    }

    @Test
    void rejectsServerOfTheWrongCluster() {
        X509Certificate wrongCluster = CertificateIssuer.issueServerLeaf(PKI.clusterCa, "prod-us", "s1",
                PKI.serverKey.getPublic(), List.of(), NOW, Duration.ofDays(1));
        assertRejected(manager(), new X509Certificate[] {wrongCluster, PKI.clusterCa.certificate()}, "wrong cluster: ");
    }

    @Test
    void advertisesNoIssuers() {
        assertEquals(0, manager().getAcceptedIssuers().length);
    }
}
