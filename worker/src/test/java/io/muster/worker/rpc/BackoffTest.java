package io.muster.worker.rpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BackoffTest {
    @Test
    void theCeilingDoublesUpToTheMaximumAndEveryWaitIsWithinIt() {
        Backoff b = new Backoff(Duration.ofMillis(200), Duration.ofSeconds(15), new SplittableRandom(7));
        long[] expectedCeilingsMs = {200, 400, 800, 1600, 3200, 6400, 12800, 15000, 15000};
        for (long ceiling : expectedCeilingsMs) {
            assertEquals(Duration.ofMillis(ceiling), b.ceiling());
            Duration wait = b.next();
            assertTrue(!wait.isNegative() && wait.toMillis() <= ceiling, wait + " exceeds " + ceiling + " ms");
        }
        b.reset();
        assertEquals(Duration.ofMillis(200), b.ceiling());
    }

    @Test
    void fullJitterSpreadsTheWaits() {
        Backoff b = new Backoff(Duration.ofSeconds(10), Duration.ofSeconds(10), new SplittableRandom(1));
        long min = Long.MAX_VALUE;
        long max = 0;
        for (int i = 0; i < 1000; i++) {
            long ms = b.next().toMillis();
            min = Math.min(min, ms);
            max = Math.max(max, ms);
        }
        assertTrue(min < 1000 && max > 9000, "waits should cover [0, ceiling]: " + min + ".." + max);
    }

    @Test
    void aLongRunOfFailuresDoesNotOverflow() {
        Backoff b = new Backoff(Duration.ofMillis(1), Duration.ofDays(1), new SplittableRandom(3));
        for (int i = 0; i < 200; i++) {
            assertTrue(b.next().compareTo(Duration.ofDays(1)) <= 0);
        }
        assertEquals(Duration.ofDays(1), b.ceiling());
    }

    @Test
    void invalidBoundsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new Backoff(Duration.ZERO, Duration.ofSeconds(1), new SplittableRandom()));
        assertThrows(IllegalArgumentException.class, () -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1), new SplittableRandom()));
    }
}
