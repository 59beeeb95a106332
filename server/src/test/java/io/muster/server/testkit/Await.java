package io.muster.server.testkit;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waits for a condition with a bounded timeout; polling, never a fixed sleep standing in for correctness. */
public final class Await {
    private Await() {}

    public static void until(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Throwable last = null;
        while (System.nanoTime() < deadline) {
            try {
                if (condition.getAsBoolean()) return;
            } catch (RuntimeException e) {
                last = e;
            }
            pause();
        }
        AssertionError err = new AssertionError("timed out after " + timeout.toMillis() + " ms waiting for: " + what);
        if (last != null) err.initCause(last);
        throw err;
    }

    public static <T> T value(String what, Duration timeout, Supplier<T> supplier) {
        Object[] box = new Object[1];
        until(what, timeout, () -> (box[0] = supplier.get()) != null);
        @SuppressWarnings("unchecked") T t = (T) box[0];
        return t;
    }

    private static void pause() {
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
