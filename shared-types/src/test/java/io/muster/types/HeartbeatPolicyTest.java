package io.muster.types;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The adaptive TTL with the seed's defaults (min 10 s, max 600 s, 50 heartbeats/s) and its stagger bounds. */
class HeartbeatPolicyTest {
    @ParameterizedTest
    @CsvSource({"10,10", "500,10", "1000,20", "10000,200", "100000,600", "0,10", "501,11"})
    void baseTtl(long workers, int expected) {
        assertEquals(expected, HeartbeatPolicy.DEFAULTS.baseTtlSecs(workers));
    }

    @ParameterizedTest
    @CsvSource({"10", "500", "1000", "10000", "100000"})
    void staggerStaysWithinOneTtlAndSpreads(long workers) {
        int base = HeartbeatPolicy.DEFAULTS.baseTtlSecs(workers);
        SplittableRandom r = new SplittableRandom(7);
        int min = Integer.MAX_VALUE;
        int max = Integer.MIN_VALUE;
        for (int i = 0; i < 10_000; i++) {
            int ttl = HeartbeatPolicy.DEFAULTS.staggeredTtlSecs(workers, r);
            min = Math.min(min, ttl);
            max = Math.max(max, ttl);
        }
        assertTrue(min >= base && max < 2 * base, base + " -> [" + min + ", " + max + "]");
        assertTrue(max - min >= base * 9 / 10, "the stagger covers the whole TTL");
        // Unless clamped by the maximum TTL, the base TTL keeps the fleet within max_heartbeats_per_second.
        if (base < HeartbeatPolicy.DEFAULTS.maxTtlSecs()) assertTrue(workers / (double) base <= 50.0, workers + "/" + base);
        else assertEquals(600, base);
    }

    @Test
    void expiryIsTtlPlusGrace() {
        assertEquals(45, HeartbeatPolicy.DEFAULTS.expirySecs(35));
    }
}
