package io.muster.server;

import io.muster.pki.CertificateAuthority;
import io.muster.pki.CertificateIssuer;
import io.muster.pki.Keys;
import io.muster.pki.Secrets;
import io.muster.pki.SpkiPin;
import io.muster.pki.pem.AtomicFiles;
import io.muster.pki.pem.Pem;
import io.muster.server.state.ClusterState;
import io.muster.server.state.Records.ClusterIdentity;
import io.muster.server.state.StateListener;
import io.muster.types.config.Peer;
import io.muster.types.config.ServerConfig;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This server's view of the cluster PKI: the CA material from the replicated state, decoded once, and
 * this server's own serving certificate (issued locally from the cluster CA, never replicated). Writes
 * the cluster CA certificate — public part only — to {@code <data_dir>/ca.pem} for operators.
 */
public final class ServerSecurity {
    private static final Logger LOG = LoggerFactory.getLogger(ServerSecurity.class);

    /** Decoded CA material plus this server's serving identity. {@code toString} never shows keys. */
    public record Material(String clusterId, CertificateAuthority clusterCa, CertificateAuthority workerCa, byte[] tokenKey,
                           PrivateKey serverKey, X509Certificate serverCert, SpkiPin caPin) {
        public List<X509Certificate> serverChain() {
            return List.of(serverCert, clusterCa.certificate());
        }

        public String caBundlePem() {
            return Pem.encodeCertificates(List.of(clusterCa.certificate(), workerCa.certificate()));
        }

        @Override
        public String toString() {
            return "Material[" + clusterId + "]";
        }
    }

    private final ServerConfig config;
    private final ClusterState state;
    private final Clock clock;
    private final CompletableFuture<Material> ready = new CompletableFuture<>();

    public ServerSecurity(ServerConfig config, ClusterState state, Clock clock) {
        this.config = config;
        this.state = state;
        this.clock = clock;
        state.addListener(new StateListener() {
            @Override
            public void applied(long index) {
                if (!ready.isDone() && state.identity().isPresent()) build();
            }

            @Override
            public void restored() {
                if (!ready.isDone() && state.identity().isPresent()) build();
            }
        });
        if (state.identity().isPresent()) build();
    }

    /** Completes once the cluster identity exists (the first leader created it) and this server has its certificate. */
    public CompletableFuture<Material> ready() {
        return ready;
    }

    public Optional<Material> material() {
        return Optional.ofNullable(ready.getNow(null));
    }

    private synchronized void build() {
        if (ready.isDone()) return;
        ClusterIdentity id = state.identity().orElseThrow();
        try {
            X509Certificate clusterCert = certificate(id.clusterCaCertDer());
            X509Certificate workerCert = certificate(id.workerCaCertDer());
            CertificateAuthority clusterCa = new CertificateAuthority(clusterCert, privateKey(id.clusterCaKeyPkcs8()));
            CertificateAuthority workerCa = new CertificateAuthority(workerCert, privateKey(id.workerCaKeyPkcs8()));
            KeyPair serverKey = Keys.generateP256();
            X509Certificate serverCert = CertificateIssuer.issueServerLeaf(clusterCa, id.clusterId(), Integer.toString(config.serverId()),
                    serverKey.getPublic(), hosts(), clock.instant(), CertificateIssuer.DEFAULT_SERVER_LIFETIME);
            Material m = new Material(id.clusterId(), clusterCa, workerCa, id.tokenHmacKey(), serverKey.getPrivate(), serverCert,
                    SpkiPin.of(clusterCert));
            AtomicFiles.write(config.dataDir().resolve("ca.pem"), Pem.encodeCertificate(clusterCert).getBytes(StandardCharsets.UTF_8));
            ready.complete(m);
            LOG.info("cluster {}: serving certificate issued for server {}", id.clusterId(), config.serverId());
        } catch (GeneralSecurityException | IOException | RuntimeException e) {
            LOG.error("cannot use the cluster's CA material: {}", e.getMessage());
            ready.completeExceptionally(e);
        }
    }

    /** Every address this server may be reached at, so clients can also check names if they want to. */
    private List<String> hosts() {
        Set<String> hosts = new LinkedHashSet<>(List.of("localhost", "127.0.0.1"));
        Peer self = config.self();
        hosts.add(self.apiAddr().host());
        hosts.add(self.raftAddr().host());
        String grpcHost = config.workerGrpcAddr().host();
        if (!grpcHost.equals("0.0.0.0") && !grpcHost.equals("::")) hosts.add(grpcHost);
        return List.copyOf(hosts);
    }

    static X509Certificate certificate(byte[] der) throws GeneralSecurityException {
        return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
    }

    static PrivateKey privateKey(byte[] pkcs8) throws GeneralSecurityException {
        return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
    }

    public static String hashSecret(String secret) {
        return Secrets.sha256Hex(secret);
    }

    public Duration workerCertLifetime() {
        return Duration.ofSeconds(config.workerCertLifetimeSecs());
    }
}
