package io.muster.worker;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Bounded waits: every wait has a deadline and fails with a description; none sleeps to make a test pass. */
final class Await {
    static final Duration DEFAULT = Duration.ofSeconds(30);

    private Await() {}

    static void until(String what, BooleanSupplier condition) {
        until(what, DEFAULT, condition, () -> "");
    }

    static void until(String what, BooleanSupplier condition, Supplier<String> state) {
        until(what, DEFAULT, condition, state);
    }

    static void until(String what, Duration max, BooleanSupplier condition, Supplier<String> state) {
        long deadline = System.nanoTime() + max.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out after " + max + " waiting for " + what + "; " + state.get());
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
    }

    static <T> T get(CompletableFuture<T> future, String what) {
        try {
            return future.get(DEFAULT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            return fail("waiting for " + what + " failed: " + e, e);
        }
    }
}
