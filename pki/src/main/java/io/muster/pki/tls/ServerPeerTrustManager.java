package io.muster.pki.tls;

import io.muster.pki.Identity;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Objects;
import java.util.function.Supplier;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Both sides of server-to-server TLS (Raft, internal services): the peer must present a leaf signed directly by the
 * cluster CA, valid now, with serverAuth and clientAuth, naming {@code muster://<cluster>/server/<id>} of this
 * cluster. A worker certificate (worker CA, clientAuth only, a node identity) or any other CA's certificate fails
 * the handshake. Which server ids are members is checked after the handshake, per call, by the Raft gate.
 *
 * <p>The cluster CA comes from a supplier: a joining server builds its TLS configuration before it has fetched
 * the CA certificate; until then every handshake fails.
 */
public final class ServerPeerTrustManager extends X509ExtendedTrustManager {
    private final Supplier<X509Certificate> clusterCa;
    private final String clusterId;
    private final Clock clock;

    public ServerPeerTrustManager(Supplier<X509Certificate> clusterCa, String clusterId, Clock clock) {
        this.clusterCa = Objects.requireNonNull(clusterCa, "clusterCa");
        this.clusterId = Identity.requireClusterId(clusterId);
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Verifies a server's chain, from whichever side of the connection it came. */
    public Identity verify(X509Certificate[] chain) throws CertificateException {
        X509Certificate ca = clusterCa.get();
        if (ca == null) throw Checks.reject("not ready", "this server has no cluster CA certificate yet");
        X509Certificate leaf = Checks.leafOf(chain);
        Identity identity = ClusterServerTrustManager.verifyServerLeaf(leaf, ca, clusterId, clock.instant());
        Checks.requireUsage(leaf, Checks.CLIENT_AUTH, "server certificate", "server");
        return identity;
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        verify(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        verify(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        verify(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        verify(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        verify(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        verify(chain);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        X509Certificate ca = clusterCa.get();
        return ca == null ? new X509Certificate[0] : new X509Certificate[] {ca};
    }
}
