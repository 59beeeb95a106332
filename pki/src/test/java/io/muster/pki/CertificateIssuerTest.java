package io.muster.pki;

import static io.muster.pki.TestPki.NOW;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.junit.jupiter.api.Test;

class CertificateIssuerTest {
    private static final TestPki PKI = new TestPki();
    private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
    private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";

    @Test
    void workerLeafBindsClusterAndNodeId() throws Exception {
        X509Certificate leaf = PKI.workerLeaf;
        leaf.verify(PKI.workerCa.certificate().getPublicKey());
        assertEquals("CN=node-42", leaf.getSubjectX500Principal().getName());
        assertEquals(Set.of(List.of(6, "muster://prod-eu/node/42")), new HashSet<>(leaf.getSubjectAlternativeNames()));
        assertEquals(new Identity("prod-eu", Identity.Kind.NODE, "42"), Identity.require(leaf));
        assertEquals(42L, Identity.require(leaf).nodeId());
        assertEquals(List.of(CLIENT_AUTH), leaf.getExtendedKeyUsage());
        assertArrayEquals(new boolean[] {true, false, false, false, false, false, false, false, false}, leaf.getKeyUsage());
        assertEquals(-1, leaf.getBasicConstraints());
        assertArrayEquals(CertificateAuthoritiesTest.ski(PKI.workerCa.certificate()), CertificateAuthoritiesTest.aki(leaf));
        assertArrayEquals(PKI.workerKey.getPublic().getEncoded(), leaf.getPublicKey().getEncoded());
    }

    @Test
    void workerLeafValidityIsBackdatedAndConfigurable() {
        Instant now = NOW.plusMillis(789);
        X509Certificate leaf = CertificateIssuer.issueWorkerLeaf(PKI.workerCa, "prod-eu", 7,
                PKI.workerKey.getPublic(), now, Duration.ofHours(5));
        assertEquals(NOW.minus(Duration.ofMinutes(1)), leaf.getNotBefore().toInstant());
        assertEquals(NOW.plus(Duration.ofHours(5)), leaf.getNotAfter().toInstant());
    }

    @Test
    void leafLifetimeIsCappedAtTheIssuersExpiry() {
        X509Certificate leaf = CertificateIssuer.issueWorkerLeaf(PKI.workerCa, "prod-eu", 7,
                PKI.workerKey.getPublic(), NOW, Duration.ofDays(100_000));
        assertEquals(PKI.workerCa.certificate().getNotAfter(), leaf.getNotAfter());
    }

    @Test
    void serialsAreRandomPositiveAndAtMost128Bits() {
        Set<BigInteger> seen = new HashSet<>();
        for (int i = 0; i < 20; i++) {
            BigInteger serial = CertificateIssuer.issueWorkerLeaf(PKI.workerCa, "prod-eu", i,
                    PKI.workerKey.getPublic(), NOW, Duration.ofHours(1)).getSerialNumber();
            assertEquals(1, serial.signum());
            assertTrue(serial.bitLength() <= 128);
            assertTrue(seen.add(serial), "serial repeated");
        }
        assertTrue(seen.stream().anyMatch(s -> s.bitLength() > 120), "serials should use the full 128 bits");
    }

    @Test
    void serverLeafCarriesIdentityDnsAndIpSans() throws Exception {
        X509Certificate leaf = CertificateIssuer.issueServerLeaf(PKI.clusterCa, "prod-eu", "s-1.a",
                PKI.serverKey.getPublic(), List.of("muster-1.example.com", "Localhost.", "10.0.0.7", "[::1]", "fd00::2"),
                NOW, Duration.ofDays(30));
        leaf.verify(PKI.clusterCa.certificate().getPublicKey());
        assertEquals("CN=server-s-1.a", leaf.getSubjectX500Principal().getName());
        assertEquals(Set.of(
                List.of(6, "muster://prod-eu/server/s-1.a"),
                List.of(2, "muster-1.example.com"),
                List.of(2, "localhost"),
                List.of(7, "10.0.0.7"),
                List.of(7, "0:0:0:0:0:0:0:1"),
                List.of(7, "fd00:0:0:0:0:0:0:2")), new HashSet<>(leaf.getSubjectAlternativeNames()));
        assertEquals(List.of(SERVER_AUTH, CLIENT_AUTH), leaf.getExtendedKeyUsage());
        assertEquals(Identity.server("prod-eu", "s-1.a"), Identity.require(leaf));
        assertEquals(-1, leaf.getBasicConstraints());
    }

    @Test
    void refusesBadHostEntries() {
        for (String host : List.of("", "bad host", "-x.example", "10.0.0.256", "a..b", "fe80::1%eth0", "x".repeat(64) + ".com")) {
            var e = assertThrows(IllegalArgumentException.class, () -> CertificateIssuer.issueServerLeaf(PKI.clusterCa,
                    "prod-eu", "s1", PKI.serverKey.getPublic(), List.of(host), NOW, Duration.ofDays(1)), host);
            assertFalse(e.getMessage().isEmpty());
        }
    }

    @Test
    void refusesInvalidIdsLifetimesAndWeakKeys() throws Exception {
        assertThrows(IllegalArgumentException.class, () -> CertificateIssuer.issueWorkerLeaf(PKI.workerCa, "prod-eu", -1,
                PKI.workerKey.getPublic(), NOW, Duration.ofDays(1)));
        assertThrows(IllegalArgumentException.class, () -> CertificateIssuer.issueWorkerLeaf(PKI.workerCa, "a/b", 1,
                PKI.workerKey.getPublic(), NOW, Duration.ofDays(1)));
        assertThrows(IllegalArgumentException.class, () -> CertificateIssuer.issueServerLeaf(PKI.clusterCa, "prod-eu",
                "../x", PKI.serverKey.getPublic(), List.of(), NOW, Duration.ofDays(1)));
        assertThrows(IllegalArgumentException.class, () -> CertificateIssuer.issueWorkerLeaf(PKI.workerCa, "prod-eu", 1,
                PKI.workerKey.getPublic(), NOW, Duration.ZERO));

        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(1024);
        var weak = assertThrows(IllegalArgumentException.class, () -> CertificateIssuer.issueWorkerLeaf(PKI.workerCa,
                "prod-eu", 1, rsa.generateKeyPair().getPublic(), NOW, Duration.ofDays(1)));
        assertTrue(weak.getMessage().contains("weak key"), weak.getMessage());
    }

    @Test
    void refusesToIssueBeforeTheCaIsValid() {
        var e = assertThrows(IllegalStateException.class, () -> CertificateIssuer.issueWorkerLeaf(PKI.workerCa,
                "prod-eu", 1, PKI.workerKey.getPublic(), NOW.minus(Duration.ofDays(365)), Duration.ofDays(1)));
        assertTrue(e.getMessage().contains("not valid until"), e.getMessage());
    }

    @Test
    void identityIsEmptyWithoutAMusterSanAndAnErrorWhenAmbiguousOrMalformed() throws Exception {
        var key = Keys.generateP256().getPublic();
        var ca = PKI.clusterCa;
        X509Certificate none = TestPki.customLeaf(ca.certificate(), ca.privateKey(), key, null,
                new KeyPurposeId[] {KeyPurposeId.id_kp_clientAuth}, false);
        assertTrue(Identity.fromCertificate(none).isEmpty());
        var missing = assertThrows(java.security.cert.CertificateException.class, () -> Identity.require(none));
        assertTrue(missing.getMessage().contains("has no muster:// identity"), missing.getMessage());

        X509Certificate other = TestPki.customLeaf(ca.certificate(), ca.privateKey(), key, "spiffe://prod-eu/x",
                new KeyPurposeId[] {KeyPurposeId.id_kp_clientAuth}, false);
        assertTrue(Identity.fromCertificate(other).isEmpty());

        X509Certificate malformed = TestPki.customLeaf(ca.certificate(), ca.privateKey(), key, "muster://prod-eu/node/007",
                new KeyPurposeId[] {KeyPurposeId.id_kp_clientAuth}, false);
        var bad = assertThrows(java.security.cert.CertificateException.class, () -> Identity.fromCertificate(malformed));
        assertTrue(bad.getMessage().contains("malformed identity"), bad.getMessage());
    }
}
