package io.muster.cli.install;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The systemd unit templates. Their only copy is the classpath resource next to this class; the release
 * tarball ships the same files as {@code deploy/systemd/}.
 */
final class UnitTemplates {
    static final String WORKER_UNIT = "muster-worker.service";
    static final String SERVER_UNIT = "muster-server.service";

    private static final Pattern PLACEHOLDER = Pattern.compile("@([A-Z_]+)@");

    private UnitTemplates() {}

    static String load(String name) {
        try (InputStream in = UnitTemplates.class.getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException("unit template " + name + " is missing from the classpath (broken build)");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read unit template " + name, e);
        }
    }

    /** Fills every {@code @NAME@}; a placeholder without a value is a programming error, not a silent blank. */
    static String render(String name, Map<String, String> values) {
        String template = load(name);
        Matcher m = PLACEHOLDER.matcher(template);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String v = values.get(m.group(1));
            if (v == null) throw new IllegalStateException("unit template " + name + " uses @" + m.group(1) + "@, which has no value");
            m.appendReplacement(out, Matcher.quoteReplacement(v));
        }
        m.appendTail(out);
        return out.toString();
    }
}
