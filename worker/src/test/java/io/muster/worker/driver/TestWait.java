package io.muster.worker.driver;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/** Bounded waits for tests: every wait has a deadline and fails with a message, none sleeps to pass. */
final class TestWait {

    private TestWait() {}

    static TaskResult result(TaskHandle handle, Duration max) {
        return get(handle.result(), max, "task " + handle.allocId() + " to finish");
    }

    static <T> T get(CompletableFuture<T> future, Duration max, String what) {
        try {
            return future.get(max.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return fail("timed out after " + max + " waiting for " + what);
        } catch (ExecutionException e) {
            return fail("failed waiting for " + what + ": " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fail("interrupted waiting for " + what);
        }
    }

    /** Polls a condition that has no completion event (e.g. output appearing) until a deadline. */
    static void until(BooleanSupplier condition, Duration max, String what) {
        long deadline = System.nanoTime() + max.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out after " + max + " waiting for " + what);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
    }

    /** Polls until {@code value} gives a non-null answer, and returns it. */
    static <T> T until(String what, Duration max, java.util.function.Supplier<T> value) {
        long deadline = System.nanoTime() + max.toNanos();
        while (true) {
            T v = value.get();
            if (v != null) return v;
            if (System.nanoTime() > deadline) return fail("timed out after " + max + " waiting for " + what);
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
    }

    static void outputContains(TaskHandle handle, String text, Duration max) {
        until(() -> handle.output().stdout().tailString(1 << 20).contains(text), max,
                "'" + text + "' on stdout of " + handle.allocId() + " (has: '"
                        + handle.output().stdout().tailString(200) + "')");
    }
}
