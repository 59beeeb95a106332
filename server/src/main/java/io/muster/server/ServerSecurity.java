package io.muster.server;

import io.muster.pki.CertificateAuthority;
import io.muster.pki.Secrets;
import io.muster.pki.SpkiPin;
import io.muster.pki.pem.Pem;
import io.muster.pki.tls.RotatingKeyManager;
import io.muster.server.state.ClusterState;
import io.muster.server.state.Records.ClusterIdentity;
import io.muster.server.state.StateListener;
import io.muster.server.tls.CaMaterial;
import io.muster.server.tls.ServerCredentials;
import io.muster.types.config.ServerConfig;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This server's view of the cluster PKI: the CA material of the replicated state, opened once with the cluster
 * secret, plus this server's own TLS identity ({@link ServerCredentials}).
 */
public final class ServerSecurity {
    private static final Logger LOG = LoggerFactory.getLogger(ServerSecurity.class);

    /** Opened CA material plus this server's serving identity. {@code toString} never shows keys. */
    public record Material(String clusterId, X509Certificate clusterCaCert, CertificateAuthority workerCa, byte[] tokenKey,
                           RotatingKeyManager keys, SpkiPin caPin) {
        public PrivateKey serverKey() {
            return keys.privateKey();
        }

        public List<X509Certificate> serverChain() {
            return keys.chain();
        }

        public String caBundlePem() {
            return Pem.encodeCertificates(List.of(clusterCaCert, workerCa.certificate()));
        }

        @Override
        public String toString() {
            return "Material[" + clusterId + "]";
        }
    }

    private final ServerConfig config;
    private final ClusterState state;
    private final ServerCredentials credentials;
    private final CompletableFuture<Material> ready = new CompletableFuture<>();

    public ServerSecurity(ServerConfig config, ClusterState state, Clock clock, ServerCredentials credentials) {
        this.config = config;
        this.state = state;
        this.credentials = credentials;
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

    /** Completes once the cluster identity is committed and opened with the cluster secret. */
    public CompletableFuture<Material> ready() {
        return ready;
    }

    public Optional<Material> material() {
        return Optional.ofNullable(ready.getNow(null));
    }

    public ServerCredentials credentials() {
        return credentials;
    }

    private synchronized void build() {
        if (ready.isDone()) return;
        ClusterIdentity id = state.identity().orElseThrow();
        try {
            CaMaterial ca = CaMaterial.open(credentials.secret(), id.clusterId(), id.clusterCaCertDer(), id.workerCaCertDer(), id.sealedKeys());
            credentials.replicated(ca);
            Material m = new Material(id.clusterId(), ca.clusterCaCert(), ca.workerCa(), ca.tokenKey(), credentials.keyManager(),
                    SpkiPin.of(ca.clusterCaCert()));
            ready.complete(m);
            try {
                credentials.initCommitted();
            } catch (java.io.IOException e) {
                LOG.warn("could not remove the committed bootstrap file: {}", e.getMessage());
            }
            LOG.info("cluster {}: CA material opened on server {}", id.clusterId(), config.serverId());
        } catch (GeneralSecurityException | RuntimeException e) {
            LOG.error("cannot open the cluster's CA material: {}", e.getMessage());
            ready.completeExceptionally(e);
        }
    }

    public static String hashSecret(String secret) {
        return Secrets.sha256Hex(secret);
    }

    public Duration workerCertLifetime() {
        return Duration.ofSeconds(config.workerCertLifetimeSecs());
    }
}
