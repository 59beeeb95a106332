package io.muster.types.job;

import java.util.Locale;
import java.util.Optional;

/** The text formats a job spec can be written in. */
public enum SpecFormat {
    YAML,
    JSON;

    /** By extension: {@code .json} is JSON, {@code .yaml}/{@code .yml} YAML, anything else unknown. */
    public static Optional<SpecFormat> forFileName(String name) {
        if (name == null) {
            return Optional.empty();
        }
        String lower = name.toLowerCase(Locale.ROOT);
        if (lower.endsWith(".json")) {
            return Optional.of(JSON);
        }
        if (lower.endsWith(".yaml") || lower.endsWith(".yml")) {
            return Optional.of(YAML);
        }
        return Optional.empty();
    }

    /**
     * By content: text whose first non-blank character is <code>{</code> is JSON, anything else YAML. JSON is
     * also valid YAML, but the JSON parser reports mistakes in JSON terms.
     */
    public static SpecFormat detect(CharSequence text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\uFEFF' || Character.isWhitespace(c)) {
                continue;
            }
            return c == '{' ? JSON : YAML;
        }
        return YAML;
    }
}
