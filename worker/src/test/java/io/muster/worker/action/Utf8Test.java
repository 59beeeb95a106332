package io.muster.worker.action;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class Utf8Test {

    @Test
    void theCutFallsOnACharacterBoundary() {
        byte[] euro = "a€€".getBytes(StandardCharsets.UTF_8); // 1 + 3 + 3 bytes
        assertEquals("€", Utf8.tail(euro, 4), "a cut inside the first € drops all of it");
        assertEquals("€", Utf8.tail(euro, 3));
        assertEquals("€€", Utf8.tail(euro, 6));
        assertEquals("a€€", Utf8.tail(euro, 100));
        assertEquals("", Utf8.tail(euro, 2));
    }

    @Test
    void invalidBytesBecomeReplacementsWithinTheBudget() {
        byte[] bad = {'x', (byte) 0xff, (byte) 0xfe, 'y'};
        String s = Utf8.tail(bad, 4);
        assertTrue(s.getBytes(StandardCharsets.UTF_8).length <= 4, s);
        assertTrue(s.endsWith("y"), s);
    }

    @Test
    void alwaysValidAndWithinTheBudgetForArbitraryBytes() {
        Random random = new Random(42); // fixed: a failure names its case and repeats
        for (int i = 0; i < 2000; i++) {
            byte[] bytes = new byte[random.nextInt(80)];
            random.nextBytes(bytes);
            int max = random.nextInt(65);
            String s = Utf8.tail(bytes, max);
            byte[] encoded = s.getBytes(StandardCharsets.UTF_8);
            assertTrue(encoded.length <= max, "case " + i + ": " + encoded.length + " > " + max);
            assertEquals(s, new String(encoded, StandardCharsets.UTF_8), "case " + i);
        }
    }
}
