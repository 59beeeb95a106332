package io.muster.pki.tls;

import static io.muster.pki.tls.Checks.reject;

import io.muster.pki.Identity;
import io.muster.pki.SpkiPin;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A worker's first contact with a server, when all it has is the cluster CA's SPKI pin from its join token.
 *
 * <p>The server must send its chain including the cluster CA. Accepted if some CA certificate in the chain (after the
 * leaf) has an SPKI whose SHA-256 equals the pin (constant-time comparison), is properly self-signed, and the leaf
 * then passes the same checks as {@link ClusterServerTrustManager} against that CA. Afterwards
 * {@link #pinnedCaCertificate()} returns the CA certificate so the worker can save it as {@code ca.pem} and use
 * {@link ClusterServerTrustManager} from then on. Hostnames are not checked, for the reasons given there.
 */
public final class PinnedServerTrustManager extends ServerVerifyingTrustManager {
    private final SpkiPin pin;
    private final String clusterId;
    private final Clock clock;
    private final AtomicReference<X509Certificate> pinnedCa = new AtomicReference<>();

    public PinnedServerTrustManager(SpkiPin pin, String clusterId, Clock clock) {
        this.pin = Objects.requireNonNull(pin, "pin");
        this.clusterId = Identity.requireClusterId(clusterId);
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * The cluster CA certificate from the last chain this trust manager accepted; empty until one was accepted.
     * A refused chain never sets it.
     */
    public Optional<X509Certificate> pinnedCaCertificate() {
        return Optional.ofNullable(pinnedCa.get());
    }

    /** Verifies a server chain against the pin and returns the server identity. */
    @Override
    public Identity verifyServer(X509Certificate[] chain) throws CertificateException {
        X509Certificate leaf = Checks.leafOf(chain);
        Instant now = clock.instant();
        if (chain.length < 2) {
            throw reject("pin mismatch", "server sent only its leaf " + Checks.describe(leaf)
                    + "; a server must send the cluster CA certificate with it so the CA pin " + pin + " can be checked");
        }
        X509Certificate ca = null;
        for (int i = 1; i < chain.length && ca == null; i++) {
            if (chain[i] != null && pin.matches(chain[i])) {
                ca = chain[i];
            }
        }
        if (ca == null) {
            throw reject("pin mismatch", "no certificate in the server's chain has the pinned cluster CA key " + pin
                    + " (wrong cluster, stale token, or an interception attempt)");
        }
        if (ca.getBasicConstraints() < 0 || !Checks.signedBy(ca, ca)) {
            // The key matches but the certificate around it was not made by the key's owner: refuse, so a forged
            // wrapper never gets saved as ca.pem.
            throw reject("pin mismatch", "the certificate carrying the pinned key, " + Checks.describe(ca)
                    + ", is not a self-signed CA certificate");
        }
        Identity identity = ClusterServerTrustManager.verifyServerLeaf(leaf, ca, clusterId, now);
        pinnedCa.set(ca);
        return identity;
    }

    /** Nothing is known to be trusted yet; this side never requests client certificates anyway. */
    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
    }
}
