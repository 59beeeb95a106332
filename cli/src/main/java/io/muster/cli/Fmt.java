package io.muster.cli;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** Human formatting of API values for tables. */
final class Fmt {
    private Fmt() {}

    /** An API timestamp (ISO-8601, or epoch milliseconds/seconds) as an instant; null when unreadable. */
    static Instant instant(String s) {
        if (s == null || s.isBlank()) return null;
        if (s.matches("\\d+")) {
            long n = Long.parseLong(s);
            return n > 100_000_000_000L ? Instant.ofEpochMilli(n) : Instant.ofEpochSecond(n);
        }
        try {
            return Instant.parse(s);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /** ISO time to the second, or the text as sent when it is not a timestamp. */
    static String time(String s) {
        Instant i = instant(s);
        return i == null ? s : i.truncatedTo(ChronoUnit.SECONDS).toString();
    }

    /** "12s ago", "3m ago", "in 2h"; the raw text when it is not a timestamp. */
    static String relative(String s, Instant now) {
        Instant i = instant(s);
        if (i == null) return s;
        Duration d = Duration.between(i, now);
        boolean past = !d.isNegative();
        String span = span(d.abs());
        return past ? span + " ago" : "in " + span;
    }

    static String span(Duration d) {
        long s = d.toSeconds();
        if (s < 120) return s + "s";
        if (s < 7200) return s / 60 + "m";
        if (s < 172_800) return s / 3600 + "h";
        return s / 86_400 + "d";
    }

    static String labels(Map<String, String> labels) {
        if (labels == null || labels.isEmpty()) return "-";
        return new TreeMap<>(labels).entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(","));
    }

    static String yesNo(boolean b) {
        return b ? "yes" : "no";
    }

    /** "2 running, 1 pending" from counts; "none" when all are zero. */
    static String counts(Map<String, ? extends Number> counts) {
        String s = counts.entrySet().stream().filter(e -> e.getValue().longValue() > 0)
                .map(e -> e.getValue() + " " + e.getKey()).collect(Collectors.joining(", "));
        return s.isEmpty() ? "none" : s;
    }
}
