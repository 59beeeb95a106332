package io.muster.worker.driver;

import java.nio.charset.StandardCharsets;

/**
 * One output stream: a ring buffer holding the last {@code capacity} bytes written, with counters
 * of all bytes seen and of bytes dropped to stay within the bound. Thread-safe.
 */
public final class StreamBuffer {

    /** A consistent view: the retained bytes plus the counters at the same instant. */
    public record Snapshot(byte[] data, long totalBytes, long droppedBytes) {
        public String text() {
            return new String(data, StandardCharsets.UTF_8);
        }
    }

    /** Allocated as output arrives, up to {@link #capacity}: most tasks print little, and a worker keeps thousands. */
    private static final int INITIAL_RING = 256;

    private final int capacity;
    private byte[] ring;
    private final RotatingLogFile mirror;
    private int start;
    private int size;
    private long total;
    private boolean closed;
    /** When output was written: (absolute offset, unix ms) marks at most every {@link #MARK_EVERY_MS}, oldest overwritten; for {@code --since}. */
    private static final int MARKS = 1024;
    static final long MARK_EVERY_MS = 100;
    private final long[] markOffset = new long[MARKS];
    private final long[] markTime = new long[MARKS];
    private int marks;
    private final java.util.function.LongSupplier clock;

    StreamBuffer(int capacity, RotatingLogFile mirror) {
        this(capacity, mirror, System::currentTimeMillis);
    }

    StreamBuffer(int capacity, RotatingLogFile mirror, java.util.function.LongSupplier clock) {
        this.clock = clock;
        if (capacity <= 0) {
            throw new IllegalArgumentException("buffer capacity must be > 0, got " + capacity);
        }
        this.capacity = capacity;
        this.ring = new byte[Math.min(capacity, INITIAL_RING)];
        this.mirror = mirror;
    }

    public int capacity() {
        return capacity;
    }

    /** Bytes of memory the ring holds now (grows with output, never beyond {@link #capacity}). */
    synchronized int allocatedBytes() {
        return ring.length;
    }

    /** Grows the ring (keeping its order) so that {@code needed} bytes fit, up to the capacity. */
    private void ensureRoom(int needed) {
        if (needed <= ring.length || ring.length == capacity) return;
        int grown = (int) Math.min(capacity, Math.max((long) needed, 2L * ring.length));
        byte[] bigger = new byte[grown];
        int first = Math.min(size, ring.length - start);
        System.arraycopy(ring, start, bigger, 0, first);
        System.arraycopy(ring, 0, bigger, first, size - first);
        ring = bigger;
        start = 0;
    }

    public void append(byte[] bytes) {
        append(bytes, 0, bytes.length);
    }

    public synchronized void append(byte[] bytes, int off, int len) {
        if (len <= 0) {
            return;
        }
        if (mirror != null && !closed) {
            mirror.write(bytes, off, len);
        }
        long now = clock.getAsLong();
        if (marks == 0 || now - markTime[(marks - 1) % MARKS] >= MARK_EVERY_MS) {
            markOffset[marks % MARKS] = total;
            markTime[marks % MARKS] = now;
            marks++;
        }
        total += len;
        ensureRoom((int) Math.min(capacity, (long) size + len));
        int cap = ring.length;
        if (len >= cap) {
            // Only the last `cap` bytes can survive anyway.
            System.arraycopy(bytes, off + len - cap, ring, 0, cap);
            start = 0;
            size = cap;
            return;
        }
        int end = (start + size) % cap;
        int first = Math.min(len, cap - end);
        System.arraycopy(bytes, off, ring, end, first);
        System.arraycopy(bytes, off + first, ring, 0, len - first);
        int overflow = size + len - cap;
        if (overflow > 0) {
            start = (start + overflow) % cap;
            size = cap;
        } else {
            size += len;
        }
    }

    /** The last {@code min(maxBytes, retained)} bytes. */
    public synchronized byte[] tail(int maxBytes) {
        int n = Math.max(0, Math.min(maxBytes, size));
        byte[] out = new byte[n];
        int from = (start + size - n) % ring.length;
        int first = Math.min(n, ring.length - from);
        System.arraycopy(ring, from, out, 0, first);
        System.arraycopy(ring, 0, out, first, n - first);
        return out;
    }

    /** {@link #tail} decoded as UTF-8 (a multi-byte character cut at the start shows as U+FFFD). */
    public String tailString(int maxBytes) {
        return new String(tail(maxBytes), StandardCharsets.UTF_8);
    }

    public synchronized Snapshot snapshot() {
        return new Snapshot(tail(size), total, total - size);
    }

    /**
     * What was written from absolute offset {@code from} on, at most {@code max} bytes. A reader that fell behind the
     * ring gets what is still retained, starting at the next whole line, and {@link Read#dropped} says how much it lost.
     */
    public synchronized Read readFrom(long from, int max) {
        long first = total - size;
        long dropped = 0;
        long at = Math.min(Math.max(from, 0), total);
        if (at < first) {
            long lineStart = lineStartAtOrAfter(first);
            dropped = lineStart - at;
            at = lineStart;
        }
        int n = (int) Math.min(Math.max(0, max), total - at);
        return new Read(copy(at, n), at + n, dropped);
    }

    /** The offset where the last {@code lines} retained lines begin (a partial last line counts as one). */
    public synchronized long lastLinesStart(int lines) {
        long first = total - size;
        if (lines <= 0) return total;
        long at = total;
        int seen = 0;
        // A trailing newline ends the last line; it does not start another.
        long i = total - 1;
        if (i >= first && byteAt(i) == '\n') i--;
        for (; i >= first; i--) {
            if (byteAt(i) == '\n' && ++seen == lines) return i + 1;
        }
        return i < first && first > 0 ? lineStartAtOrAfter(first) : first;
    }

    /** The offset of the first output written at or after {@code unixMs} (to the mark's resolution, {@value #MARK_EVERY_MS} ms). */
    public synchronized long offsetSince(long unixMs) {
        int oldest = Math.max(0, marks - MARKS);
        for (int m = oldest; m < marks; m++) {
            if (markTime[m % MARKS] >= unixMs) return Math.max(markOffset[m % MARKS], total - size);
        }
        return total;
    }

    /** Output read from {@link #readFrom}: {@code next} is where the following read starts. */
    public record Read(byte[] data, long next, long dropped) {}

    private long lineStartAtOrAfter(long first) {
        for (long i = first; i < total; i++) {
            if (byteAt(i) == '\n') return i + 1;
        }
        return first; // one line longer than the ring: keep its end rather than nothing
    }

    private byte byteAt(long absolute) {
        long first = total - size;
        return ring[(int) ((start + (absolute - first)) % ring.length)];
    }

    private byte[] copy(long absolute, int n) {
        byte[] out = new byte[n];
        if (n == 0) return out;
        int from = (int) ((start + (absolute - (total - size))) % ring.length);
        int firstPart = Math.min(n, ring.length - from);
        System.arraycopy(ring, from, out, 0, firstPart);
        System.arraycopy(ring, 0, out, firstPart, n - firstPart);
        return out;
    }

    public synchronized long totalBytes() {
        return total;
    }

    public synchronized long droppedBytes() {
        return total - size;
    }

    synchronized void close() {
        if (!closed && mirror != null) {
            mirror.close();
        }
        closed = true;
    }
}
