package io.muster.worker.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.muster.types.config.HostPort;
import io.muster.types.discovery.Announcement;
import io.muster.types.discovery.Decoded;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class TallyTest {
    private static final InetAddress SENDER = InetAddress.getLoopbackAddress();

    private static Decoded accepted(String cluster, String host, int port) {
        return new Decoded.Accepted(new Announcement(cluster, 1, List.of(new HostPort(host, port))));
    }

    @Test
    void aFloodOfDistinctForgeriesCostsBoundedMemory() {
        Tally t = new Tally("blue");
        for (int i = 0; i < 10_000; i++) {
            t.take(accepted("blue", "10.0." + (i / 250) + "." + (i % 250), 3670), SENDER);
            t.take(accepted("other" + i, "10.1.1.1", 3670), SENDER);
            t.take(new Decoded.Dropped(Decoded.Reason.MALFORMED), SENDER);
        }
        Heard h = t.heard();
        assertEquals(Tally.MAX_SERVERS, h.servers().size());
        assertEquals(Tally.MAX_OTHER_CLUSTERS, h.otherClusters().size());
        assertEquals(10_000L, h.dropped().get(Decoded.Reason.MALFORMED));
    }

    @Test
    void otherClustersAreNotServers() {
        Tally t = new Tally("blue");
        assertFalse(t.take(accepted("green", "10.0.0.1", 3670), SENDER));
        assertFalse(t.found());
        assertTrue(t.take(accepted("blue", "10.0.0.2", 3670), SENDER));
        assertEquals(List.of(new HostPort("10.0.0.2", 3670)), t.heard().servers());
    }

    @Test
    void aWildcardAddressBecomesTheSenders() throws Exception {
        InetAddress from = InetAddress.getByName("192.0.2.7");
        assertEquals(new HostPort("192.0.2.7", 3670), Tally.dialable(new HostPort("0.0.0.0", 3670), from));
        assertEquals(new HostPort("10.0.0.1", 3670), Tally.dialable(new HostPort("10.0.0.1", 3670), from));
        assertEquals(new HostPort("192.0.2.7", 3670), Tally.dialable(new HostPort("127.0.0.1", 3670), from),
                "loopback from another host: that host");
        assertEquals(new HostPort("127.0.0.1", 3670), Tally.dialable(new HostPort("127.0.0.1", 3670), InetAddress.getLoopbackAddress()),
                "loopback from this host: as announced");
    }
}
