package io.muster.pki.secret;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.muster.pki.SpkiPin;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterSecretTest {
    private static final SpkiPin PIN = SpkiPin.of(new byte[32]);

    @TempDir
    Path tmp;

    @Test
    void encodesParsesAndNeverShowsTheKey() {
        ClusterSecret s = ClusterSecret.generate("mc-0123456789abcdef", PIN);
        String line = s.encode();
        assertTrue(line.startsWith("mcs1.mc-0123456789abcdef."), line);
        ClusterSecret back = ClusterSecret.parse(line + "\n");
        assertEquals(s.clusterId(), back.clusterId());
        assertEquals(s.caPin(), back.caPin());
        assertArrayEquals(s.sealingKey(), back.sealingKey());
        assertFalse(s.toString().contains(line.substring(line.lastIndexOf('.') + 1)), s.toString());
        // Cluster ids may contain dots (operator-chosen): the pin and key are the last two parts.
        ClusterSecret dotted = ClusterSecret.generate("prod.eu-1", PIN);
        assertEquals("prod.eu-1", ClusterSecret.parse(dotted.encode()).clusterId());
    }

    @Test
    void derivedKeysDifferByPurposeAndByCluster() {
        ClusterSecret s = ClusterSecret.generate("a", PIN);
        assertFalse(java.util.Arrays.equals(s.sealingKey(), s.joinKey()));
        ClusterSecret sameKeyOtherCluster = ClusterSecret.parse("mcs1.b" + s.encode().substring("mcs1.a".length()));
        assertFalse(java.util.Arrays.equals(s.sealingKey(), sameKeyOtherCluster.sealingKey()));
    }

    @Test
    void badSecretsNameWhatIsWrongWithoutEchoingTheKey() {
        String good = ClusterSecret.generate("mc-1", PIN).encode();
        String key = good.substring(good.lastIndexOf('.') + 1);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ClusterSecret.parse("mst1.xyz")).getMessage().contains("worker join token"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ClusterSecret.parse("mcs1.mc-1")).getMessage().contains("truncated"));
        IllegalArgumentException shortKey = assertThrows(IllegalArgumentException.class, () -> ClusterSecret.parse(good.substring(0, good.length() - 2)));
        assertTrue(shortKey.getMessage().contains("key"), shortKey.getMessage());
        assertFalse(shortKey.getMessage().contains(key.substring(0, 20)));
        String badPin = good.replaceFirst("\\.mc-1\\.[^.]+\\.", ".mc-1.!!!.");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ClusterSecret.parse(badPin)).getMessage().contains("CA pin"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ClusterSecret.parse("mcs1.-bad." + good.substring(good.indexOf('.', 5) + 1)))
                .getMessage().contains("cluster id"));
    }

    @Test
    void aSecretFileOthersCanReadIsRefused() throws Exception {
        Path f = tmp.resolve("cluster.secret");
        Files.writeString(f, ClusterSecret.generate("mc-1", PIN).encode(), StandardCharsets.US_ASCII);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r-----"));
        assertTrue(assertThrows(java.io.IOException.class, () -> ClusterSecret.read(f)).getMessage().contains("chmod 600"));
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        assertEquals("mc-1", ClusterSecret.read(f).clusterId());
    }

    @Test
    void sealedDataOpensOnlyWithTheSameKeyAndContext() throws Exception {
        ClusterSecret s = ClusterSecret.generate("mc-1", PIN);
        byte[] plain = "ca keys".getBytes(StandardCharsets.UTF_8);
        byte[] sealed = Sealer.seal(s.sealingKey(), "ca-keys/mc-1", plain);
        assertArrayEquals(plain, Sealer.open(s.sealingKey(), "ca-keys/mc-1", sealed));
        assertThrows(GeneralSecurityException.class, () -> Sealer.open(s.sealingKey(), "ca-keys/mc-2", sealed));
        assertThrows(GeneralSecurityException.class, () -> Sealer.open(ClusterSecret.generate("mc-1", PIN).sealingKey(), "ca-keys/mc-1", sealed));
        assertThrows(GeneralSecurityException.class, () -> Sealer.open(s.sealingKey(), "ca-keys/mc-1", new byte[5]));
    }

    @Property(tries = 200)
    void anyFlippedBitOfASealedBlobIsDetected(@ForAll @IntRange(min = 0, max = 10_000) int position) {
        ClusterSecret s = ClusterSecret.generate("mc-1", PIN);
        byte[] sealed = Sealer.seal(s.sealingKey(), "ctx", "payload of some length".getBytes(StandardCharsets.UTF_8));
        int bit = position % (sealed.length * 8);
        sealed[bit / 8] ^= (byte) (1 << (bit % 8));
        assertThrows(GeneralSecurityException.class, () -> Sealer.open(s.sealingKey(), "ctx", sealed));
    }
}
