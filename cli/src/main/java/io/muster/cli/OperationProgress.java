package io.muster.cli;

import io.muster.client.JobStatus;
import io.muster.client.OperationView;
import io.muster.client.OperationView.Step;
import io.muster.client.OperationView.StepTask;
import io.muster.client.OperationView.TaskResult;
import java.io.PrintWriter;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * {@code muster job run --wait} for an operation: fed every new view of the job, it prints one line per change of a
 * task on a node ({@code step 0.1 apt install  w1 (3)  success  2.3s  attempt 1}), one per skipped step, and the
 * operation's status while it is queued or running. The final status is the caller's to print.
 */
final class OperationProgress {
    private static final Set<String> SHOWS_DURATION = Set.of("success", "failed", "retrying", "stopped");
    private static final Set<String> SHOWS_MESSAGE = Set.of("failed", "retrying", "stopped");

    private final PrintWriter out;
    /** "key node" -> the status and attempt last printed for it. */
    private final Map<String, String> printed = new HashMap<>();
    private final Set<Integer> skippedPrinted = new HashSet<>();
    private String status;
    private boolean excludedPrinted;

    OperationProgress(PrintWriter out) {
        this.out = out;
    }

    void update(JobStatus s) {
        OperationView op = s.operation();
        if (op == null) return;
        if (!excludedPrinted) { // the target is resolved when the job is committed: the first view has it
            for (OperationView.TargetNode n : op.excluded())
                out.println("excluded " + OperationReport.label(n.id(), n.name()) + ": " + (n.reason() == null ? "-" : n.reason()));
            excludedPrinted = true;
        }
        if (!Objects.equals(op.status(), status) && !s.isTerminal()) out.println("operation " + op.status());
        status = op.status();
        Map<String, Map<String, TaskResult>> results = s.results() == null ? Map.of() : s.results();
        List<OperationReport.Column> nodes = OperationReport.columns(op, results);
        Map<String, String> labels = OperationReport.progressLabels(op);
        for (Step step : op.steps()) {
            if ("skipped".equals(step.state()) && skippedPrinted.add(step.index())) out.println("step " + step.index() + " skipped (" + why(step) + ")");
            for (StepTask task : step.tasks()) {
                Map<String, TaskResult> byNode = results.getOrDefault(task.key(), Map.of());
                for (OperationReport.Column n : nodes) {
                    TaskResult r = byNode.get(n.id());
                    if (r == null || "pending".equals(r.status())) continue;
                    String seen = r.status() + " " + r.attempts();
                    if (seen.equals(printed.put(task.key() + " " + n.id(), seen))) continue;
                    out.println(line(task, labels.getOrDefault(n.id(), n.label()), r));
                }
            }
        }
        out.flush();
    }

    static String line(StepTask task, String node, TaskResult r) {
        StringBuilder sb = new StringBuilder("step ").append(task.key()).append(' ').append(task.task()).append("  ").append(node)
                .append("  ").append(r.status());
        if (SHOWS_DURATION.contains(r.status()) && r.duration() > 0) sb.append("  ").append(OperationReport.duration(r.duration()));
        if (r.attempts() > 0) sb.append("  attempt ").append(r.attempts());
        if (SHOWS_MESSAGE.contains(r.status()) && r.message() != null && !r.message().isBlank()) sb.append(": ").append(r.message().strip());
        return sb.toString();
    }

    /** Why a step did not run, from its condition: the server says only that it was skipped. */
    static String why(Step step) {
        return switch (String.valueOf(step.condition())) {
            case "on_success" -> "on_success: a step failed";
            case "on_failure" -> "on_failure: no step failed";
            default -> step.condition() + ": the operation ended first";
        };
    }
}
