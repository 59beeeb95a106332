package io.muster.pki.tls;

import static io.muster.pki.tls.Checks.reject;

import io.muster.pki.Identity;
import java.net.Socket;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.Objects;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The server side of mTLS: decides which client certificates a Muster server accepts.
 *
 * <p>Accepted: a worker leaf signed by the worker CA (carrying a {@code node} identity), or a server leaf signed by
 * the cluster CA (a {@code server} identity, for server-to-server calls). The leaf is verified directly against these
 * two CA certificates; any intermediates the client sends are ignored, so a client cannot introduce its own CA.
 * The leaf and its issuer must be valid at {@code clock}'s time, the leaf must be an end-entity certificate with the
 * clientAuth EKU, its identity must belong to the expected cluster, and {@link RevocationCheck} must not list it.
 *
 * <p>Each refusal is a {@link CertificateException} whose message starts with the reason: {@code unknown issuer},
 * {@code expired}, {@code not yet valid}, {@code not a client certificate}, {@code no identity},
 * {@code wrong cluster}, {@code wrong issuer}, {@code revoked}, {@code revocation check failed}.
 */
public final class WorkerClientTrustManager extends X509ExtendedTrustManager {
    private final X509Certificate workerCa;
    private final X509Certificate clusterCa;
    private final String clusterId;
    private final Clock clock;
    private final RevocationCheck revocation;

    public WorkerClientTrustManager(X509Certificate workerCa, X509Certificate clusterCa, String clusterId, Clock clock,
                                    RevocationCheck revocation) {
        this.workerCa = Objects.requireNonNull(workerCa, "workerCa");
        this.clusterCa = Objects.requireNonNull(clusterCa, "clusterCa");
        this.clusterId = Identity.requireClusterId(clusterId);
        this.clock = Objects.requireNonNull(clock, "clock");
        this.revocation = Objects.requireNonNull(revocation, "revocation");
    }

    /**
     * Verifies a client chain and returns the identity it proves. The JSSE entry points call this; it is public so
     * that gRPC interceptors (or tests) can re-derive the identity of an established session's peer.
     */
    public Identity verifyClient(X509Certificate[] chain) throws CertificateException {
        X509Certificate leaf = Checks.leafOf(chain);
        Instant now = clock.instant();
        X509Certificate issuer;
        String issuerRole;
        Identity.Kind expectedKind;
        if (Checks.signedBy(leaf, workerCa)) {
            issuer = workerCa;
            issuerRole = "worker CA";
            expectedKind = Identity.Kind.NODE;
        } else if (Checks.signedBy(leaf, clusterCa)) {
            issuer = clusterCa;
            issuerRole = "cluster CA";
            expectedKind = Identity.Kind.SERVER;
        } else {
            throw reject("unknown issuer", "client certificate " + Checks.describe(leaf) + " issued by '"
                    + leaf.getIssuerX500Principal().getName() + "' was not signed by the worker CA or the cluster CA");
        }
        Checks.requireValidAt(leaf, now, "client certificate");
        Checks.requireValidAt(issuer, now, issuerRole);
        Checks.requireEndEntity(leaf, "client certificate", "client");
        Checks.requireUsage(leaf, Checks.CLIENT_AUTH, "client certificate", "client");
        Identity identity = Checks.requireIdentity(leaf, clusterId, "client certificate");
        if (identity.kind() != expectedKind) {
            // The worker CA only vouches for nodes and the cluster CA only for servers; a cross-over means misuse of a CA key.
            throw reject("wrong issuer", "identity " + identity + " must be issued by the "
                    + (identity.kind() == Identity.Kind.NODE ? "worker CA" : "cluster CA") + " but was signed by the " + issuerRole);
        }
        boolean revoked;
        try {
            revoked = revocation.isRevoked(identity, leaf.getSerialNumber());
        } catch (RuntimeException e) {
            throw new CertificateException("revocation check failed: could not check " + identity + ", refusing", e);
        }
        if (revoked) {
            CertificateException e = reject("revoked", "client certificate " + Checks.describe(leaf) + " for " + identity
                    + " has been revoked");
            // With this cause TLS stacks answer the certificate_revoked alert instead of a generic one, so that the
            // worker at the other end can tell "you were revoked" from a transient failure and stop retrying.
            e.initCause(new CertPathValidatorException(e.getMessage(), null, null, -1,
                    CertPathValidatorException.BasicReason.REVOKED));
            throw e;
        }
        return identity;
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        verifyClient(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        verifyClient(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        verifyClient(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw serverSideOnly();
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        throw serverSideOnly();
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        throw serverSideOnly();
    }

    /** The worker CA and the cluster CA, sent in the CertificateRequest so clients pick a matching certificate. */
    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[] {workerCa, clusterCa};
    }

    private static CertificateException serverSideOnly() {
        return new CertificateException("WorkerClientTrustManager verifies client certificates only; use ClusterServerTrustManager to verify servers");
    }
}
