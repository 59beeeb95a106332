package io.muster.types.config;

import java.util.List;

/** A configuration file that cannot be used; every problem names its field and line. */
public final class ConfigException extends Exception {
    private final List<String> problems;

    public ConfigException(String source, List<String> problems) {
        super(format(source, problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }

    private static String format(String source, List<String> problems) {
        if (problems.size() == 1) return source + ": " + problems.get(0);
        StringBuilder sb = new StringBuilder(source).append(": ").append(problems.size()).append(" problems:");
        for (String p : problems) sb.append("\n  - ").append(p);
        return sb.toString();
    }
}
