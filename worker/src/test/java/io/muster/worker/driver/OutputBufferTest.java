package io.muster.worker.driver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OutputBufferTest {

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void keepsTheLastBytesAcrossWrapAroundAndCountsDrops() {
        OutputBuffer buf = new OutputBuffer(8);
        StreamBuffer out = buf.stdout();
        out.append(ascii("abcde"));
        assertEquals("abcde", out.tailString(100));
        out.append(ascii("fghij"));
        assertEquals("cdefghij", out.tailString(100));
        assertEquals("hij", out.tailString(3));
        assertEquals(10, out.totalBytes());
        assertEquals(2, out.droppedBytes());
        out.append(ascii("0123456789ABCDEF")); // longer than the buffer in one write
        StreamBuffer.Snapshot snap = out.snapshot();
        assertEquals("89ABCDEF", snap.text());
        assertEquals(26, snap.totalBytes());
        assertEquals(18, snap.droppedBytes());
        assertEquals(0, buf.stderr().totalBytes(), "streams are separate");
        assertArrayEquals(new byte[0], buf.stderr().tail(10));
    }

    /** A worker keeps the output of thousands of finished tasks: a quiet task must not cost the whole bound. */
    @Test
    void memoryGrowsWithOutputUpToTheBoundAndKeepsOrderWhenItGrows() {
        StreamBuffer out = new OutputBuffer(1 << 20).stdout();
        assertEquals(1 << 20, out.capacity());
        assertTrue(out.allocatedBytes() <= 256, "an empty stream holds " + out.allocatedBytes() + " bytes");
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < 5_000; i++) {
            String line = "line " + i + "\n";
            out.append(ascii(line));
            expected.append(line);
        }
        assertEquals(expected.toString(), out.tailString(1 << 20), "growth kept every byte in order");
        assertTrue(out.allocatedBytes() < 2 * expected.length() + 256, "grew to " + out.allocatedBytes() + " for " + expected.length());

        // Growth after wrap-around: fill a small bound past its end, the ring is full and wrapped.
        StreamBuffer small = new OutputBuffer(1000).stdout();
        for (int i = 0; i < 300; i++) small.append(ascii("abcdefg\n"));
        assertEquals(1000, small.allocatedBytes(), "never beyond the bound");
        String text = small.tailString(1000);
        assertEquals(1000, text.length());
        assertTrue(text.endsWith("abcdefg\n"));
        assertEquals(300 * 8 - 1000, small.droppedBytes());
    }

    @Test
    void concurrentWritersLoseNothingButWhatTheBoundDrops() {
        StreamBuffer out = new OutputBuffer(1000).stdout();
        int threads = 4;
        int writes = 5000;
        CountDownLatch go = new CountDownLatch(1);
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            List<Thread> started = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                byte[] line = ascii("writer-" + t + "\n"); // 9 bytes each
                started.add(Thread.ofPlatform().start(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    for (int i = 0; i < writes; i++) {
                        out.append(line);
                    }
                }));
            }
            go.countDown();
            for (Thread t : started) {
                t.join();
            }
        });
        StreamBuffer.Snapshot snap = out.snapshot();
        assertEquals((long) threads * writes * 9, snap.totalBytes());
        assertEquals(snap.totalBytes() - 1000, snap.droppedBytes());
        // Appends are atomic: after the first (possibly cut) line every line is whole.
        String text = snap.text();
        text.substring(text.indexOf('\n') + 1).lines()
                .forEach(l -> assertTrue(l.matches("writer-[0-3]"), "torn line: " + l));
    }

    /** A stopped action is interrupted while it may still print: its log file keeps what it prints, and the interrupt. */
    @Test
    void anInterruptedWriterStillWritesItsLogAndKeepsItsInterrupt(@TempDir Path dir) throws Exception {
        OutputBuffer buf = OutputBuffer.mirroredTo(dir, 1024, 1024, false);
        buf.stdout().append(ascii("before\n"));
        Thread.currentThread().interrupt();
        try {
            buf.stdout().append(ascii("while stopping\n"));
            assertTrue(Thread.currentThread().isInterrupted(), "the interrupt is the caller's, not the log's");
        } finally {
            Thread.interrupted();
        }
        buf.stdout().append(ascii("after\n"));
        buf.close();
        assertEquals("before\nwhile stopping\nafter\n", Files.readString(dir.resolve("stdout.log")));
    }

    @Test
    void mirrorsToFilesAndRotatesAtTheBound(@TempDir Path dir) throws Exception {
        OutputBuffer buf = OutputBuffer.mirroredTo(dir, 16, 10, false);
        buf.stdout().append(ascii("123456"));
        buf.stdout().append(ascii("789012")); // would pass 10: rotate first
        buf.stderr().append(ascii("e1\n"));
        assertEquals("123456", Files.readString(dir.resolve("stdout.log.1")));
        assertEquals("789012", Files.readString(dir.resolve("stdout.log")));
        assertEquals("e1\n", Files.readString(dir.resolve("stderr.log")));
        buf.stdout().append(ascii("ABCDEFGHIJKLMNOP")); // one write larger than the file bound
        assertEquals("789012", Files.readString(dir.resolve("stdout.log.1")));
        assertEquals("GHIJKLMNOP", Files.readString(dir.resolve("stdout.log")), "newest bytes kept on disk");
        assertEquals("ABCDEFGHIJKLMNOP", buf.stdout().tailString(16), "memory bound is independent");
        buf.close();

        // A new buffer appends to what an earlier worker left, unless told to start over.
        OutputBuffer again = OutputBuffer.mirroredTo(dir, 16, 100, false);
        again.stderr().append(ascii("e2\n"));
        again.close();
        assertEquals("e1\ne2\n", Files.readString(dir.resolve("stderr.log")));
        OutputBuffer replay = OutputBuffer.mirroredTo(dir, 16, 100, true);
        replay.stdout().append(ascii("fresh"));
        replay.close();
        assertEquals("fresh", Files.readString(dir.resolve("stdout.log")));
        assertFalse(Files.exists(dir.resolve("stdout.log.1")));
    }

    @Test
    void tailerFollowsAFileWrittenByAnotherProcessAndCopyTruncatesIt(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("stdout.log");
        Files.writeString(file, "old run\n");
        StreamBuffer target = new OutputBuffer(64).stdout();
        LogFileTailer tailer = new LogFileTailer(file, target, 20, Files.size(file));
        Files.writeString(file, "line one\n", java.nio.file.StandardOpenOption.APPEND);
        tailer.poll();
        assertEquals("line one\n", target.tailString(64), "earlier runs' output is not this run's");
        Files.writeString(file, "line two is long\n", java.nio.file.StandardOpenOption.APPEND);
        tailer.poll(); // file is now 34 bytes > 20: newest 20 go to .1, file truncated
        assertEquals("line one\nline two is long\n", target.tailString(64));
        assertEquals(0, Files.size(file));
        assertEquals("ne\nline two is long\n", Files.readString(dir.resolve("stdout.log.1")));
        Files.writeString(file, "three\n", java.nio.file.StandardOpenOption.APPEND);
        tailer.poll();
        assertTrue(target.tailString(64).endsWith("line two is long\nthree\n"));

        StreamBuffer replayed = new OutputBuffer(64).stdout();
        LogFileTailer.replaying(file, replayed, 20, 3).poll();
        assertEquals("ee\n", replayed.tailString(64), "replay starts at most replayBytes before the end");
    }

    @Test
    void parsesProcStatWithAwkwardCommandNames() {
        String line = "4242 (we ird) name)) S 1 4242 4242 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 987654 1 1";
        ProcFs.Stat s = ProcFs.parse(4242, line);
        assertEquals('S', s.state());
        assertEquals(4242, s.pgrp());
        assertEquals(4242, s.session());
        assertEquals(987654, s.startTicks());
    }
}
