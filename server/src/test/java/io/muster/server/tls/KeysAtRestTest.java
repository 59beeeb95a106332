package io.muster.server.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.muster.pki.CertificateAuthority;
import io.muster.server.MusterServer;
import io.muster.server.ServerSecurity;
import io.muster.server.testkit.Await;
import io.muster.server.testkit.TestCluster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

/**
 * What an attacker who copies a server's Raft directory (log segments, snapshots) or its whole data dir finds: no
 * private key in the clear — not as PEM, not as PKCS#8 DER, not as a raw EC scalar — and, on disk, only the server's
 * own TLS key (mode 0600).
 */
class KeysAtRestTest {
    private static final Duration T = Duration.ofSeconds(60);

    @Test
    void noPrivateKeyInRaftLogsOrSnapshotsAndOnlyTheServersOwnKeyOnDisk() throws Exception {
        try (TestCluster c = TestCluster.builder(3).secure().snapshotThreshold(64).build().startAll()) {
            MusterServer leader = c.awaitLeader(T);
            for (MusterServer s : c.running()) s.ready().get(60, TimeUnit.SECONDS);
            ServerSecurity.Material m = leader.security().material().orElseThrow();
            CertificateAuthority clusterCa = leader.credentials().signingCa().orElseThrow();
            for (int i = 0; i < 80; i++) assertTrue(c.put(leader, "k" + i, "v").getOk());
            for (MusterServer s : c.running()) s.raft().admin().snapshot();

            List<byte[]> secrets = new ArrayList<>();
            for (PrivateKey k : List.of(clusterCa.privateKey(), m.workerCa().privateKey())) {
                secrets.add(k.getEncoded());
                secrets.add(scalar(k));
            }
            secrets.add(m.tokenKey());
            for (MusterServer s : c.running()) secrets.add(s.credentials().keyManager().privateKey().getEncoded());

            for (MusterServer s : c.running()) {
                Path data = s.config().dataDir();
                List<Path> raftFiles = files(data.resolve("raft"));
                assertTrue(raftFiles.stream().anyMatch(p -> p.getFileName().toString().startsWith("snapshot")), "a snapshot was taken: " + raftFiles);
                for (Path f : raftFiles) {
                    byte[] bytes = contents(f);
                    assertFalse(contains(bytes, "PRIVATE KEY".getBytes(StandardCharsets.US_ASCII)), f + " holds a PEM private key");
                    for (byte[] secret : secrets) assertFalse(contains(bytes, secret), f + " holds key material in the clear");
                }
                // On disk: this server's own TLS key is the only private key, readable by its owner only.
                List<Path> keyFiles = new ArrayList<>();
                for (Path f : files(data)) {
                    byte[] bytes = contents(f);
                    if (contains(bytes, "PRIVATE KEY".getBytes(StandardCharsets.US_ASCII))) keyFiles.add(f);
                    for (byte[] secret : secrets.subList(0, 5)) assertFalse(contains(bytes, secret), f + " holds a CA key or the token key in the clear");
                }
                assertEquals(List.of(data.resolve("pki/server-key.pem")), keyFiles);
                assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFiles.getFirst())));
                // The bootstrap copy of the sealed identity is gone once committed.
                Await.until("init file removed", T, () -> !Files.exists(data.resolve("pki/init-cluster.pb")));
            }
        }
    }

    /** The raw private value of an EC key, as 32 bytes. */
    private static byte[] scalar(PrivateKey k) {
        BigInteger s = ((ECPrivateKey) k).getS();
        byte[] raw = s.toByteArray();
        byte[] out = new byte[32];
        int n = Math.min(32, raw.length);
        System.arraycopy(raw, raw.length - n, out, 32 - n, n);
        return out;
    }

    private static List<Path> files(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(Files::isRegularFile).toList();
        }
    }

    /** A file's bytes, gunzipped when it is gzip (snapshots are gzip'd Smile). */
    private static byte[] contents(Path f) throws IOException {
        byte[] raw = Files.readAllBytes(f);
        if (raw.length > 2 && (raw[0] & 0xff) == 0x1f && (raw[1] & 0xff) == 0x8b) {
            try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(raw))) {
                return in.readAllBytes();
            }
        }
        return raw;
    }

    static boolean contains(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) if (hay[i + j] != needle[j]) continue outer;
            return true;
        }
        return false;
    }
}
