package io.muster.types;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class HumanDurationTest {
    @Test
    void durationsReadAsPeopleWriteThem() {
        assertEquals("3s", HumanDuration.of(Duration.ofSeconds(3)));
        assertEquals("0s", HumanDuration.of(Duration.ZERO));
        assertEquals("250ms", HumanDuration.of(Duration.ofMillis(250)));
        assertEquals("1.5s", HumanDuration.of(Duration.ofMillis(1_500)));
        assertEquals("1m", HumanDuration.of(Duration.ofSeconds(60)));
        assertEquals("1m30s", HumanDuration.of(Duration.ofSeconds(90)));
        assertEquals("1m30s", HumanDuration.of(Duration.ofMillis(90_400)), "tenths only below a minute");
        assertEquals("5m", HumanDuration.of(Duration.ofMinutes(5)));
        assertEquals("1h", HumanDuration.of(Duration.ofHours(1)));
        assertEquals("1h5s", HumanDuration.of(Duration.ofSeconds(3605)));
        assertEquals("2d3h", HumanDuration.of(Duration.ofHours(51)));
        assertEquals("-3s", HumanDuration.of(Duration.ofSeconds(-3)));
        assertEquals("none", HumanDuration.of(null));
        assertEquals("15s", HumanDuration.ofSeconds(15));
        assertEquals("2s", HumanDuration.ofMillis(2_000));
    }
}
