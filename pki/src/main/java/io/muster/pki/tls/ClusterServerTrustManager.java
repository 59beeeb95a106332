package io.muster.pki.tls;

import static io.muster.pki.tls.Checks.reject;

import io.muster.pki.Identity;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.Objects;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Client side of TLS (workers, CLI, other servers): accepts a server only if its leaf is signed by the cluster CA,
 * is valid now, has the serverAuth EKU and carries a {@code muster://<cluster>/server/<id>} identity of the
 * expected cluster. A worker certificate never passes: it is signed by the worker CA, has no serverAuth and names a
 * node.
 *
 * <p>The hostname is deliberately not checked. Workers reach servers through addresses that change (IPs, load
 * balancers, NAT, service discovery), and a server's certificate could not list them all. What matters is that the
 * peer holds a key the cluster CA certified for a server of this cluster, and that is what the SAN identity proves;
 * the CA only ever issues server certificates to Muster servers. Being an {@link X509ExtendedTrustManager}, this class
 * also stops the JDK from adding its own endpoint identification.
 */
public final class ClusterServerTrustManager extends ServerVerifyingTrustManager {
    private final X509Certificate clusterCa;
    private final String clusterId;
    private final Clock clock;

    public ClusterServerTrustManager(X509Certificate clusterCa, String clusterId, Clock clock) {
        this.clusterCa = Objects.requireNonNull(clusterCa, "clusterCa");
        this.clusterId = Identity.requireClusterId(clusterId);
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public Identity verifyServer(X509Certificate[] chain) throws CertificateException {
        return verifyServerLeaf(Checks.leafOf(chain), clusterCa, clusterId, clock.instant());
    }

    /** The server leaf checks, against a given cluster CA certificate; shared with {@link PinnedServerTrustManager}. */
    static Identity verifyServerLeaf(X509Certificate leaf, X509Certificate clusterCa, String clusterId, Instant now)
            throws CertificateException {
        if (!Checks.signedBy(leaf, clusterCa)) {
            throw reject("unknown issuer", "server certificate " + Checks.describe(leaf) + " issued by '"
                    + leaf.getIssuerX500Principal().getName() + "' was not signed by the cluster CA '"
                    + clusterCa.getSubjectX500Principal().getName() + "'");
        }
        Checks.requireValidAt(leaf, now, "server certificate");
        Checks.requireValidAt(clusterCa, now, "cluster CA");
        Checks.requireEndEntity(leaf, "server certificate", "server");
        Checks.requireUsage(leaf, Checks.SERVER_AUTH, "server certificate", "server");
        Identity identity = Checks.requireIdentity(leaf, clusterId, "server certificate");
        if (identity.kind() != Identity.Kind.SERVER) {
            throw reject("not a server certificate", "certificate " + Checks.describe(leaf) + " identifies " + identity
                    + ", which is not a server");
        }
        return identity;
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[] {clusterCa};
    }
}
