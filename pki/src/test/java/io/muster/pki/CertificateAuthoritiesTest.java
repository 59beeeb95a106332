package io.muster.pki;

import static io.muster.pki.TestPki.NOW;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.time.Duration;
import java.util.Base64;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.junit.jupiter.api.Test;

class CertificateAuthoritiesTest {
    private static final CertificateAuthority CLUSTER_CA = CertificateAuthorities.createClusterCa("prod-eu", NOW);
    private static final CertificateAuthority WORKER_CA = CertificateAuthorities.createWorkerCa(CLUSTER_CA, "prod-eu", NOW);

    @Test
    void clusterCaIsASelfSignedTenYearRoot() throws Exception {
        X509Certificate ca = CLUSTER_CA.certificate();
        assertEquals("CN=Muster Cluster CA prod-eu", ca.getSubjectX500Principal().getName());
        assertEquals(ca.getSubjectX500Principal(), ca.getIssuerX500Principal());
        ca.verify(ca.getPublicKey());
        assertEquals(1, ca.getBasicConstraints());
        assertCaKeyUsage(ca);
        assertEquals(NOW.minus(Duration.ofMinutes(1)), ca.getNotBefore().toInstant());
        assertEquals(NOW.plus(Duration.ofDays(3652)), ca.getNotAfter().toInstant());
        assertArrayEquals(ski(ca), aki(ca));
        assertEquals("EC", ca.getPublicKey().getAlgorithm());
        assertEquals("SHA256withECDSA", ca.getSigAlgName());
    }

    @Test
    void workerCaIsAFiveYearIntermediateWithPathLenZero() throws Exception {
        X509Certificate ca = WORKER_CA.certificate();
        assertEquals("CN=Muster Worker CA prod-eu", ca.getSubjectX500Principal().getName());
        assertEquals(CLUSTER_CA.certificate().getSubjectX500Principal(), ca.getIssuerX500Principal());
        ca.verify(CLUSTER_CA.certificate().getPublicKey());
        assertEquals(0, ca.getBasicConstraints());
        assertCaKeyUsage(ca);
        assertEquals(NOW.plus(Duration.ofDays(1826)), ca.getNotAfter().toInstant());
        assertArrayEquals(ski(CLUSTER_CA.certificate()), aki(ca));
        assertFalse(java.util.Arrays.equals(ski(CLUSTER_CA.certificate()), ski(ca)));
    }

    @Test
    void workerCaNeverOutlivesTheClusterCa() {
        CertificateAuthority shortRoot = CertificateAuthorities.createClusterCa("c", NOW, Duration.ofDays(365));
        CertificateAuthority worker = CertificateAuthorities.createWorkerCa(shortRoot, "c", NOW);
        assertEquals(shortRoot.certificate().getNotAfter(), worker.certificate().getNotAfter());
    }

    @Test
    void refusesToIssueFromAnExpiredCa() {
        var e = assertThrows(IllegalStateException.class,
                () -> CertificateAuthorities.createWorkerCa(CLUSTER_CA, "prod-eu", NOW.plus(Duration.ofDays(4000))));
        assertTrue(e.getMessage().contains("expired"), e.getMessage());
    }

    @Test
    void toStringNeverShowsThePrivateKey() {
        String text = CLUSTER_CA.toString();
        assertTrue(text.contains("privateKey=<redacted>"), text);
        assertTrue(text.contains("CN=Muster Cluster CA prod-eu"), text);
        ECPrivateKey key = (ECPrivateKey) CLUSTER_CA.privateKey();
        assertFalse(text.contains(key.getS().toString(16)), text);
        assertFalse(text.contains(key.getS().toString()), text);
        assertFalse(text.contains(Base64.getEncoder().encodeToString(key.getEncoded()).substring(0, 40)), text);
    }

    @Test
    void refusesMismatchedKeyAndNonCaCertificates() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> new CertificateAuthority(CLUSTER_CA.certificate(), WORKER_CA.privateKey()));
        assertTrue(e.getMessage().contains("does not belong"), e.getMessage());

        TestPki pki = new TestPki();
        var notCa = assertThrows(IllegalArgumentException.class,
                () -> new CertificateAuthority(pki.workerLeaf, pki.workerKey.getPrivate()));
        assertTrue(notCa.getMessage().contains("is not a CA"), notCa.getMessage());
    }

    @Test
    void refusesInvalidClusterIds() {
        assertThrows(IllegalArgumentException.class, () -> CertificateAuthorities.createClusterCa("bad/id", NOW));
        assertThrows(IllegalArgumentException.class, () -> CertificateAuthorities.createClusterCa("", NOW));
    }

    private static void assertCaKeyUsage(X509Certificate ca) {
        boolean[] usage = ca.getKeyUsage();
        assertTrue(usage[5], "keyCertSign");
        assertTrue(usage[6], "cRLSign");
        assertFalse(usage[0], "digitalSignature");
        assertTrue(ca.getCriticalExtensionOIDs().contains(Extension.basicConstraints.getId()));
        assertTrue(ca.getCriticalExtensionOIDs().contains(Extension.keyUsage.getId()));
    }

    static byte[] ski(X509Certificate certificate) throws Exception {
        return SubjectKeyIdentifier.getInstance(JcaX509ExtensionUtils.parseExtensionValue(
                certificate.getExtensionValue(Extension.subjectKeyIdentifier.getId()))).getKeyIdentifier();
    }

    static byte[] aki(X509Certificate certificate) throws Exception {
        return AuthorityKeyIdentifier.getInstance(JcaX509ExtensionUtils.parseExtensionValue(
                certificate.getExtensionValue(Extension.authorityKeyIdentifier.getId()))).getKeyIdentifier();
    }
}
