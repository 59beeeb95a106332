package io.muster.cli;

import io.muster.client.JobStatus;
import io.muster.client.OperationView;
import io.muster.client.OperationView.Step;
import io.muster.client.OperationView.StepTask;
import io.muster.client.OperationView.TargetNode;
import io.muster.client.OperationView.TaskResult;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The human view of an operation job ({@code muster job status ID}): a header, then the results as a matrix of tasks
 * (rows, in step order) by nodes (columns), or, with many nodes, one row per task and node.
 */
final class OperationReport {
    /** More nodes than this and the matrix would not fit a terminal: one row per task and node instead. */
    static final int MAX_MATRIX_NODES = 8;
    static final int OUTPUT_EXCERPT = 40;

    private OperationReport() {}

    static void print(PrintWriter out, JobStatus s, boolean longFormat) {
        OperationView op = s.operation();
        Table.details(out, "ID", s.id(), "Type", s.type(), "Version", s.version(), "Status", op.status(), "Strategy", op.strategy(),
                "Target", op.target() + " (" + nodeCount(op) + ")", "Step", step(op),
                "Queued", Fmt.time(op.queuedAt()), "Started", Fmt.time(op.startedAt()), "Ended", Fmt.time(op.endedAt()), "Reason", op.reason());
        if (!op.excluded().isEmpty()) {
            out.println();
            out.println("Excluded nodes:");
            for (TargetNode n : op.excluded()) out.println("  " + label(n.id(), n.name()) + ": " + (n.reason() == null ? "-" : n.reason()));
        }
        if (!op.steps().isEmpty()) {
            out.println();
            List<Column> nodes = columns(op, s.results());
            Map<String, Map<String, TaskResult>> results = s.results() == null ? Map.of() : s.results();
            if (longFormat || nodes.size() > MAX_MATRIX_NODES) rows(op, nodes, results).print(out);
            else matrix(op, nodes, results).print(out);
        }
        out.flush();
    }

    /** A node as a column or a progress line names it: its name, and its id when that differs. */
    record Column(String id, String label) {}

    private static Table matrix(OperationView op, List<Column> nodes, Map<String, Map<String, TaskResult>> results) {
        List<String> headers = new ArrayList<>(List.of("STEP", "TASK"));
        nodes.forEach(n -> headers.add(n.label()));
        Table t = new Table(headers.toArray(String[]::new));
        for (Step step : op.steps()) {
            for (StepTask task : step.tasks()) {
                List<Object> row = new ArrayList<>(List.of(task.key(), task.task()));
                Map<String, TaskResult> byNode = results.getOrDefault(task.key(), Map.of());
                for (Column n : nodes) row.add(cell(byNode.get(n.id()), step));
                t.row(row.toArray());
            }
        }
        return t;
    }

    private static Table rows(OperationView op, List<Column> nodes, Map<String, Map<String, TaskResult>> results) {
        Table t = new Table("STEP", "TASK", "NODE", "STATUS", "DURATION", "ATTEMPTS", "OUTPUT");
        for (Step step : op.steps()) {
            for (StepTask task : step.tasks()) {
                Map<String, TaskResult> byNode = results.getOrDefault(task.key(), Map.of());
                for (Column n : nodes) {
                    TaskResult r = byNode.get(n.id());
                    if (r == null) t.row(task.key(), task.task(), n.label(), skipped(step) ? "skipped" : null, null, null, null);
                    else t.row(task.key(), task.task(), n.label(), r.status(), r.duration() > 0 ? duration(r.duration()) : null,
                            r.attempts() > 0 ? r.attempts() : null, excerpt(r.output()));
                }
            }
        }
        return t;
    }

    /** {@code success 2.3s}, {@code failed 1.2s x3}; {@code -} without a result ({@code skipped} when the step was). */
    static String cell(TaskResult r, Step step) {
        if (r == null) return skipped(step) ? "skipped" : null;
        StringBuilder sb = new StringBuilder(r.status());
        if (r.duration() > 0) sb.append(' ').append(duration(r.duration()));
        if (r.attempts() > 1) sb.append(" x").append(r.attempts());
        return sb.toString();
    }

    private static boolean skipped(Step step) {
        return "skipped".equals(step.state());
    }

    /** The target's nodes in the server's order, then any node only the results name. Duplicate names get their id. */
    static List<Column> columns(OperationView op, Map<String, Map<String, TaskResult>> results) {
        Map<String, String> names = new LinkedHashMap<>();
        for (TargetNode n : op.nodes()) names.put(Long.toString(n.id()), n.name());
        if (results != null) for (Map<String, TaskResult> byNode : results.values())
            byNode.forEach((id, r) -> names.putIfAbsent(id, r.node()));
        Map<String, Long> seen = names.values().stream().filter(n -> n != null && !n.isBlank())
                .collect(Collectors.groupingBy(n -> n, Collectors.counting()));
        List<Column> out = new ArrayList<>();
        names.forEach((id, name) -> out.add(new Column(id, name == null || name.isBlank() ? id : seen.get(name) > 1 ? name + "(" + id + ")" : name)));
        return out;
    }

    /** Node id to how a progress line names it: {@code w1 (3)}. */
    static Map<String, String> progressLabels(OperationView op) {
        Map<String, String> out = new HashMap<>();
        for (TargetNode n : op.nodes()) out.put(Long.toString(n.id()), label(n.id(), n.name()));
        return out;
    }

    static String label(long id, String name) {
        return name == null || name.isBlank() || name.equals(Long.toString(id)) ? Long.toString(id) : name + " (" + id + ")";
    }

    /** {@code 350ms}, {@code 2.3s}, {@code 4m05s}. */
    static String duration(long ms) {
        if (ms < 1000) return ms + "ms";
        if (ms < 60_000) return String.format(Locale.ROOT, "%.1fs", ms / 1000.0);
        long s = ms / 1000;
        if (s < 3600) return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        return String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60);
    }

    /** The first non-blank line of a task's output, cut to {@value #OUTPUT_EXCERPT} characters. */
    static String excerpt(String output) {
        if (output == null) return null;
        String line = output.lines().map(String::strip).filter(l -> !l.isEmpty()).findFirst().orElse(null);
        if (line == null) return null;
        return line.length() <= OUTPUT_EXCERPT ? line : line.substring(0, OUTPUT_EXCERPT - 3) + "...";
    }

    private static String nodeCount(OperationView op) {
        int n = op.nodes().size();
        String s = n + (n == 1 ? " node" : " nodes");
        return op.excluded().isEmpty() ? s : s + ", " + op.excluded().size() + " excluded";
    }

    private static String step(OperationView op) {
        return op.steps().isEmpty() ? Integer.toString(op.step()) : op.step() + " (steps 0-" + (op.steps().size() - 1) + ")";
    }

    /** The one line an operation ends with: {@code operation X failed: reason}. */
    static String outcome(JobStatus s) {
        OperationView op = s.operation();
        String status = op != null && op.status() != null ? op.status() : s.status();
        String reason = op == null ? null : op.reason();
        return "operation " + s.id() + " " + status + (reason == null || reason.isBlank() ? "" : ": " + reason);
    }
}
