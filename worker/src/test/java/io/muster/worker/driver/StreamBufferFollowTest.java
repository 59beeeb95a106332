package io.muster.worker.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** What a log follow reads from a task's buffer: by absolute offset, from whole lines, by --tail and --since. */
class StreamBufferFollowTest {
    private final AtomicLong now = new AtomicLong(1_000_000);

    private StreamBuffer buffer(int capacity) {
        return new StreamBuffer(capacity, null, now::get);
    }

    private static void write(StreamBuffer b, String s) {
        b.append(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String text(StreamBuffer.Read r) {
        return new String(r.data(), StandardCharsets.UTF_8);
    }

    @Test
    void aReaderContinuesWhereItLeftOff() {
        StreamBuffer b = buffer(64);
        write(b, "one\ntwo\n");
        StreamBuffer.Read r = b.readFrom(0, 5);
        assertEquals("one\nt", text(r));
        write(b, "three\n");
        r = b.readFrom(r.next(), 100);
        assertEquals("wo\nthree\n", text(r));
        assertEquals(0, r.dropped());
        assertEquals(14, r.next());
        assertEquals(0, b.readFrom(r.next(), 100).data().length);
    }

    @Test
    void aReaderThatFellBehindTheRingLosesWholeLinesAndIsToldHowManyBytes() {
        StreamBuffer b = buffer(16);
        write(b, "aaaaaaaaa\n");      // 0..9
        write(b, "bbbbbbbbb\n");      // 10..19: the ring keeps 4..19
        write(b, "cc\n");             // 20..22: the ring keeps 7..22
        StreamBuffer.Read r = b.readFrom(0, 100);
        // Bytes 7..9 are the end of a line whose start is gone: skipped, counted with the 7 lost before them.
        assertEquals("bbbbbbbbb\ncc\n", text(r));
        assertEquals(10, r.dropped());
        assertEquals(23, r.next());
    }

    @Test
    void tailLinesStartsAtTheNthLastLine() {
        StreamBuffer b = buffer(64);
        write(b, "1\n2\n3\n4\n");
        assertEquals("3\n4\n", text(b.readFrom(b.lastLinesStart(2), 100)));
        write(b, "partial");
        assertEquals("4\npartial", text(b.readFrom(b.lastLinesStart(2), 100)));
        assertEquals("1\n2\n3\n4\npartial", text(b.readFrom(b.lastLinesStart(50), 100)));
        assertEquals(b.totalBytes(), b.lastLinesStart(0));
    }

    @Test
    void tailLinesNeverStartsInsideALineCutByTheRing() {
        StreamBuffer b = buffer(8);
        write(b, "abcdef\n12\n"); // ring keeps "def\n12\n" plus one byte before: "cdef\n12\n"
        assertEquals("12\n", text(b.readFrom(b.lastLinesStart(5), 100)));
    }

    @Test
    void sinceFindsTheFirstOutputWrittenAtOrAfterATime() {
        StreamBuffer b = buffer(1024);
        write(b, "old\n");
        now.addAndGet(5_000);
        write(b, "new\n");
        now.addAndGet(50); // within one mark: shares the mark of "new"
        write(b, "newer\n");
        assertEquals("new\nnewer\n", text(b.readFrom(b.offsetSince(1_004_000), 100)));
        assertEquals("old\nnew\nnewer\n", text(b.readFrom(b.offsetSince(0), 100)));
        assertEquals(b.totalBytes(), b.offsetSince(2_000_000));
    }
}
