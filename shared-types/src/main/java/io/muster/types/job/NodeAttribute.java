package io.muster.types.job;

import java.util.regex.Pattern;

/**
 * A node property that a {@link Constraint} can test. Spellings accepted in specs:
 * <ul>
 *   <li>{@code label.<key>}: a label the worker was configured with; key matches {@value #LABEL_KEY_SYNTAX};</li>
 *   <li>{@code node.os} or {@code os}: the worker's OS, e.g. {@code linux};</li>
 *   <li>{@code node.arch} or {@code arch}: the worker's CPU architecture, e.g. {@code amd64};</li>
 *   <li>{@code node.id}: the node's numeric id;</li>
 *   <li>{@code node.driver.<name>}: present (value {@code "true"}) when the node advertises that driver.</li>
 * </ul>
 * {@link #toString()} gives the canonical spelling ({@code os} becomes {@code node.os}).
 */
public sealed interface NodeAttribute {

    /** Regular expression for label keys. */
    String LABEL_KEY_SYNTAX = "[A-Za-z0-9][A-Za-z0-9._/-]{0,127}";
    /** Regular expression for driver names in {@code node.driver.<name>}. */
    String DRIVER_NAME_SYNTAX = "[a-z0-9][a-z0-9_-]{0,62}";

    /** The value of label {@code key}. */
    record Label(String key) implements NodeAttribute {
        public Label {
            if (key == null || !LABEL_KEY.matcher(key).matches()) {
                throw new IllegalArgumentException("invalid label key: " + key);
            }
        }

        @Override
        public String toString() {
            return "label." + key;
        }
    }

    /** The node's operating system. */
    record Os() implements NodeAttribute {
        @Override
        public String toString() {
            return "node.os";
        }
    }

    /** The node's CPU architecture. */
    record Arch() implements NodeAttribute {
        @Override
        public String toString() {
            return "node.arch";
        }
    }

    /** The node's numeric id, compared as its decimal text. */
    record Id() implements NodeAttribute {
        @Override
        public String toString() {
            return "node.id";
        }
    }

    /** {@code "true"} when the node advertises driver {@code name}, absent otherwise. */
    record DriverPresent(String name) implements NodeAttribute {
        public DriverPresent {
            if (name == null || !DRIVER_NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("invalid driver name: " + name);
            }
        }

        @Override
        public String toString() {
            return "node.driver." + name;
        }
    }

    Pattern LABEL_KEY = Pattern.compile(LABEL_KEY_SYNTAX);
    Pattern DRIVER_NAME = Pattern.compile(DRIVER_NAME_SYNTAX);

    /** Fixed spellings, for "did you mean" hints. */
    java.util.List<String> KNOWN_SPELLINGS =
            java.util.List.of("label.", "node.os", "os", "node.arch", "arch", "node.id", "node.driver.");

    /**
     * Parses an attribute spelling.
     *
     * @throws IllegalArgumentException with a user-facing explanation when the spelling is unknown or malformed
     */
    static NodeAttribute parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("attribute is required");
        }
        switch (text) {
            case "node.os", "os" -> {
                return new Os();
            }
            case "node.arch", "arch" -> {
                return new Arch();
            }
            case "node.id" -> {
                return new Id();
            }
            default -> {
            }
        }
        if (text.startsWith("label.")) {
            String key = text.substring("label.".length());
            if (!LABEL_KEY.matcher(key).matches()) {
                throw new IllegalArgumentException(
                        "label key '" + key + "' must match " + LABEL_KEY_SYNTAX);
            }
            return new Label(key);
        }
        if (text.startsWith("node.driver.")) {
            String name = text.substring("node.driver.".length());
            if (!DRIVER_NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("driver name '" + name + "' must match " + DRIVER_NAME_SYNTAX);
            }
            return new DriverPresent(name);
        }
        throw new IllegalArgumentException("unknown attribute '" + text
                + "'; expected label.<key>, node.os, node.arch, node.id or node.driver.<name>");
    }
}
