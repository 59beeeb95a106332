package io.muster.types;

import java.time.Duration;

/** Durations as people write them in messages: {@code 3s}, {@code 1m30s}, {@code 2h}, {@code 250ms}; never {@code PT3S}. */
public final class HumanDuration {
    private HumanDuration() {}

    public static String of(Duration d) {
        if (d == null) return "none";
        if (d.isNegative()) return "-" + of(d.negated());
        long ms = d.toMillis();
        if (ms == 0) return "0s";
        if (ms < 1000) return ms + "ms";
        long s = d.toSeconds();
        StringBuilder b = new StringBuilder();
        long days = s / 86_400;
        long h = s % 86_400 / 3600;
        long m = s % 3600 / 60;
        long sec = s % 60;
        if (days > 0) b.append(days).append('d');
        if (h > 0) b.append(h).append('h');
        if (m > 0) b.append(m).append('m');
        // Below a minute the tenths matter (a 1.5 s wait); above it nobody reads them.
        long tenths = ms % 1000 / 100;
        if (s < 60 && tenths > 0) b.append(sec).append('.').append(tenths).append('s');
        else if (sec > 0 || b.isEmpty()) b.append(sec).append('s');
        return b.toString();
    }

    public static String ofSeconds(long seconds) {
        return of(Duration.ofSeconds(seconds));
    }

    public static String ofMillis(long millis) {
        return of(Duration.ofMillis(millis));
    }
}
