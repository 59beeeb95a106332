package io.muster.types.discovery;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.muster.types.config.HostPort;
import io.muster.types.discovery.Decoded.Reason;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class AnnouncementCodecTest {
    private static final Announcement A = new Announcement("prod-eu", 3,
            List.of(new HostPort("10.0.0.3", 3670), new HostPort("fd00::3", 3670)));

    private static Decoded decode(String text) {
        return AnnouncementCodec.decode(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    private static Reason dropped(String text) {
        return assertInstanceOf(Decoded.Dropped.class, decode(text)).reason();
    }

    @Test
    void roundTripsAndIsReadableText() {
        byte[] bytes = AnnouncementCodec.encode(A);
        assertEquals("MUSTER-ANNOUNCE 1\ncluster=prod-eu\nserver=3\nworker=10.0.0.3:3670\nworker=[fd00::3]:3670\n",
                new String(bytes, StandardCharsets.US_ASCII));
        assertEquals(A, assertInstanceOf(Decoded.Accepted.class, AnnouncementCodec.decode(bytes)).announcement());
    }

    @Test
    void decodesASliceOfALargerBuffer() {
        byte[] bytes = AnnouncementCodec.encode(A);
        byte[] buf = new byte[600];
        System.arraycopy(bytes, 0, buf, 7, bytes.length);
        assertInstanceOf(Decoded.Accepted.class, AnnouncementCodec.decode(buf, 7, bytes.length));
    }

    @Test
    void theLargestAnnouncementFits() {
        String longId = "c" + "x".repeat(62);
        List<HostPort> addrs = new ArrayList<>();
        for (int i = 0; i < Announcement.MAX_ADDRS; i++) addrs.add(new HostPort("h".repeat(60) + i + ".example.internal", 65535));
        byte[] bytes = AnnouncementCodec.encode(new Announcement(longId, 999_999_999, addrs));
        assertEquals(true, bytes.length <= AnnouncementCodec.MAX_BYTES, bytes.length + " bytes");
        assertInstanceOf(Decoded.Accepted.class, AnnouncementCodec.decode(bytes));
    }

    @Test
    void refusesToEncodeWhatWouldNotFit() {
        List<HostPort> addrs = List.of(new HostPort("h".repeat(300), 1), new HostPort("i".repeat(300), 1));
        assertThrows(IllegalArgumentException.class, () -> AnnouncementCodec.encode(new Announcement("c", 1, addrs)));
    }

    @Test
    void oversizedDatagramsAreDroppedUnread() {
        byte[] big = new byte[AnnouncementCodec.MAX_BYTES + 1];
        byte[] good = AnnouncementCodec.encode(A);
        System.arraycopy(good, 0, big, 0, good.length); // a valid start does not save it
        assertEquals(Reason.OVERSIZED, assertInstanceOf(Decoded.Dropped.class, AnnouncementCodec.decode(big)).reason());
    }

    @Test
    void classifiesBadInput() {
        assertEquals(Reason.NOT_MUSTER, dropped(""));
        assertEquals(Reason.NOT_MUSTER, dropped("M-SEARCH * HTTP/1.1\n"));
        assertEquals(Reason.NOT_MUSTER, dropped("\u0000\u0001binary"));
        assertEquals(Reason.UNKNOWN_VERSION, dropped("MUSTER-ANNOUNCE 2\ncluster=a\nserver=1\nworker=h:1\n"));
        assertEquals(Reason.MALFORMED, dropped("MUSTER-ANNOUNCE x\ncluster=a\nserver=1\nworker=h:1\n"));
        assertEquals(Reason.MALFORMED, dropped("MUSTER-ANNOUNCE 1\ncluster=a\nserver=1\nworker=h:1")); // no final newline
        assertEquals(Reason.MALFORMED, dropped("MUSTER-ANNOUNCE 1\ncluster=a\nserver=1\n")); // no address
        assertEquals(Reason.MALFORMED, dropped("MUSTER-ANNOUNCE 1\nserver=1\ncluster=a\nworker=h:1\n")); // order
        assertEquals(Reason.MALFORMED, dropped("MUSTER-ANNOUNCE 1\ncluster=a\nserver=0\nworker=h:1\n"));
        assertEquals(Reason.MALFORMED, dropped("MUSTER-ANNOUNCE 1\ncluster=a\nserver=-1\nworker=h:1\n"));
        assertEquals(Reason.MALFORMED, dropped("MUSTER-ANNOUNCE 1\ncluster=a\nserver=99999999999\nworker=h:1\n"));
        assertEquals(Reason.MALFORMED, dropped("MUSTER-ANNOUNCE 1\ncluster=-bad\nserver=1\nworker=h:1\n"));
        assertEquals(Reason.MALFORMED, dropped("MUSTER-ANNOUNCE 1\ncluster=a\nserver=1\nworker=h:99999\n"));
        assertEquals(Reason.MALFORMED, dropped("MUSTER-ANNOUNCE 1\ncluster=a\nserver=1\nworker=h:1\nsecret=x\n"));
        assertEquals(Reason.MALFORMED, dropped("MUSTER-ANNOUNCE 1\ncluster=a\nserver=1\nworker=https://h:1/\n"));
        assertEquals(Reason.MALFORMED, dropped("MUSTER-ANNOUNCE 1\ncluster=a\nserver=1\nworker= h:1\n"));
        assertEquals(Reason.MALFORMED, dropped("MUSTER-ANNOUNCE 1\ncluster=a\nserver=1\nworker=h:1\n\n"));
        assertEquals(Reason.MALFORMED, dropped("MUSTER-ANNOUNCE 1\ncluster=a\nserver=1\nworker=h:1\r\n"));
        assertEquals(Reason.MALFORMED, dropped("MUSTER-ANNOUNCE 1\ncluster=\u00e9\nserver=1\nworker=h:1\n"));
        assertEquals(Reason.MALFORMED, dropped("MUSTER-ANNOUNCE 1\ncluster=a\nserver=1\n"
                + "worker=h:1\n".repeat(Announcement.MAX_ADDRS + 1)));
    }

    @Test
    void randomBytesNeverThrow() {
        Random random = new Random(16);
        byte[] good = AnnouncementCodec.encode(A);
        for (int i = 0; i < 20_000; i++) {
            byte[] b;
            if (i % 2 == 0) {
                b = new byte[random.nextInt(AnnouncementCodec.MAX_BYTES + 2)];
                random.nextBytes(b);
            } else { // mutate a valid datagram: the interesting inputs are near-valid ones
                b = good.clone();
                b[random.nextInt(b.length)] = (byte) random.nextInt(256);
            }
            Decoded d = AnnouncementCodec.decode(b);
            if (d instanceof Decoded.Accepted a) {
                assertArrayEquals(b, AnnouncementCodec.encode(a.announcement()), "an accepted datagram is canonical");
            }
        }
    }

    @Test
    void announcementsAreValidatedOnConstruction() {
        assertThrows(IllegalArgumentException.class, () -> new Announcement("ok", 1, List.of()));
        assertThrows(IllegalArgumentException.class, () -> new Announcement("", 1, List.of(new HostPort("h", 1))));
        assertThrows(IllegalArgumentException.class, () -> new Announcement("ok", 0, List.of(new HostPort("h", 1))));
    }
}
