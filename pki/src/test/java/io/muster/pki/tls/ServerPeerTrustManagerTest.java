package io.muster.pki.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.muster.pki.CertificateAuthorities;
import io.muster.pki.CertificateAuthority;
import io.muster.pki.CertificateIssuer;
import io.muster.pki.Keys;
import io.muster.pki.TestPki;
import java.security.KeyPair;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ServerPeerTrustManagerTest {
    private final TestPki pki = new TestPki();

    @Test
    void acceptsOnlyServerLeavesOfTheClusterCaOnBothSides() throws Exception {
        ServerPeerTrustManager tm = new ServerPeerTrustManager(pki.clusterCa::certificate, pki.clusterId, TestPki.CLOCK);
        X509Certificate[] server = {pki.serverLeaf, pki.clusterCa.certificate()};
        tm.checkClientTrusted(server, "EC");
        tm.checkServerTrusted(server, "EC");
        // A worker leaf (worker CA, node identity): refused either way.
        X509Certificate[] worker = {pki.workerLeaf, pki.workerCa.certificate()};
        assertThrows(CertificateException.class, () -> tm.checkClientTrusted(worker, "EC"));
        assertThrows(CertificateException.class, () -> tm.checkServerTrusted(worker, "EC"));
        // A server leaf of another CA claiming this cluster.
        CertificateAuthority foreign = CertificateAuthorities.createClusterCa(pki.clusterId, TestPki.NOW);
        KeyPair k = Keys.generateP256();
        X509Certificate forged = CertificateIssuer.issueServerLeaf(foreign, pki.clusterId, "1", k.getPublic(), List.of(), TestPki.NOW, Duration.ofDays(1));
        CertificateException e = assertThrows(CertificateException.class, () -> tm.checkClientTrusted(new X509Certificate[] {forged}, "EC"));
        assertTrue(e.getMessage().startsWith("unknown issuer"), e.getMessage());
    }

    @Test
    void withoutACaYetEveryHandshakeFails() {
        AtomicReference<X509Certificate> ca = new AtomicReference<>();
        ServerPeerTrustManager tm = new ServerPeerTrustManager(ca::get, pki.clusterId, TestPki.CLOCK);
        assertEquals(0, tm.getAcceptedIssuers().length);
        assertThrows(CertificateException.class, () -> tm.checkServerTrusted(new X509Certificate[] {pki.serverLeaf}, "EC"));
    }

    @Test
    void rotatingKeyManagerServesTheNewIdentityUnderANewAliasAndKeepsThePreviousResolvable() {
        RotatingKeyManager km = new RotatingKeyManager();
        assertNull(km.chooseServerAlias("EC", null, null));
        km.update(pki.serverKey.getPrivate(), List.of(pki.serverLeaf, pki.clusterCa.certificate()));
        String first = km.chooseEngineServerAlias("EC", null, null);
        assertEquals(first, km.chooseEngineClientAlias(new String[] {"RSA", "EC"}, null, null));
        assertNull(km.chooseServerAlias("RSA", null, null), "an EC key is not offered for RSA");
        KeyPair next = Keys.generateP256();
        km.update(next.getPrivate(), List.of(pki.serverLeaf));
        String second = km.chooseServerAlias("EC_EC", null, null);
        assertNotEquals(first, second);
        assertEquals(next.getPrivate(), km.getPrivateKey(second));
        assertEquals(pki.serverKey.getPrivate(), km.getPrivateKey(first), "a handshake that chose the old alias can finish");
        assertTrue(km.toString().contains("serial"));
    }
}
