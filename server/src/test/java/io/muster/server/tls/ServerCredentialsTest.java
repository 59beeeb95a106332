package io.muster.server.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.muster.types.config.ServerConfig;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import io.muster.server.testkit.ManualClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A single server's credentials with time moved by hand: made on first start, renewed at 70-90 % of their life. */
class ServerCredentialsTest {
    @TempDir
    Path tmp;

    @Test
    void aSingleServerMakesItsClusterAndRenewsItsCertificateWhenDue() throws Exception {
        ManualClock clock = new ManualClock(Instant.parse("2030-01-01T00:00:00Z").toEpochMilli());
        ServerConfig cfg = ServerConfig.dev(tmp.resolve("data"), 1, 2, 3);
        ServerCredentials c = ServerCredentials.open(cfg, clock);
        assertTrue(Files.exists(tmp.resolve("data/cluster.secret")), "zero-step: a single server made its own cluster");
        c.ensureCertificate();
        BigInteger first = c.keyManager().certificate().getSerialNumber();
        AtomicInteger rotations = new AtomicInteger();
        c.onRotation(rotations::incrementAndGet);
        clock.advance(Duration.ofDays(200));
        assertFalse(c.renewIfDue(), "55 % of a year: not due");
        clock.advance(Duration.ofDays(130));
        assertTrue(c.renewIfDue(), "90 % of a year: due");
        assertNotEquals(first, c.keyManager().certificate().getSerialNumber());
        assertEquals(1, rotations.get());
        // A restart reads the renewed certificate back and makes no new one.
        ServerCredentials again = ServerCredentials.open(cfg, clock);
        again.ensureCertificate();
        assertEquals(c.keyManager().certificate().getSerialNumber(), again.keyManager().certificate().getSerialNumber());
    }

    @Test
    void aSingleServerDataDirWithRaftStateButNoSecretSaysToStartFresh() throws Exception {
        java.nio.file.Path data = tmp.resolve("old-dev");
        Files.createDirectories(data.resolve("raft/group"));
        java.io.IOException e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                () -> ServerCredentials.open(ServerConfig.dev(data, 1, 2, 3), new ManualClock(0)));
        assertTrue(e.getMessage().contains("holds Raft state but no cluster.secret") && e.getMessage().contains("remove " + data), e.getMessage());
        assertFalse(Files.exists(data.resolve("cluster.secret")), "no new cluster is made over old state");
    }
}
