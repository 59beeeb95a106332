package io.muster.pki;

import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;

/**
 * Creates Muster's two-level CA hierarchy. The self-signed <em>cluster CA</em> signs server certificates and the
 * <em>worker CA</em>; the worker CA signs only worker (node) certificates. Keeping workers under their own
 * intermediate lets servers rotate or distrust it without touching server identities.
 */
public final class CertificateAuthorities {
    public static final Duration CLUSTER_CA_VALIDITY = Duration.ofDays(3652);
    public static final Duration WORKER_CA_VALIDITY = Duration.ofDays(1826);

    private CertificateAuthorities() {}

    public static String clusterCaCommonName(String clusterId) {
        return "Muster Cluster CA " + Identity.requireClusterId(clusterId);
    }

    public static String workerCaCommonName(String clusterId) {
        return "Muster Worker CA " + Identity.requireClusterId(clusterId);
    }

    /** A new self-signed cluster CA with a fresh P-256 key, valid for {@link #CLUSTER_CA_VALIDITY}. */
    public static CertificateAuthority createClusterCa(String clusterId, Instant now) {
        return createClusterCa(clusterId, now, CLUSTER_CA_VALIDITY);
    }

    public static CertificateAuthority createClusterCa(String clusterId, Instant now, Duration validity) {
        KeyPair key = Keys.generateP256();
        Validity window = Validity.of(now, validity);
        var certificate = CertificateBuilder
                .selfSigned(CertificateBuilder.commonName(clusterCaCommonName(clusterId)), key.getPublic(),
                        window.notBefore(), window.notAfter())
                // pathLen 1: the cluster CA may sign the worker CA, which may sign only leaves.
                .add(Extension.basicConstraints, true, new BasicConstraints(1))
                .add(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                .sign(key.getPrivate());
        return new CertificateAuthority(certificate, key.getPrivate());
    }

    /** A new worker CA signed by the cluster CA, valid for {@link #WORKER_CA_VALIDITY} (capped at the cluster CA's expiry). */
    public static CertificateAuthority createWorkerCa(CertificateAuthority clusterCa, String clusterId, Instant now) {
        return createWorkerCa(clusterCa, clusterId, now, WORKER_CA_VALIDITY);
    }

    public static CertificateAuthority createWorkerCa(CertificateAuthority clusterCa, String clusterId, Instant now,
                                                      Duration validity) {
        KeyPair key = Keys.generateP256();
        Validity window = Validity.issuedBy(clusterCa.certificate(), now, validity);
        var certificate = CertificateBuilder
                .issuedBy(clusterCa.certificate(), CertificateBuilder.commonName(workerCaCommonName(clusterId)),
                        key.getPublic(), window.notBefore(), window.notAfter())
                // pathLen 0: a stolen worker CA key can mint worker leaves, never another CA.
                .add(Extension.basicConstraints, true, new BasicConstraints(0))
                .add(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                .sign(clusterCa.privateKey());
        return new CertificateAuthority(certificate, key.getPrivate());
    }

    /**
     * A self-signed worker CA, for clusters whose cluster CA key stays with the operator (the {@code tls:} block): only
     * servers trust it (they check worker leaves against it); workers trust servers through the operator's CA.
     */
    public static CertificateAuthority createStandaloneWorkerCa(String clusterId, Instant now) {
        KeyPair key = Keys.generateP256();
        Validity window = Validity.of(now, WORKER_CA_VALIDITY);
        var certificate = CertificateBuilder
                .selfSigned(CertificateBuilder.commonName(workerCaCommonName(clusterId)), key.getPublic(),
                        window.notBefore(), window.notAfter())
                .add(Extension.basicConstraints, true, new BasicConstraints(0))
                .add(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                .sign(key.getPrivate());
        return new CertificateAuthority(certificate, key.getPrivate());
    }
}
