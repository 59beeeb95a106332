package io.muster.types.job;

import static io.muster.types.job.JobSpecLimits.*;
import static io.muster.types.yaml.SourceTree.abbreviate;
import static io.muster.types.yaml.SourceTree.join;

import io.muster.types.yaml.SourceTree.Arr;
import io.muster.types.yaml.SourceTree.Field;
import io.muster.types.yaml.SourceTree.Kind;
import io.muster.types.yaml.SourceTree.Loc;
import io.muster.types.yaml.SourceTree.Node;
import io.muster.types.yaml.SourceTree.Obj;
import io.muster.types.yaml.SourceTree.Scalar;
import io.muster.types.yaml.Suggestions;
import java.math.BigInteger;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What every section reader of a job spec shares: the error list, and readers of typed values (names, strings,
 * integers in a range, durations, choices, lists, mappings) that report a problem with its path and location and
 * return null instead of a bad value. {@link Fields} reads one mapping, reporting unknown keys with a suggestion.
 */
abstract class SpecValues {
    static final Pattern NAME = Pattern.compile(NAME_SYNTAX);
    private static final Pattern DURATION = Pattern.compile("(?:(\\d{1,9})h)?(?:(\\d{1,9})m)?(?:(\\d{1,9})s)?");

    final List<SpecError> errors;

    SpecValues(List<SpecError> errors) {
        this.errors = errors;
    }

    final String requiredName(Fields f, String key) {
        if (!f.has(key)) {
            f.missing(key, "is required");
            return null;
        }
        return name(f.get(key), f.path(key));
    }

    final String name(Node node, String path) {
        String s = text(node, path, 1024, false);
        if (s != null && !NAME.matcher(s).matches()) {
            error(path, node.loc(), "'" + abbreviate(s) + "' is not a valid name (lower-case letters, digits, '_' "
                    + "and '-', starting with a letter or digit, at most 63 characters)");
            return null;
        }
        return s;
    }

    final void unique(String name, String what, Fields f, Map<String, String> seen) {
        if (name == null) {
            return;
        }
        String first = seen.putIfAbsent(name, f.path);
        if (first != null) {
            error(f.path("name"), f.get("name").loc(), "duplicate " + what + " name '" + name + "' (also " + first + ")");
        }
    }

    /**
     * A string. With {@code anyScalar}, numbers and booleans are accepted as written ({@code args: [300]}),
     * which is what people mean in YAML.
     */
    final String text(Node node, String path, int maxLength, boolean anyScalar) {
        if (!(node instanceof Scalar s) || s.isNull() || (!anyScalar && s.kind() != Kind.STRING)) {
            error(path, node.loc(), "must be a string, not " + describe(node));
            return null;
        }
        String v = s.text();
        if (v.length() > maxLength) {
            error(path, node.loc(), "is " + v.length() + " characters long; the limit is " + maxLength);
            return null;
        }
        if (v.indexOf('\0') >= 0) {
            error(path, node.loc(), "must not contain NUL characters");
            return null;
        }
        return v;
    }

    final Integer intIn(Node node, String path, long min, long max) {
        String msg;
        if (min == 1) {
            msg = "must be a positive integer";
        } else if (min == 0) {
            msg = "must be a non-negative integer";
        } else {
            msg = "must be an integer from " + min + " to " + max;
        }
        return intIn(node, path, min, max, msg);
    }

    final Integer intIn(Node node, String path, long min, long max, String msg) {
        if (!(node instanceof Scalar s) || s.kind() != Kind.INT) {
            error(path, node.loc(), msg + ", not " + describe(node));
            return null;
        }
        BigInteger v = s.number() instanceof BigInteger b ? b : BigInteger.valueOf(s.number().longValue());
        if (v.compareTo(BigInteger.valueOf(min)) < 0) {
            error(path, node.loc(), msg);
            return null;
        }
        if (v.compareTo(BigInteger.valueOf(max)) > 0) {
            error(path, node.loc(), min == max ? msg : "must be at most " + max);
            return null;
        }
        return v.intValue();
    }

    final Boolean bool(Node node, String path) {
        if (node instanceof Scalar s && s.kind() == Kind.BOOL) {
            return Boolean.parseBoolean(s.text().toLowerCase(java.util.Locale.ROOT));
        }
        error(path, node.loc(), "must be true or false, not " + describe(node));
        return null;
    }

    /** Whole seconds as an integer, or a string like {@code 30s}, {@code 5m}, {@code 1h30m}. */
    final Duration duration(Node node, String path, long minSeconds) {
        String msg = "must be a duration: whole seconds (30) or a string such as \"30s\", \"5m\", \"1h30m\"";
        long seconds;
        if (node instanceof Scalar s && s.kind() == Kind.INT) {
            BigInteger v = s.number() instanceof BigInteger b ? b : BigInteger.valueOf(s.number().longValue());
            seconds = v.bitLength() > 62 ? Long.MAX_VALUE : v.longValue();
        } else if (node instanceof Scalar s && s.kind() == Kind.STRING) {
            Matcher m = DURATION.matcher(s.text().trim());
            if (!m.matches() || s.text().isBlank()) {
                error(path, node.loc(), msg + ", not \"" + abbreviate(s.text()) + "\"");
                return null;
            }
            seconds = group(m, 1) * 3600 + group(m, 2) * 60 + group(m, 3);
        } else {
            error(path, node.loc(), msg + ", not " + describe(node));
            return null;
        }
        if (seconds < minSeconds) {
            error(path, node.loc(), minSeconds == 1 ? "must be at least 1 second" : "must not be negative");
            return null;
        }
        if (seconds > MAX_DURATION_SECONDS) {
            error(path, node.loc(), "must be at most " + MAX_DURATION_SECONDS + " seconds (365 days)");
            return null;
        }
        return Duration.ofSeconds(seconds);
    }

    private static long group(Matcher m, int i) {
        return m.group(i) == null ? 0 : Long.parseLong(m.group(i));
    }

    final <E> E choice(Node node, String path, Function<String, Optional<E>> lookup, List<String> allowed) {
        String s = text(node, path, 256, false);
        if (s == null) {
            return null;
        }
        Optional<E> e = lookup.apply(s);
        if (e.isEmpty()) {
            error(path, node.loc(), "must be one of " + String.join(", ", allowed) + ", not '" + abbreviate(s) + "'"
                    + Suggestions.hint(s, allowed));
            return null;
        }
        return e.get();
    }

    final List<Node> list(Node node, String path, int min, int max, String what) {
        if (!(node instanceof Arr arr)) {
            error(path, node.loc(), "must be a list, not " + describe(node));
            return null;
        }
        if (arr.items().size() < min) {
            error(path, node.loc(), "must contain at least " + min + " " + what);
            return null;
        }
        if (arr.items().size() > max) {
            error(path, node.loc(), "at most " + max + " " + what + "s are allowed, found " + arr.items().size());
            return null;
        }
        return arr.items();
    }

    final Obj object(Node node, String path) {
        if (node instanceof Obj obj) {
            return obj;
        }
        error(path, node.loc(), "must be a mapping, not " + describe(node));
        return null;
    }

    final void error(String path, Loc loc, String message) {
        errors.add(new SpecError(path, message, loc.line(), loc.column()));
    }

    static String describe(Node node) {
        return switch (node) {
            case Obj o -> "a mapping";
            case Arr a -> "a list";
            case Scalar s -> switch (s.kind()) {
                case STRING -> "the string \"" + abbreviate(s.text()) + "\"";
                case INT, FLOAT -> "the number " + abbreviate(s.text());
                case BOOL -> s.text();
                case NULL -> "null";
            };
        };
    }

    static <E> List<String> keys(E[] values, Function<E, String> key) {
        return Arrays.stream(values).map(key).toList();
    }

    /** One mapping being read: reports unknown keys up front and treats {@code key: null} as absent. */
    final class Fields {
        final Obj obj;
        final String path;

        Fields(Obj obj, String path, List<String> known) {
            this.obj = obj;
            this.path = path;
            for (Field field : obj.fields().values()) {
                if (!known.contains(field.key())) {
                    error(join(path, field.key()), field.keyLoc(),
                            "unknown field '" + abbreviate(field.key()) + "'" + Suggestions.hint(field.key(), known));
                }
            }
        }

        boolean has(String key) {
            return get(key) != null;
        }

        Node get(String key) {
            Field field = obj.fields().get(key);
            if (field == null || field.value() instanceof Scalar s && s.isNull()) {
                return null;
            }
            return field.value();
        }

        String path(String key) {
            return join(path, key);
        }

        /** Where the key itself is written (for errors about the key, not its value); the mapping when absent. */
        Loc keyLoc(String key) {
            Field field = obj.fields().get(key);
            return field == null ? obj.loc() : field.keyLoc();
        }

        /** A missing key is reported at its enclosing mapping. */
        void missing(String key, String message) {
            error(path(key), obj.loc(), message);
        }
    }
}
