package io.muster.pki;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** A complete, deterministic-in-time PKI for tests: one cluster with its CAs and a worker and a server leaf. */
public final class TestPki {
    public static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");
    public static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    public static final String CLUSTER = "prod-eu";
    public static final Duration LEAF_LIFETIME = Duration.ofDays(3);

    public final String clusterId;
    public final CertificateAuthority clusterCa;
    public final CertificateAuthority workerCa;
    public final KeyPair workerKey = Keys.generateP256();
    public final X509Certificate workerLeaf;
    public final KeyPair serverKey = Keys.generateP256();
    public final X509Certificate serverLeaf;

    public TestPki() {
        this(CLUSTER);
    }

    public TestPki(String clusterId) {
        this.clusterId = clusterId;
        clusterCa = CertificateAuthorities.createClusterCa(clusterId, NOW.minus(Duration.ofDays(30)));
        workerCa = CertificateAuthorities.createWorkerCa(clusterCa, clusterId, NOW.minus(Duration.ofDays(30)));
        workerLeaf = CertificateIssuer.issueWorkerLeaf(workerCa, clusterId, 42, workerKey.getPublic(), NOW, LEAF_LIFETIME);
        serverLeaf = CertificateIssuer.issueServerLeaf(clusterCa, clusterId, "s1", serverKey.getPublic(),
                List.of("localhost", "127.0.0.1"), NOW, LEAF_LIFETIME);
    }

    public X509Certificate[] workerChain() {
        return new X509Certificate[] {workerLeaf, workerCa.certificate()};
    }

    public X509Certificate[] serverChain() {
        return new X509Certificate[] {serverLeaf, clusterCa.certificate()};
    }

    public static Clock clockAt(Instant instant) {
        return Clock.fixed(instant, ZoneOffset.UTC);
    }

    /**
     * Hand-built end-entity certificate for shapes the production issuer refuses to make (wrong EKU, odd SANs,
     * critical extensions...).
     */
    public static X509Certificate customLeaf(X509Certificate issuer, PrivateKey issuerKey, PublicKey subjectKey,
                                             String uri, KeyPurposeId[] purposes, boolean ca) throws Exception {
        var builder = new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(7), Date.from(NOW.minusSeconds(60)),
                Date.from(NOW.plus(Duration.ofDays(1))), new X500Name("CN=custom"), subjectKey);
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
        builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | (ca ? KeyUsage.keyCertSign : 0)));
        if (purposes != null) {
            builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purposes));
        }
        if (uri != null) {
            builder.addExtension(Extension.subjectAlternativeName, false,
                    new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, uri)));
        }
        return new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey)));
    }
}
