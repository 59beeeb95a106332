package io.muster.server.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.muster.pki.Csrs;
import io.muster.pki.Keys;
import io.muster.pki.SpkiPin;
import io.muster.pki.secret.ClusterSecret;
import io.muster.server.MusterServer;
import io.muster.server.testkit.TestCluster;
import java.math.BigInteger;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;

/** The certificate endpoint joining servers use, as an attacker and as an operator would meet it. */
class ServerJoinTest {
    private static final Duration T = Duration.ofSeconds(60);

    @Test
    void aWrongSecretGetsNoCertificateAndTheErrorSaysWhy() throws Exception {
        try (TestCluster c = TestCluster.builder(3).secure().build().startAll()) {
            MusterServer leader = c.awaitLeader(T);
            leader.ready().get(60, TimeUnit.SECONDS);
            // Right cluster id and CA pin (both public), wrong key: the proof fails, nothing is signed.
            ClusterSecret wrong = ClusterSecret.generate(c.secret.clusterId(), c.secret.caPin());
            KeyPair key = Keys.generateP256();
            byte[] csr = Csrs.create(key, "server-5");
            ServerJoin.Refused e = assertThrows(ServerJoin.Refused.class, () -> ServerJoin.request(c.peers, 5, true, wrong, key, csr,
                    List.of("127.0.0.1"), Clock.systemUTC(), Duration.ofSeconds(20)));
            assertTrue(e.getMessage().contains("does not prove the cluster secret"), e.getMessage());
            // A secret of another cluster: the joiner refuses the servers themselves (the CA pin does not match).
            ClusterSecret foreign = ClusterSecret.generate(c.secret.clusterId(), SpkiPin.of(new byte[32]));
            java.io.IOException pin = assertThrows(java.io.IOException.class, () -> ServerJoin.request(c.peers, 5, true, foreign, key, csr,
                    List.of("127.0.0.1"), Clock.systemUTC(), Duration.ofSeconds(2)));
            assertTrue(pin.getMessage().contains("no server signed"), pin.getMessage());
            // The right secret: a certificate for the key that asked, naming the server id asked for.
            List<java.security.cert.X509Certificate> chain = ServerJoin.request(c.peers, 5, true, c.secret, key, csr,
                    List.of("127.0.0.1"), Clock.systemUTC(), Duration.ofSeconds(20));
            assertEquals(key.getPublic(), chain.getFirst().getPublicKey());
            // A captured proof is good for its own CSR only: replayed with another key's CSR it is refused.
            KeyPair other = Keys.generateP256();
            byte[] otherCsr = Csrs.create(other, "server-5");
            String proof = ServerJoin.proof(c.secret, 5, csr, List.of("127.0.0.1"));
            assertTrue(!ServerJoin.proofMatches(c.secret, 5, otherCsr, List.of("127.0.0.1"), proof));
            assertTrue(!ServerJoin.proofMatches(c.secret, 6, csr, List.of("127.0.0.1"), proof));
        }
    }

    @Test
    void renewalServesANewCertificateWithoutARestart() throws Exception {
        try (TestCluster c = TestCluster.builder(3).secure().build().startAll()) {
            MusterServer leader = c.awaitLeader(T);
            for (MusterServer s : c.running()) s.ready().get(60, TimeUnit.SECONDS);
            MusterServer s2 = c.server(2);
            BigInteger before = s2.credentials().keyManager().certificate().getSerialNumber();
            assertEquals(before, apiSerial(s2));
            s2.credentials().renewNow();
            BigInteger after = s2.credentials().keyManager().certificate().getSerialNumber();
            assertNotEquals(before, after);
            // The API and Raft use the new certificate at once; the cluster keeps committing through server 2.
            io.muster.server.testkit.Await.until("API serves the renewed certificate", T, () -> after.equals(apiSerial(s2)));
            assertTrue(c.put(s2, "after-renewal", "x").getOk());
            c.kill(leader.config().serverId());
            MusterServer next = c.awaitLeader(T);
            assertTrue(c.put(next, "after-failover", "x").getOk());
        }
    }

    private static BigInteger apiSerial(MusterServer s) {
        try {
            javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
            ctx.init(null, new javax.net.ssl.TrustManager[] {new io.muster.pki.tls.ClusterServerTrustManager(
                    s.credentials().clusterCa().orElseThrow(), s.credentials().secret().clusterId(), Clock.systemUTC())}, null);
            try (SSLSocket sock = (SSLSocket) ctx.getSocketFactory().createSocket(s.config().apiAddr().host(), s.config().apiAddr().port())) {
                sock.startHandshake();
                return ((java.security.cert.X509Certificate) sock.getSession().getPeerCertificates()[0]).getSerialNumber();
            }
        } catch (Exception e) {
            return BigInteger.ZERO;
        }
    }
}
