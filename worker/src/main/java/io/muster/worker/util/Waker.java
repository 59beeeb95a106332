package io.muster.worker.util;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An interruptible pause for the daemon's loops and runners: {@link #await} returns when the time is up, when someone
 * calls {@link #wake}, or for good once {@link #close} was called. Loops use it instead of {@code Thread.sleep} so that
 * shutdown and "something changed" never wait for a timer, and time is measured on an injected {@link Ticker} so
 * that tests can step it by hand.
 */
public final class Waker {
    private final Ticker ticker;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private long wakeups;
    private boolean closed;

    public Waker(Ticker ticker) {
        this.ticker = Objects.requireNonNull(ticker, "ticker");
    }

    /**
     * Waits up to {@code max} of the ticker's time.
     *
     * @return true if woken (or closed) before the time was up
     */
    public boolean await(Duration max) {
        long deadline = ticker.nanoTime() + Math.max(0, max.toNanos());
        lock.lock();
        try {
            long seen = wakeups;
            while (!closed && wakeups == seen) {
                if (deadline - ticker.nanoTime() <= 0) {
                    return false;
                }
                try {
                    ticker.awaitUntil(lock, changed, deadline);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return true;
                }
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    public void wake() {
        lock.lock();
        try {
            wakeups++;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    public void close() {
        lock.lock();
        try {
            closed = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    public boolean isClosed() {
        lock.lock();
        try {
            return closed;
        } finally {
            lock.unlock();
        }
    }
}
