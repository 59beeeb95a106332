package io.muster.pki.tls;

import static io.muster.pki.TestPki.CLOCK;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.muster.pki.Identity;
import io.muster.pki.SpkiPin;
import io.muster.pki.TestPki;
import java.io.IOException;
import java.net.InetAddress;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Real JDK TLS 1.3 handshakes over loopback with Muster's trust managers on both ends. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TlsHandshakeTest {
    private static final int IO_TIMEOUT_MS = 10_000;
    private static final TestPki PKI = new TestPki();

    private ExecutorService executor;

    @BeforeEach
    void start() {
        executor = Executors.newSingleThreadExecutor();
    }

    @AfterEach
    void stop() {
        executor.shutdownNow();
    }

    /** What each end observed: the peer identity, or the exception that ended the connection. */
    private record Outcome(Object server, Object client) {}

    @Test
    void mutualTlsBetweenWorkerAndServer() throws Exception {
        Outcome outcome = handshake(
                context(keyManagers(PKI.serverKey.getPrivate(), PKI.serverChain()), serverTrust()), true,
                context(keyManagers(PKI.workerKey.getPrivate(), PKI.workerChain()),
                        new ClusterServerTrustManager(PKI.clusterCa.certificate(), PKI.clusterId, CLOCK)));
        assertEquals(Identity.node(PKI.clusterId, 42), outcome.server());
        assertEquals(Identity.server(PKI.clusterId, "s1"), outcome.client());
    }

    @Test
    void serverRejectsClientCertificateFromAnotherCa() throws Exception {
        TestPki other = new TestPki();
        Outcome outcome = handshake(
                context(keyManagers(PKI.serverKey.getPrivate(), PKI.serverChain()), serverTrust()), true,
                context(keyManagers(other.workerKey.getPrivate(), other.workerChain()),
                        new ClusterServerTrustManager(PKI.clusterCa.certificate(), PKI.clusterId, CLOCK)));
        assertCausedBy(outcome.server(), "unknown issuer: ");
        assertInstanceOf(IOException.class, outcome.client(), "the client must not get a working connection");
    }

    @Test
    void clientRejectsAServerPresentingAWorkerCertificate() throws Exception {
        Outcome outcome = handshake(
                context(keyManagers(PKI.workerKey.getPrivate(), PKI.workerChain()), serverTrust()), true,
                context(keyManagers(PKI.workerKey.getPrivate(), PKI.workerChain()),
                        new ClusterServerTrustManager(PKI.clusterCa.certificate(), PKI.clusterId, CLOCK)));
        assertCausedBy(outcome.client(), "unknown issuer: ");
    }

    @Test
    void firstContactWithOnlyTheCaPin() throws Exception {
        PinnedServerTrustManager pinned = new PinnedServerTrustManager(SpkiPin.of(PKI.clusterCa.certificate()),
                PKI.clusterId, CLOCK);
        // A joining worker has no certificate yet, so the server only *wants* client auth here.
        Outcome outcome = handshake(
                context(keyManagers(PKI.serverKey.getPrivate(), PKI.serverChain()), serverTrust()), false,
                context(null, pinned));
        assertEquals("no client certificate", outcome.server());
        assertEquals(Identity.server(PKI.clusterId, "s1"), outcome.client());
        assertEquals(PKI.clusterCa.certificate(), pinned.pinnedCaCertificate().orElseThrow());
    }

    @Test
    void firstContactRejectsAServerWithAnotherCa() throws Exception {
        TestPki other = new TestPki();
        PinnedServerTrustManager pinned = new PinnedServerTrustManager(SpkiPin.of(PKI.clusterCa.certificate()),
                PKI.clusterId, CLOCK);
        Outcome outcome = handshake(
                context(keyManagers(other.serverKey.getPrivate(), other.serverChain()), serverTrust()), false,
                context(null, pinned));
        assertCausedBy(outcome.client(), "pin mismatch: ");
        assertTrue(pinned.pinnedCaCertificate().isEmpty());
    }

    private static WorkerClientTrustManager serverTrust() {
        return new WorkerClientTrustManager(PKI.workerCa.certificate(), PKI.clusterCa.certificate(), PKI.clusterId,
                CLOCK, RevocationCheck.NONE);
    }

    /**
     * Runs one connection: the server accepts, handshakes, reports the client identity and echoes a byte; the client
     * handshakes, reports the server identity and exchanges the byte. Every blocking call has a timeout.
     */
    private Outcome handshake(SSLContext serverContext, boolean needClientAuth, SSLContext clientContext) throws Exception {
        try (SSLServerSocket listener = (SSLServerSocket) serverContext.getServerSocketFactory()
                .createServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            listener.setSoTimeout(IO_TIMEOUT_MS);
            if (needClientAuth) {
                listener.setNeedClientAuth(true);
            } else {
                listener.setWantClientAuth(true);
            }
            Future<Object> server = executor.submit(() -> {
                try (SSLSocket socket = (SSLSocket) listener.accept()) {
                    socket.setSoTimeout(IO_TIMEOUT_MS);
                    socket.startHandshake();
                    Object peer;
                    try {
                        peer = Identity.require((X509Certificate) socket.getSession().getPeerCertificates()[0]);
                    } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
                        peer = "no client certificate";
                    }
                    socket.getOutputStream().write(7);
                    socket.getOutputStream().flush();
                    if (socket.getInputStream().read() != 8) {
                        throw new IOException("client did not answer");
                    }
                    return peer;
                } catch (IOException e) {
                    return e;
                }
            });
            Object client;
            try (SSLSocket socket = (SSLSocket) clientContext.getSocketFactory()
                    .createSocket(InetAddress.getLoopbackAddress(), listener.getLocalPort())) {
                socket.setSoTimeout(IO_TIMEOUT_MS);
                socket.startHandshake();
                Identity peer = Identity.require((X509Certificate) socket.getSession().getPeerCertificates()[0]);
                // TLS 1.3 clients finish before the server has judged their certificate: the refusal shows up here.
                if (socket.getInputStream().read() != 7) {
                    throw new IOException("server closed the connection");
                }
                socket.getOutputStream().write(8);
                socket.getOutputStream().flush();
                client = peer;
            } catch (IOException e) {
                client = e;
            }
            return new Outcome(server.get(IO_TIMEOUT_MS * 2L, TimeUnit.MILLISECONDS), client);
        }
    }

    private static void assertCausedBy(Object outcome, String messagePrefix) {
        assertInstanceOf(Throwable.class, outcome, "expected a failure, got " + outcome);
        for (Throwable t = (Throwable) outcome; t != null; t = t.getCause()) {
            if (t instanceof java.security.cert.CertificateException && t.getMessage().startsWith(messagePrefix)) {
                return;
            }
        }
        throw new AssertionError("no CertificateException starting with '" + messagePrefix + "' in " + outcome,
                (Throwable) outcome);
    }

    private static SSLContext context(KeyManager[] keyManagers, TrustManager trustManager) throws Exception {
        SSLContext context = SSLContext.getInstance("TLSv1.3");
        context.init(keyManagers, new TrustManager[] {trustManager}, null);
        return context;
    }

    private static KeyManager[] keyManagers(PrivateKey key, X509Certificate[] chain) throws Exception {
        char[] password = "in-memory".toCharArray();
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("muster", key, password, chain);
        KeyManagerFactory factory = KeyManagerFactory.getInstance("SunX509");
        factory.init(store, password);
        return factory.getKeyManagers();
    }
}
