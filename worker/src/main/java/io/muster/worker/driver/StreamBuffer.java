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

    StreamBuffer(int capacity, RotatingLogFile mirror) {
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
