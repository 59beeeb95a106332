package io.muster.types.config;

import io.muster.types.yaml.SourceTree;
import io.muster.types.yaml.SourceTree.Arr;
import io.muster.types.yaml.SourceTree.Field;
import io.muster.types.yaml.SourceTree.Kind;
import io.muster.types.yaml.SourceTree.Node;
import io.muster.types.yaml.SourceTree.Obj;
import io.muster.types.yaml.SourceTree.Scalar;
import io.muster.types.yaml.Suggestions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/** Typed, strict access to a {@link SourceTree}; problems are collected with their path and line. */
final class ConfigReader {
    final List<String> problems = new ArrayList<>();

    void problem(String path, Node at, String message) {
        problems.add(path + ": " + message + (at != null ? " (" + at.where() + ")" : ""));
    }

    /** Reports every key of {@code map} not in {@code allowed}, naming the closest allowed key. */
    void onlyKeys(String path, Obj map, Set<String> allowed) {
        for (Field f : map.fields().values()) {
            if (!allowed.contains(f.key())) {
                problems.add(join(path, f.key()) + ": unknown field" + Suggestions.hint(f.key(), allowed) + " (" + f.keyLoc().where() + ")");
            }
        }
    }

    Optional<Obj> map(String path, Node node) {
        if (node instanceof Obj m) return Optional.of(m);
        problem(path, node, "must be a mapping");
        return Optional.empty();
    }

    Optional<String> string(String path, Obj parent, String key) {
        Node v = parent.entries().get(key);
        if (v == null || (v instanceof Scalar s && s.isNull())) return Optional.empty();
        if (v instanceof Scalar s) return Optional.of(s.text());
        problem(join(path, key), v, "must be a string");
        return Optional.empty();
    }

    Optional<Long> integer(String path, Obj parent, String key, long min, long max) {
        Node v = parent.entries().get(key);
        if (v == null || (v instanceof Scalar s && s.isNull())) return Optional.empty();
        String p = join(path, key);
        if (v instanceof Scalar s && s.kind() != Kind.STRING) {
            try {
                long n = Long.parseLong(s.text());
                if (n < min || n > max) {
                    problem(p, v, "must be between " + min + " and " + max + ", got " + n);
                    return Optional.empty();
                }
                return Optional.of(n);
            } catch (NumberFormatException e) {
                // fall through
            }
        }
        problem(p, v, "must be a whole number" + (v instanceof Scalar s ? ", got '" + s.text() + "'" : ""));
        return Optional.empty();
    }

    Optional<Boolean> bool(String path, Obj parent, String key) {
        Node v = parent.entries().get(key);
        if (v == null || (v instanceof Scalar s && s.isNull())) return Optional.empty();
        if (v instanceof Scalar s && s.kind() == Kind.BOOL) return Optional.of(Boolean.parseBoolean(s.text().toLowerCase(java.util.Locale.ROOT)));
        problem(join(path, key), v, "must be true or false" + (v instanceof Scalar s ? ", got '" + s.text() + "'" : ""));
        return Optional.empty();
    }

    Optional<HostPort> address(String path, Obj parent, String key) {
        String p = join(path, key);
        return string(path, parent, key).flatMap(s -> {
            try {
                return Optional.of(HostPort.parse(s));
            } catch (IllegalArgumentException e) {
                problem(p, parent.entries().get(key), "bad address: " + e.getMessage());
                return Optional.empty();
            }
        });
    }

    <T> List<T> list(String path, Obj parent, String key, Function<Indexed, Optional<T>> item) {
        Node v = parent.entries().get(key);
        List<T> out = new ArrayList<>();
        if (v == null || (v instanceof Scalar s && s.isNull())) return out;
        if (!(v instanceof Arr seq)) {
            problem(join(path, key), v, "must be a list");
            return out;
        }
        for (int i = 0; i < seq.items().size(); i++) {
            item.apply(new Indexed(join(path, key) + "[" + i + "]", seq.items().get(i))).ifPresent(out::add);
        }
        return out;
    }

    Map<String, String> stringMap(String path, Obj parent, String key) {
        Node v = parent.entries().get(key);
        Map<String, String> out = new LinkedHashMap<>();
        if (v == null || (v instanceof Scalar s && s.isNull())) return out;
        if (!(v instanceof Obj m)) {
            problem(join(path, key), v, "must be a mapping of strings");
            return out;
        }
        m.entries().forEach((k, val) -> {
            if (val instanceof Scalar s && !s.isNull()) out.put(k, s.text());
            else problem(join(join(path, key), k), val, "must be a string");
        });
        return out;
    }

    record Indexed(String path, Node node) {}

    static String join(String path, String key) {
        return SourceTree.join(path, key);
    }
}
