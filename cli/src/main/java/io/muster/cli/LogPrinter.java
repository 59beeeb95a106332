package io.muster.cli;

import io.muster.client.LogEvent;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Prints a log stream as it arrives. Two forms: headers ({@code ==> alloc A on node N <==} whenever the source
 * changes, as {@code tail -f} does with several files), or a prefix on every line ({@code node: line}, for
 * {@code job run --wait} on several nodes), which holds a partial line back until its end arrives so that lines
 * of two nodes never mix. Errors of an allocation go to stderr; lost output shows as {@code [N bytes dropped]}.
 */
final class LogPrinter {
    private final PrintWriter out;
    private final PrintWriter err;
    private final boolean headers;
    private final Function<LogEvent, String> prefix;
    private final Map<String, StringBuilder> partial = new HashMap<>();
    private String lastSource;
    private int errors;

    /** @param prefix the line prefix of an event's source, or null for the header form */
    LogPrinter(PrintWriter out, PrintWriter err, boolean headers, Function<LogEvent, String> prefix) {
        this.out = out;
        this.err = err;
        this.headers = headers;
        this.prefix = prefix;
    }

    synchronized void print(LogEvent e) {
        if (e.end()) {
            flushPartial(e.allocId());
            if (e.error() != null && !e.error().isBlank()) {
                errors++;
                out.flush();
                err.println("alloc " + e.allocId() + ": " + e.error());
                err.flush();
            }
            return;
        }
        String text = new String(e.data(), StandardCharsets.UTF_8);
        if (prefix != null) {
            if (e.dropped() > 0) line(e, "[" + e.dropped() + " bytes dropped]");
            String key = e.allocId() + "/" + e.task() + "/" + e.stream();
            StringBuilder p = partial.computeIfAbsent(key, k -> new StringBuilder()).append(text);
            int nl;
            while ((nl = p.indexOf("\n")) >= 0) {
                line(e, p.substring(0, nl));
                p.delete(0, nl + 1);
            }
            out.flush();
            return;
        }
        String source = e.allocId() + "/" + e.task();
        if (headers && !source.equals(lastSource)) {
            out.println("==> alloc " + e.allocId() + " on node " + e.nodeId() + (e.task() == null || e.task().isEmpty() ? "" : " task " + e.task()) + " <==");
        }
        lastSource = source;
        if (e.dropped() > 0) out.println("[" + e.dropped() + " bytes dropped]");
        out.print(text);
        out.flush();
    }

    private void line(LogEvent e, String text) {
        (e.stderr() ? err : out).println(prefix.apply(e) + text);
        if (e.stderr()) err.flush();
    }

    private void flushPartial(String allocId) {
        if (prefix == null) return;
        partial.forEach((k, p) -> {
            if (k.startsWith(allocId + "/") && !p.isEmpty()) {
                out.println(p);
                p.setLength(0);
            }
        });
        out.flush();
    }

    int errors() {
        return errors;
    }
}
