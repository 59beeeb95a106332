package io.muster.server.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.muster.pki.CertificateAuthorities;
import io.muster.pki.CertificateAuthority;
import io.muster.pki.CertificateIssuer;
import io.muster.pki.Csrs;
import io.muster.pki.Keys;
import io.muster.pki.pem.Pem;
import io.muster.pki.secret.ClusterSecret;
import io.muster.proto.raft.Command;
import io.muster.proto.raft.KvPut;
import io.muster.server.MusterServer;
import io.muster.server.testkit.Await;
import io.muster.server.testkit.TestCluster;
import io.muster.server.testkit.TestWorker;
import io.muster.types.config.HostPort;
import io.muster.types.config.Peer;
import io.muster.types.config.ServerConfig;
import io.muster.types.config.ServerTls;
import io.muster.types.HeartbeatPolicy;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A cluster on the operator's own PKI (the tls: block): the enterprise CA signs the server certificates, its key never
 * reaches Muster; Muster still makes and seals the worker CA and token key. Certificates rotate by replacing files.
 */
class OperatorPkiTest {
    private static final Duration T = Duration.ofSeconds(60);

    @Test
    void aClusterOnTheOperatorsCertificatesRunsRegistersWorkersAndReloadsReplacedCertificates() throws Exception {
        Path root = Files.createTempDirectory("muster-operator-pki-");
        CertificateAuthority enterprise = CertificateAuthorities.createClusterCa("enterprise-root", Instant.now());
        Path caFile = root.resolve("ca.pem");
        Pem.writeCertificate(caFile, enterprise.certificate());
        List<Peer> peers = new ArrayList<>();
        for (int i = 1; i <= 3; i++) peers.add(TestCluster.newPeer(i));
        List<ServerConfig> configs = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            issue(enterprise, root, i);
            ServerConfig c = new ServerConfig(root.resolve("s" + i), i, peers, new HostPort("127.0.0.1", io.muster.server.testkit.Ports.free()),
                    HeartbeatPolicy.DEFAULTS, false, 100_000, 10_000, 72 * 3600, List.of(),
                    new ServerTls(i == 1 ? null : root.resolve("s1/cluster.secret"), caFile, root.resolve("server-" + i + ".pem"), root.resolve("server-" + i + "-key.pem")));
            configs.add(c);
        }
        ClusterSecret secret = ClusterInit.run(configs.getFirst(), Clock.systemUTC());
        assertEquals("prod-eu", secret.clusterId(), "the cluster id comes from the operator's certificates");
        List<MusterServer> servers = new ArrayList<>();
        try {
            for (ServerConfig c : configs) servers.add(new MusterServer(c, new MusterServer.Options(false, Clock.systemUTC())).start());
            for (MusterServer s : servers) s.ready().get(60, TimeUnit.SECONDS);
            MusterServer leader = Await.value("leader", T, () -> servers.stream().filter(s -> s.raft().status().isLeaderReady()).findFirst().orElse(null));
            assertTrue(leader.credentials().signingCa().isEmpty(), "no server holds the operator's CA key");
            // Nobody can mint server certificates here: the endpoint says so.
            KeyPair k = Keys.generateP256();
            java.io.IOException e = assertThrows(java.io.IOException.class, () -> ServerJoin.request(peers, 9, true, secret, k,
                    Csrs.create(k, "server-9"), List.of(), Clock.systemUTC(), Duration.ofSeconds(1)));
            assertTrue(e.getMessage().contains("409") && e.getMessage().contains("operator"), e.getMessage());

            // Workers pin the operator's CA through their join token, and register.
            Await.until("worker endpoint", T, () -> leader.grpc().port() > 0);
            var token = leader.joinTokens().create(Duration.ofHours(1), 1, Map.of(), "t").get(30, TimeUnit.SECONDS);
            try (TestWorker w = new TestWorker()) {
                w.register(new HostPort("127.0.0.1", leader.config().workerGrpcAddr().port()), token.token(), TestWorker.profile("w", Map.of()));
                assertTrue(w.nodeId > 0);
            }

            // The operator replaces server 2's certificate: reloaded without a restart, and Raft goes on through it.
            MusterServer s2 = servers.get(1);
            BigInteger before = s2.credentials().keyManager().certificate().getSerialNumber();
            issue(enterprise, root, 2);
            Files.setLastModifiedTime(root.resolve("server-2.pem"), FileTime.from(Instant.now().plusSeconds(5)));
            assertTrue(s2.credentials().renewIfDue());
            assertNotEquals(before, s2.credentials().keyManager().certificate().getSerialNumber());
            var r = s2.raft().proposer().submit(Command.newBuilder().setKvPut(KvPut.newBuilder().setKey("after-reload")).build()).get(30, TimeUnit.SECONDS);
            assertTrue(r.getOk());
        } finally {
            for (MusterServer s : servers) s.close();
            try (Stream<Path> walk = Files.walk(root)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static void issue(CertificateAuthority ca, Path dir, int id) throws Exception {
        KeyPair k = Keys.generateP256();
        var leaf = CertificateIssuer.issueServerLeaf(ca, "prod-eu", Integer.toString(id), k.getPublic(), List.of("127.0.0.1", "localhost"),
                Instant.now(), Duration.ofDays(30));
        Pem.writeCertificates(dir.resolve("server-" + id + ".pem"), List.of(leaf));
        Pem.writePrivateKey(dir.resolve("server-" + id + "-key.pem"), k.getPrivate());
    }
}
