package io.muster.worker.identity;

import io.muster.pki.Identity;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What a registered worker authenticates with: its private key, its leaf certificate (node identity
 * {@code muster://<cluster>/node/<id>}), and the cluster's CA certificates. Only {@link #verify} makes one, so an
 * instance is always consistent: the key belongs to the leaf, the leaf was issued by the worker CA, the worker CA by
 * the cluster CA. {@link #toString()} never shows the key.
 *
 * @param certificateChain the leaf first, then whatever intermediates the server sent with it
 */
public record WorkerIdentity(String clusterId, long nodeId, PrivateKey privateKey,
                             List<X509Certificate> certificateChain, X509Certificate clusterCa,
                             X509Certificate workerCa) {

    private static final byte[] PROBE = "muster-worker-key-check".getBytes(StandardCharsets.US_ASCII);

    public WorkerIdentity {
        Objects.requireNonNull(privateKey, "privateKey");
        certificateChain = List.copyOf(certificateChain);
        Objects.requireNonNull(clusterCa, "clusterCa");
        Objects.requireNonNull(workerCa, "workerCa");
    }

    public X509Certificate leaf() {
        return certificateChain.get(0);
    }

    public Instant notBefore() {
        return leaf().getNotBefore().toInstant();
    }

    public Instant notAfter() {
        return leaf().getNotAfter().toInstant();
    }

    public Duration lifetime() {
        return Duration.between(notBefore(), notAfter());
    }

    /** The chain to present in TLS: the leaf and the worker CA (servers verify against their own CA copies). */
    public List<X509Certificate> presentedChain() {
        List<X509Certificate> chain = new ArrayList<>(certificateChain);
        if (!chain.contains(workerCa)) {
            chain.add(workerCa);
        }
        return chain;
    }

    /** {@code ca.pem}'s content: the cluster CA, then the worker CA. */
    public List<X509Certificate> caBundle() {
        return List.of(clusterCa, workerCa);
    }

    public String serialHex() {
        return leaf().getSerialNumber().toString(16);
    }

    /**
     * Checks that the pieces form a usable worker identity and returns it.
     *
     * @param expectedClusterId the cluster the leaf must belong to, or null to take it from the leaf
     * @param expectedNodeId the node id the leaf must name, or a negative number for any
     * @param expectedClusterCa the cluster CA the bundle must contain, or null to take the bundle's self-signed CA
     * @param now the leaf must be valid at this instant
     */
    public static WorkerIdentity verify(PrivateKey key, List<X509Certificate> chain, List<X509Certificate> caBundle,
                                        String expectedClusterId, long expectedNodeId,
                                        X509Certificate expectedClusterCa, Instant now) throws IdentityException {
        if (chain.isEmpty()) {
            throw new IdentityException("no certificate");
        }
        X509Certificate leaf = chain.get(0);
        String subject = leaf.getSubjectX500Principal().getName();
        if (!keyMatches(key, leaf.getPublicKey())) {
            throw new IdentityException("the private key does not belong to certificate " + subject);
        }
        Identity identity;
        try {
            identity = Identity.require(leaf);
        } catch (CertificateException e) {
            throw new IdentityException(e.getMessage(), e);
        }
        if (identity.kind() != Identity.Kind.NODE) {
            throw new IdentityException("certificate " + subject + " identifies " + identity + ", not a worker node");
        }
        if (expectedClusterId != null && !expectedClusterId.equals(identity.clusterId())) {
            throw new IdentityException("certificate " + subject + " belongs to cluster '" + identity.clusterId()
                    + "', expected '" + expectedClusterId + "'");
        }
        if (expectedNodeId >= 0 && identity.nodeId() != expectedNodeId) {
            throw new IdentityException("certificate " + subject + " names node " + identity.nodeId()
                    + ", expected node " + expectedNodeId);
        }
        X509Certificate clusterCa = expectedClusterCa;
        if (clusterCa == null) {
            clusterCa = caBundle.stream().filter(WorkerIdentity::selfSignedCa).findFirst().orElseThrow(() ->
                    new IdentityException("the CA bundle has no self-signed cluster CA certificate"));
        } else if (!caBundle.contains(clusterCa)) {
            throw new IdentityException("the CA bundle does not contain the cluster CA "
                    + clusterCa.getSubjectX500Principal().getName() + " this worker trusts");
        }
        X509Certificate workerCa = null;
        for (X509Certificate candidate : caBundle) {
            if (candidate.getBasicConstraints() >= 0 && !candidate.equals(clusterCa)
                    && signedBy(leaf, candidate) && signedBy(candidate, clusterCa)) {
                workerCa = candidate;
                break;
            }
        }
        if (workerCa == null) {
            throw new IdentityException("certificate " + subject + " was not issued by a worker CA of cluster CA "
                    + clusterCa.getSubjectX500Principal().getName());
        }
        Instant notAfter = leaf.getNotAfter().toInstant();
        if (now.isAfter(notAfter)) {
            throw new IdentityException("certificate " + subject + " expired at " + notAfter);
        }
        if (now.isBefore(leaf.getNotBefore().toInstant())) {
            throw new IdentityException("certificate " + subject + " is not valid before " + leaf.getNotBefore().toInstant()
                    + " (is this machine's clock right?)");
        }
        return new WorkerIdentity(identity.clusterId(), identity.nodeId(), key, chain, clusterCa, workerCa);
    }

    /** Possession check by signing: works for every key type and never exposes key material. */
    static boolean keyMatches(PrivateKey key, PublicKey publicKey) {
        if (!key.getAlgorithm().equals(publicKey.getAlgorithm())) {
            return false;
        }
        String algorithm = "EC".equals(key.getAlgorithm()) ? "SHA256withECDSA" : "SHA256withRSA";
        try {
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(PROBE);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(PROBE);
            return verifier.verify(signature);
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    static boolean signedBy(X509Certificate certificate, X509Certificate issuer) {
        if (!certificate.getIssuerX500Principal().equals(issuer.getSubjectX500Principal())) {
            return false;
        }
        try {
            certificate.verify(issuer.getPublicKey());
            return true;
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    static boolean selfSignedCa(X509Certificate certificate) {
        return certificate.getBasicConstraints() >= 0 && signedBy(certificate, certificate);
    }

    @Override
    public String toString() {
        return "WorkerIdentity[node " + nodeId + " of cluster " + clusterId + ", serial " + serialHex()
                + ", valid until " + notAfter() + ", privateKey=<redacted>]";
    }
}
