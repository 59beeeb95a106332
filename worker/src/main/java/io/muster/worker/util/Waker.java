package io.muster.worker.util;

import java.time.Duration;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An interruptible pause for the daemon's loops: {@link #await} returns when the time is up, when someone calls
 * {@link #wake}, or for good once {@link #close} was called. Loops use it instead of {@code Thread.sleep} so that
 * shutdown and "something changed" never wait for a timer.
 */
public final class Waker {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private long wakeups;
    private boolean closed;

    /**
     * Waits up to {@code max}.
     *
     * @return true if woken (or closed) before the time was up
     */
    public boolean await(Duration max) {
        long nanos = Math.max(0, max.toNanos());
        lock.lock();
        try {
            long seen = wakeups;
            while (!closed && wakeups == seen) {
                if (nanos <= 0) {
                    return false;
                }
                try {
                    nanos = changed.awaitNanos(nanos);
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
