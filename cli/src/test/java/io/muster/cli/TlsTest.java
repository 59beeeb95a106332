package io.muster.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.muster.pki.CertificateAuthorities;
import io.muster.pki.CertificateAuthority;
import io.muster.pki.CertificateIssuer;
import io.muster.pki.Keys;
import io.muster.pki.pem.Pem;
import java.math.BigInteger;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTPS with only the cluster CA trusted: a server certificate with no DNS or IP name works (host names are not
 * what identifies a Muster server), while another CA or a certificate without a server identity is refused.
 */
class TlsTest {
    static final Instant NOW = Instant.now();
    static CertificateAuthority clusterCa;
    @TempDir
    static Path dir;
    static Path caPem;

    @BeforeAll
    static void pki() throws Exception {
        clusterCa = CertificateAuthorities.createClusterCa("c-test", NOW);
        caPem = dir.resolve("ca.pem");
        Pem.writeCertificate(caPem, clusterCa.certificate());
    }

    static SSLContext serving(PrivateKey key, List<X509Certificate> chain) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("k", key, "pw".toCharArray(), chain.toArray(X509Certificate[]::new));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, "pw".toCharArray());
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        return ctx;
    }

    /** A real server leaf, with no host names at all. */
    static SSLContext serverIdentity() throws Exception {
        KeyPair kp = Keys.generateP256();
        X509Certificate leaf = CertificateIssuer.issueServerLeaf(clusterCa, "c-test", "1", kp.getPublic(), List.of(), NOW, Duration.ofDays(1));
        return serving(kp.getPrivate(), List.of(leaf, clusterCa.certificate()));
    }

    @Test
    void clusterCaAndServerIdentityAreEnough() throws Exception {
        try (FakeApi api = FakeApi.https(serverIdentity())) {
            api.ok("GET", "/v1/cluster/status", ClusterCommandsTest.STATUS);
            Run r = Run.muster(Map.of("MUSTER_ADDR", api.url(), "MUSTER_CACERT", caPem.toString(), "MUSTER_ACL_TOKEN", "t"), "cluster", "status");
            assertEquals(0, r.code(), r::toString);
            assertEquals("t", api.only().header("X-Muster-Token"));
            // A bare host:port means https when a CA is given.
            Run bare = Run.muster(Map.of(), "-a", api.url().substring("https://".length()), "--ca-cert", caPem.toString(), "cluster", "status");
            assertEquals(0, bare.code(), bare::toString);
        }
    }

    @Test
    void anotherClustersCaIsRefused() throws Exception {
        CertificateAuthority other = CertificateAuthorities.createClusterCa("c-other", NOW);
        Path otherPem = dir.resolve("other.pem");
        Pem.writeCertificate(otherPem, other.certificate());
        try (FakeApi api = FakeApi.https(serverIdentity())) {
            api.ok("GET", "/v1/cluster/status", ClusterCommandsTest.STATUS);
            Run r = Run.muster(Map.of("MUSTER_ADDR", api.url(), "MUSTER_CACERT", otherPem.toString()), "cluster", "status");
            assertEquals(1, r.code(), r::toString);
            assertTrue(r.errLine().startsWith("Error: TLS with " + api.url() + " failed: "), r::toString);
            assertTrue(api.requests.isEmpty());
        }
    }

    @Test
    void aCertificateWithoutServerIdentityIsRefused() throws Exception {
        // Signed by the cluster CA and valid for serverAuth, but it names a node, not a server.
        KeyPair kp = Keys.generateP256();
        X509Certificate impostor = new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(
                new X500Name(clusterCa.certificate().getSubjectX500Principal().getName()), BigInteger.valueOf(77),
                Date.from(NOW.minusSeconds(60)), Date.from(NOW.plusSeconds(3600)), new X500Name("CN=node-5"), kp.getPublic())
                .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth))
                .addExtension(Extension.subjectAlternativeName, false,
                        new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, "muster://c-test/node/5")))
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(clusterCa.privateKey())));
        try (FakeApi api = FakeApi.https(serving(kp.getPrivate(), List.of(impostor, clusterCa.certificate())))) {
            api.ok("GET", "/v1/cluster/status", ClusterCommandsTest.STATUS);
            Run r = Run.muster(Map.of("MUSTER_ADDR", api.url(), "MUSTER_CACERT", caPem.toString()), "cluster", "status");
            assertEquals(1, r.code(), r::toString);
            assertTrue(r.errLine().contains("has no muster://<cluster>/server/<id> identity"), r::toString);
            assertTrue(api.requests.isEmpty());
        }
    }

    @Test
    void neverFollowsARedirectFromHttpsToHttp() throws Exception {
        try (FakeApi api = FakeApi.https(serverIdentity()); FakeApi plain = FakeApi.http()) {
            api.on("POST", "/v1/acl/bootstrap", new FakeApi.Reply(307, "", Map.of("Location", plain.url() + "/v1/acl/bootstrap")));
            Run r = Run.muster(Map.of("MUSTER_ADDR", api.url(), "MUSTER_CACERT", caPem.toString(), "MUSTER_ACL_TOKEN", "secret"), "acl", "bootstrap");
            assertEquals(1, r.code(), r::toString);
            assertTrue(r.errLine().contains("refusing to follow a redirect"), r::toString);
            assertTrue(plain.requests.isEmpty(), "the token never went out in clear text");
        }
    }

    @Test
    void unreadableCaFileIsOneLine() {
        Run r = Run.muster(Map.of("MUSTER_ADDR", "https://127.0.0.1:1", "MUSTER_CACERT", dir.resolve("missing.pem").toString()), "cluster", "status");
        assertEquals(1, r.code(), r::toString);
        assertTrue(r.errLine().contains("cannot use the CA certificate") && r.errLine().contains("does not exist"), r::toString);
    }
}
