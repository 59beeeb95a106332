package io.muster.worker.rpc;

import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.TlsChannelCredentials;
import io.muster.pki.tls.ClusterServerTrustManager;
import io.muster.pki.tls.PinnedServerTrustManager;
import io.muster.types.config.HostPort;
import io.muster.worker.identity.WorkerIdentity;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Base64;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManager;

/** Builds the worker's gRPC channels. Trust always comes from Muster's trust managers, never the JDK's CA store. */
public final class TlsChannels {
    /** Logs replies carry up to two bounded buffers; everything else is small. */
    private static final int MAX_INBOUND_MESSAGE_BYTES = 16 << 20;

    private final String userAgent;

    public TlsChannels(String version) {
        this.userAgent = "muster-worker/" + version;
    }

    /**
     * First contact, before the worker has a certificate: TLS without a client certificate, and the server is
     * trusted only if its chain carries the cluster CA pinned by the join token.
     */
    public ManagedChannel firstContact(HostPort server, PinnedServerTrustManager trust) {
        return build(server, TlsChannelCredentials.newBuilder().trustManager(trust).build());
    }

    /** Mutual TLS with the worker's identity; the server must hold a server certificate of the worker's cluster CA. */
    public ManagedChannel mutual(HostPort server, WorkerIdentity identity, Clock clock) {
        TrustManager trust = new ClusterServerTrustManager(identity.clusterCa(), identity.clusterId(), clock);
        ChannelCredentials credentials = TlsChannelCredentials.newBuilder()
                .keyManager(keyManagers(identity))
                .trustManager(trust)
                .build();
        return build(server, credentials);
    }

    private ManagedChannel build(HostPort server, ChannelCredentials credentials) {
        return Grpc.newChannelBuilderForAddress(server.host(), server.port(), credentials)
                .userAgent(userAgent)
                .maxInboundMessageSize(MAX_INBOUND_MESSAGE_BYTES)
                .build();
    }

    private static KeyManager[] keyManagers(WorkerIdentity identity) {
        try {
            // An in-memory key store only: the password protects nothing on disk, so a random one will do.
            char[] password = Base64.getEncoder().encodeToString(new SecureRandom().generateSeed(12)).toCharArray();
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("worker", identity.privateKey(), password,
                    identity.presentedChain().toArray(X509Certificate[]::new));
            KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            factory.init(store, password);
            return factory.getKeyManagers();
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot load the worker's key and certificate into a TLS key manager: "
                    + e.getMessage(), e);
        }
    }
}
