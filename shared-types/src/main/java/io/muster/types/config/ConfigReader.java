package io.muster.types.config;

import io.muster.types.config.YamlTree.MapNode;
import io.muster.types.config.YamlTree.Scalar;
import io.muster.types.config.YamlTree.Seq;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/** Typed, strict access to a {@link YamlTree}; problems are collected with their path and line. */
final class ConfigReader {
    final List<String> problems = new ArrayList<>();

    void problem(String path, YamlTree at, String message) {
        problems.add(path + ": " + message + (at != null ? " (" + at.where() + ")" : ""));
    }

    /** Reports every key of {@code map} not in {@code allowed}, naming the closest allowed key. */
    void onlyKeys(String path, MapNode map, Set<String> allowed) {
        for (var e : map.keyLines().entrySet()) {
            if (!allowed.contains(e.getKey())) {
                String hint = closest(e.getKey(), allowed).map(s -> " (did you mean '" + s + "'?)").orElse("");
                problems.add(join(path, e.getKey()) + ": unknown field" + hint + " (line " + e.getValue()[0] + ", column " + e.getValue()[1] + ")");
            }
        }
    }

    Optional<MapNode> map(String path, YamlTree node) {
        if (node instanceof MapNode m) return Optional.of(m);
        problem(path, node, "must be a mapping");
        return Optional.empty();
    }

    Optional<String> string(String path, MapNode parent, String key) {
        YamlTree v = parent.entries().get(key);
        if (v == null || (v instanceof Scalar s && s.isNull())) return Optional.empty();
        if (v instanceof Scalar s) return Optional.of(s.text());
        problem(join(path, key), v, "must be a string");
        return Optional.empty();
    }

    Optional<Long> integer(String path, MapNode parent, String key, long min, long max) {
        YamlTree v = parent.entries().get(key);
        if (v == null || (v instanceof Scalar s && s.isNull())) return Optional.empty();
        String p = join(path, key);
        if (v instanceof Scalar s && !s.stringToken()) {
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

    Optional<HostPort> address(String path, MapNode parent, String key) {
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

    <T> List<T> list(String path, MapNode parent, String key, Function<Indexed, Optional<T>> item) {
        YamlTree v = parent.entries().get(key);
        List<T> out = new ArrayList<>();
        if (v == null || (v instanceof Scalar s && s.isNull())) return out;
        if (!(v instanceof Seq seq)) {
            problem(join(path, key), v, "must be a list");
            return out;
        }
        for (int i = 0; i < seq.items().size(); i++) {
            item.apply(new Indexed(join(path, key) + "[" + i + "]", seq.items().get(i))).ifPresent(out::add);
        }
        return out;
    }

    Map<String, String> stringMap(String path, MapNode parent, String key) {
        YamlTree v = parent.entries().get(key);
        Map<String, String> out = new LinkedHashMap<>();
        if (v == null || (v instanceof Scalar s && s.isNull())) return out;
        if (!(v instanceof MapNode m)) {
            problem(join(path, key), v, "must be a mapping of strings");
            return out;
        }
        m.entries().forEach((k, val) -> {
            if (val instanceof Scalar s && !s.isNull()) out.put(k, s.text());
            else problem(join(join(path, key), k), val, "must be a string");
        });
        return out;
    }

    record Indexed(String path, YamlTree node) {}

    static String join(String path, String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    static Optional<String> closest(String word, Set<String> candidates) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String c : candidates) {
            int d = distance(word, c);
            if (d < bestDistance) {
                bestDistance = d;
                best = c;
            }
        }
        return bestDistance <= Math.max(2, word.length() / 3) ? Optional.ofNullable(best) : Optional.empty();
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
