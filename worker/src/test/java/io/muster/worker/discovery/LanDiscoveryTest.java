package io.muster.worker.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.muster.types.config.HostPort;
import io.muster.types.discovery.Announcement;
import io.muster.types.discovery.AnnouncementCodec;
import io.muster.types.discovery.Decoded;
import io.muster.types.discovery.DiscoverySettings;
import io.muster.worker.WorkerException;
import io.muster.worker.util.Ticker;
import io.muster.worker.util.Waker;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The listener on real multicast sockets (loopback delivery on this host), fed by a raw sender. */
@Timeout(60)
class LanDiscoveryTest {

    @BeforeAll
    static void needsMulticast() {
        assumeTrue(Multicast.loopsBack(), "skipped: this host does not deliver multicast back to its own sockets"
                + " (no multicast route or IP_MULTICAST_LOOP off)");
    }

    private static byte[] announce(String cluster, int id, String addr) {
        return AnnouncementCodec.encode(new Announcement(cluster, id, List.of(HostPort.parse(addr))));
    }

    @Test
    void keepsOnlyTheTokensClusterAndCountsWhatItDrops() throws Exception {
        DiscoverySettings s = Multicast.privateGroup(Duration.ofSeconds(1), Duration.ofSeconds(20), Duration.ofMillis(1500));
        Waker stopping = new Waker(Ticker.SYSTEM);
        CompletableFuture<Optional<Heard>> result = CompletableFuture.supplyAsync(
                () -> new LanDiscovery(s, Ticker.SYSTEM).discover("blue", stopping));
        // The listener joins asynchronously: send until it has settled on a result.
        for (int i = 0; i < 40 && !result.isDone(); i++) {
            Multicast.send(s, new byte[AnnouncementCodec.MAX_BYTES + 200]);
            Multicast.send(s, "GET / HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
            Multicast.send(s, "MUSTER-ANNOUNCE 1\ncluster=blue\nserver=1\n".getBytes(StandardCharsets.US_ASCII));
            Multicast.send(s, announce("green", 1, "10.9.9.9:3670"));
            Multicast.send(s, announce("blue", 1, "10.1.1.1:3670"));
            Multicast.send(s, announce("blue", 2, "0.0.0.0:3671")); // wildcard: the sender's address is used
            Thread.sleep(100);
        }
        Heard heard = result.get(30, TimeUnit.SECONDS).orElseThrow();
        assertTrue(heard.servers().contains(new HostPort("10.1.1.1", 3670)), heard.toString());
        assertTrue(heard.servers().stream().noneMatch(h -> h.host().equals("10.9.9.9")), "another cluster's server: " + heard);
        assertTrue(heard.servers().stream().anyMatch(h -> h.port() == 3671 && !h.host().equals("0.0.0.0")), heard.toString());
        assertEquals(2, heard.servers().size(), heard.toString());
        assertEquals(java.util.Set.of("green"), heard.otherClusters());
        assertTrue(heard.dropped().getOrDefault(Decoded.Reason.OVERSIZED, 0L) >= 1, heard.toString());
        assertTrue(heard.dropped().getOrDefault(Decoded.Reason.NOT_MUSTER, 0L) >= 1, heard.toString());
        assertTrue(heard.dropped().getOrDefault(Decoded.Reason.MALFORMED, 0L) >= 1, heard.toString());
    }

    @Test
    void givesUpAfterListenForNamingWhatItHeard() throws Exception {
        DiscoverySettings s = Multicast.privateGroup(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ZERO);
        Waker stopping = new Waker(Ticker.SYSTEM);
        CompletableFuture<Optional<Heard>> result = CompletableFuture.supplyAsync(
                () -> new LanDiscovery(s, Ticker.SYSTEM).discover("blue", stopping));
        long start = System.nanoTime();
        while (!result.isDone()) {
            Multicast.send(s, announce("green", 1, "10.9.9.9:3670"));
            Thread.sleep(100);
        }
        long ms = (System.nanoTime() - start) / 1_000_000;
        var e = assertThrows(java.util.concurrent.ExecutionException.class, result::get);
        WorkerException cause = (WorkerException) e.getCause();
        assertTrue(cause.getMessage().contains("no server of cluster blue announced itself on " + s.group() + ":" + s.port()
                + " within 2 s"), cause.getMessage());
        assertTrue(cause.getMessage().contains("[green]"), cause.getMessage());
        assertTrue(ms >= 1900 && ms < 10_000, ms + " ms");
    }

    @Test
    void stopsWhenTheWorkerStops() throws Exception {
        DiscoverySettings s = Multicast.privateGroup(Duration.ofSeconds(1), Duration.ofSeconds(60), Duration.ZERO);
        Waker stopping = new Waker(Ticker.SYSTEM);
        CompletableFuture<Optional<Heard>> result = CompletableFuture.supplyAsync(
                () -> new LanDiscovery(s, Ticker.SYSTEM).discover("blue", stopping));
        Thread.sleep(300);
        stopping.close();
        assertEquals(Optional.empty(), result.get(5, TimeUnit.SECONDS));
    }
}
