package io.muster.server.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LanAnnouncerTest {

    @Test
    void delaysStayWithinTenPercentOfTheIntervalAndActuallyVary() {
        SplittableRandom random = new SplittableRandom(16);
        Set<Long> seen = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            long ms = LanAnnouncer.nextDelay(Duration.ofSeconds(5), random).toMillis();
            assertTrue(ms >= 4500 && ms <= 5500, ms + " ms");
            seen.add(ms);
        }
        assertTrue(seen.size() > 500, "jitter spreads servers started together: " + seen.size() + " distinct delays");
    }

    @Test
    void theShortestIntervalIsNotShortened() {
        // 100 ms is the configured floor; 10% jitter may move it by 10 ms either way, never to zero.
        long ms = LanAnnouncer.nextDelay(Duration.ofMillis(100), new SplittableRandom(1)).toMillis();
        assertTrue(ms >= 90 && ms <= 110, ms + " ms");
        assertEquals(Duration.ofMillis(9), LanAnnouncer.nextDelay(Duration.ofMillis(9), new SplittableRandom(1)));
    }
}
