package io.muster.worker.util;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.Lock;

/**
 * Monotonic time and timed waits for the worker's loops and runners (poll pacing, heartbeat timing, retry backoff,
 * restart delays, job deadlines). It exists so that time is injected rather than read from {@code System.nanoTime}
 * and slept on with {@code Thread.sleep}: production uses {@link #SYSTEM}, while a test passes a ticker it steps by
 * hand, so a restart backoff or a heartbeat's timing is checked without waiting for real time to pass.
 *
 * <p>Wall-clock time (timestamps, certificate validity, job deadlines in Unix milliseconds) comes from an injected
 * {@link java.time.Clock}; a manual ticker used in tests moves that clock along with its own time.
 */
public interface Ticker {
    /** Nanoseconds from an arbitrary origin; only differences mean anything. */
    long nanoTime();

    /**
     * Waits on {@code condition}, whose {@code lock} the caller holds, until it is signalled or this ticker reaches
     * {@code deadlineNanos}. May return early (spuriously): callers loop, re-checking their state and the time.
     */
    void awaitUntil(Lock lock, Condition condition, long deadlineNanos) throws InterruptedException;

    /** Real time: {@link System#nanoTime} and {@link Condition#awaitNanos}. */
    Ticker SYSTEM = new Ticker() {
        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public void awaitUntil(Lock lock, Condition condition, long deadlineNanos) throws InterruptedException {
            long left = deadlineNanos - System.nanoTime();
            if (left > 0) {
                condition.awaitNanos(left);
            }
        }

        @Override
        public String toString() {
            return "Ticker.SYSTEM";
        }
    };

    /** Milliseconds elapsed since {@code startNanos} (a reading of {@link #nanoTime}). */
    default long millisSince(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanoTime() - startNanos);
    }
}
