package io.muster.client;

import java.nio.file.Path;
import java.util.Locale;

/** How a job spec is encoded, sent as the request's Content-Type. */
public enum SpecFormat {
    YAML("application/yaml"),
    JSON("application/json");

    private final String contentType;

    SpecFormat(String contentType) {
        this.contentType = contentType;
    }

    public String contentType() {
        return contentType;
    }

    /** By extension ({@code .json} is JSON, {@code .yaml}/{@code .yml} YAML); otherwise by the first character. */
    public static SpecFormat of(Path file, String text) {
        String name = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".json")) return JSON;
        if (name.endsWith(".yaml") || name.endsWith(".yml")) return YAML;
        return text.stripLeading().startsWith("{") ? JSON : YAML;
    }
}
