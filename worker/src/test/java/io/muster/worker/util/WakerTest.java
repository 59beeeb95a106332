package io.muster.worker.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.muster.worker.fake.ManualTime;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The Waker's waits run on the injected ticker: stepped by hand here, with no sleeping. */
class WakerTest {
    private static final Duration GUARD = Duration.ofSeconds(10);

    @Test
    void aWaitEndsWhenTheTickerReachesItsDeadlineAndNotBefore() throws Exception {
        ManualTime time = new ManualTime(0);
        Waker waker = new Waker(time);
        CompletableFuture<Boolean> woken = CompletableFuture.supplyAsync(() -> waker.await(Duration.ofSeconds(5)));
        time.awaitWaitsBegun(1, GUARD);
        time.advance(Duration.ofMillis(4_999));
        assertFalse(woken.isDone(), "4.999 s of a 5 s wait have passed");
        assertEquals(1, time.waiting());
        time.advance(Duration.ofMillis(1));
        assertFalse(woken.get(GUARD.toSeconds(), TimeUnit.SECONDS), "timed out, not woken");
    }

    @Test
    void wakeAndCloseEndAWaitWithoutTimePassing() throws Exception {
        ManualTime time = new ManualTime(0);
        Waker waker = new Waker(time);
        CompletableFuture<Boolean> woken = CompletableFuture.supplyAsync(() -> waker.await(Duration.ofHours(1)));
        time.awaitWaitsBegun(1, GUARD);
        waker.wake();
        assertTrue(woken.get(GUARD.toSeconds(), TimeUnit.SECONDS));

        CompletableFuture<Boolean> closed = CompletableFuture.supplyAsync(() -> waker.await(Duration.ofHours(1)));
        time.awaitWaitsBegun(2, GUARD);
        waker.close();
        assertTrue(closed.get(GUARD.toSeconds(), TimeUnit.SECONDS));
        assertTrue(waker.await(Duration.ofHours(1)), "a closed waker never waits");
        assertEquals(0, time.nanoTime(), "no time passed");
    }
}
