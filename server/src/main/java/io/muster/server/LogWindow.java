package io.muster.server;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The bound of a log follow's buffering on a server, and a gauge of it: bytes received from the worker (or from the
 * server relaying it) and not yet passed on to the reader, over all follows of this server, with the peak per follow.
 */
public final class LogWindow {
    /** Credit a worker starts with and never exceeds: bytes of output in flight or buffered per follow. */
    public static final int BYTES = 256 * 1024;
    /** The most output a worker puts in one frame: a relaying server keeps {@code BYTES / FRAME_BYTES} frames asked for. */
    public static final int FRAME_BYTES = 64 * 1024;

    private final AtomicLong buffered = new AtomicLong();
    private final AtomicLong peakPerFollow = new AtomicLong();
    private final AtomicLong open = new AtomicLong();
    private final AtomicLong frames = new AtomicLong();
    private final AtomicLong credits = new AtomicLong();

    /** One follow's part of the gauge. */
    public final class Share {
        private final AtomicLong mine = new AtomicLong();
        private volatile boolean closed;

        Share() {
            open.incrementAndGet();
        }

        /** Bytes this follow holds now (received and not yet delivered). */
        public long held() {
            return mine.get();
        }

        public synchronized void received(int bytes) {
            if (closed) return;
            frames.incrementAndGet();
            long now = mine.addAndGet(bytes);
            buffered.addAndGet(bytes);
            peakPerFollow.accumulateAndGet(now, Math::max);
        }

        public synchronized void delivered(int bytes) {
            if (closed) return;
            if (bytes > 0) credits.incrementAndGet();
            mine.addAndGet(-bytes);
            buffered.addAndGet(-bytes);
        }

        public synchronized void close() {
            if (closed) return;
            closed = true;
            buffered.addAndGet(-mine.getAndSet(0));
            open.decrementAndGet();
        }
    }

    public Share open() {
        return new Share();
    }

    /** Bytes held for readers now, all follows together. */
    public long buffered() {
        return buffered.get();
    }

    /** The most one follow ever held at once. */
    public long peakPerFollow() {
        return peakPerFollow.get();
    }

    /** Follows open on this server (their streams not yet freed). */
    public long openFollows() {
        return open.get();
    }

    /** Deliveries that gave a frame's bytes back (a credit message to the worker, or a request(1) to the relaying server). */
    public long credits() {
        return credits.get();
    }

    /** Frames received from workers or relaying servers (the gRPC messages of followed output). */
    public long frames() {
        return frames.get();
    }
}
