package io.muster.worker.fake;

import io.muster.server.testkit.ManualClock;
import io.muster.worker.util.Ticker;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.Lock;

/**
 * Time that moves only when a test moves it: the server testkit's {@link ManualClock} (wall clock) and a
 * {@link Ticker} (monotonic time and waits) that {@link #advance} together. A thread waiting on a
 * {@link io.muster.worker.util.Waker} built with this ticker wakes when time reaches its deadline, so a test checks
 * restart backoff or heartbeat timing by stepping time instead of sleeping.
 */
public final class ManualTime implements Ticker {
    private static final class Waiter {
        final Lock lock;
        final Condition condition;
        final long deadline;
        final String thread = Thread.currentThread().getName();

        Waiter(Lock lock, Condition condition, long deadline) {
            this.lock = lock;
            this.condition = condition;
            this.deadline = deadline;
        }
    }

    private final ManualClock clock;
    private final List<Waiter> waiters = new ArrayList<>();
    private long nanos;
    private long waitsBegun;

    public ManualTime(long startUnixMs) {
        this.clock = new ManualClock(startUnixMs);
    }

    /** The wall clock, moved by {@link #advance} as well. */
    public Clock clock() {
        return clock;
    }

    @Override
    public synchronized long nanoTime() {
        return nanos;
    }

    @Override
    public void awaitUntil(Lock lock, Condition condition, long deadlineNanos) throws InterruptedException {
        Waiter w = new Waiter(lock, condition, deadlineNanos);
        synchronized (this) {
            if (deadlineNanos - nanos <= 0) {
                return;
            }
            waiters.add(w);
            waitsBegun++;
            notifyAll();
        }
        try {
            // advance() signals while holding `lock`, which this thread releases only inside await: no lost signal.
            condition.await();
        } finally {
            synchronized (this) {
                waiters.remove(w);
                notifyAll();
            }
        }
    }

    /** Moves both clocks forward and wakes every waiter whose deadline has come. */
    public void advance(Duration d) {
        List<Waiter> due = new ArrayList<>();
        synchronized (this) {
            nanos += d.toNanos();
            clock.advance(d);
            for (Waiter w : waiters) {
                if (w.deadline - nanos <= 0) {
                    due.add(w);
                }
            }
        }
        for (Waiter w : due) {
            w.lock.lock();
            try {
                w.condition.signalAll();
            } finally {
                w.lock.unlock();
            }
        }
    }

    /** Threads waiting on this ticker right now. */
    public synchronized int waiting() {
        return waiters.size();
    }

    /**
     * Blocks until {@code n} timed waits have begun since this ticker was made, i.e. until the code under test has
     * reached its n-th pause. {@code max} (real time) only bounds a failing test; nothing here sleeps to pass.
     */
    public synchronized void awaitWaitsBegun(long n, Duration max) throws InterruptedException {
        long end = System.nanoTime() + max.toNanos();
        while (waitsBegun < n) {
            long left = end - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("timed out after " + max + " waiting for wait number " + n + " to begin ("
                        + waitsBegun + " began)");
            }
            wait(Math.max(1, left / 1_000_000));
        }
    }

    /** Whether the thread named {@code threadName} is waiting on this ticker right now. */
    public synchronized boolean isWaiting(String threadName) {
        return waiters.stream().anyMatch(w -> w.thread.equals(threadName));
    }

    /**
     * Blocks until the thread named {@code threadName} waits on this ticker. {@code max} (real time) only bounds a
     * failing test.
     */
    public synchronized void awaitWaiting(String threadName, Duration max) throws InterruptedException {
        long end = System.nanoTime() + max.toNanos();
        while (!isWaiting(threadName)) {
            long left = end - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("timed out after " + max + " waiting for " + threadName + " to wait");
            }
            wait(Math.max(1, left / 1_000_000));
        }
    }
}
