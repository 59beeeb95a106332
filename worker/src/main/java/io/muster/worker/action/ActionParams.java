package io.muster.worker.action;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An action's parameters, checked: every problem is an {@link Invalid} whose message names the parameter, the
 * action and the parameters it takes ({@code apt install: param 'package' is required (params: package)}).
 */
final class ActionParams {

    /** A parameter problem; {@link BuiltInBackend} turns it into a failed result. */
    static final class Invalid extends RuntimeException {
        Invalid(String message) {
            super(message, null, false, false);
        }
    }

    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m|h)?");

    private final String what;
    private final Map<String, String> params;
    private final List<String> valid;

    /** @param valid the parameters the action takes; any other is refused */
    ActionParams(String backend, String action, Map<String, String> params, List<String> valid) {
        this.what = backend + " " + action;
        this.params = params == null ? Map.of() : params;
        this.valid = List.copyOf(valid);
        for (String key : new TreeSet<>(this.params.keySet())) {
            if (!this.valid.contains(key)) {
                throw invalid("unknown param '" + key + "'");
            }
        }
    }

    Invalid invalid(String problem) {
        return new Invalid(what + ": " + problem + " (params: " + (valid.isEmpty() ? "none" : String.join(", ", valid)) + ")");
    }

    Optional<String> optional(String name) {
        return Optional.ofNullable(params.get(name));
    }

    String required(String name) {
        String v = params.get(name);
        if (v == null || v.isEmpty()) {
            throw invalid("param '" + name + "' is required");
        }
        return v;
    }

    /** A required parameter that must match {@code pattern}, described as {@code syntax} in the error. */
    String matching(String name, Pattern pattern, String syntax) {
        String v = required(name);
        if (!pattern.matcher(v).matches()) {
            throw invalid("param '" + name + "' = '" + printable(v) + "' is not " + syntax);
        }
        return v;
    }

    /** {@code 500ms}, {@code 2s}, {@code 5m}, {@code 1h}; a bare number is seconds. */
    Duration duration(String name) {
        String v = required(name).strip();
        Matcher m = DURATION.matcher(v);
        if (!m.matches()) {
            throw invalid("param '" + name + "' = '" + printable(v) + "' is not a duration like 500ms, 2s, 5m or 1h");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        return switch (unit) {
            case "ms" -> Duration.ofMillis(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofSeconds(n);
        };
    }

    double fraction(String name) {
        String v = required(name).strip();
        try {
            double d = Double.parseDouble(v);
            if (d >= 0 && d <= 1) {
                return d;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw invalid("param '" + name + "' = '" + printable(v) + "' is not a number from 0 to 1");
    }

    long integer(String name, long fallback) {
        Optional<String> v = optional(name);
        if (v.isEmpty()) {
            return fallback;
        }
        try {
            return Long.parseLong(v.get().strip());
        } catch (NumberFormatException e) {
            throw invalid("param '" + name + "' = '" + printable(v.get()) + "' is not a whole number");
        }
    }

    /** Control characters escaped and long values shortened, for messages. */
    static String printable(String s) {
        StringBuilder b = new StringBuilder();
        s.codePoints().limit(80).forEach(c -> {
            if (Character.isISOControl(c)) {
                b.append(String.format("\\u%04x", c));
            } else {
                b.appendCodePoint(c);
            }
        });
        return s.codePointCount(0, s.length()) > 80 ? b + "..." : b.toString();
    }
}
