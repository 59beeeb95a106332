package io.muster.loadtest;

import io.muster.loadtest.report.LatencySummary;
import io.muster.loadtest.report.PhaseReport;
import io.muster.loadtest.report.Report;
import io.muster.loadtest.report.TargetCheck;
import io.muster.loadtest.sim.Metrics.Count;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Turns a finished (or aborted) run into its {@link Report}: summary figures, and the targets next to what was measured. */
final class ReportBuilder {
    private final LoadTestRun run;

    ReportBuilder(LoadTestRun run) {
        this.run = run;
    }

    Report build(String failure, Instant started, Instant finished, double seconds) {
        Map<String, Object> summary = new LinkedHashMap<>(run.summary);
        Object ids = summary.remove("spurious_down_ids");
        if (ids instanceof Set<?> s && !s.isEmpty()) summary.put("spurious_down_examples", s.stream().limit(10).toList());
        summary.putIfAbsent("spurious_downs", anyDownCheck() ? 0 : null);
        phase("steady").map(p -> p.latencies().get("heartbeat")).ifPresent(l -> summary.put("steady_heartbeat_p99_ms", l.p99Ms()));
        phase("fanout").map(p -> p.latencies().get("commit_to_worker")).ifPresent(l -> {
            summary.put("commit_to_worker_p50_ms", l.p50Ms());
            summary.put("commit_to_worker_p99_ms", l.p99Ms());
        });
        summary.put("duplicate_deliveries", run.metrics.get(Count.DUPLICATE_DELIVERIES));
        summary.put("redelivered_sets", run.metrics.get(Count.REDELIVERED_SETS));
        if (summary.containsKey("misplaced_or_multi_held_assignments"))
            summary.put("duplicated_assignments", (Long) summary.get("misplaced_or_multi_held_assignments") + run.metrics.get(Count.DUPLICATE_DELIVERIES));
        summary.put("heartbeats_total", run.metrics.get(Count.HEARTBEATS));
        summary.put("deletes_received", run.metrics.get(Count.DELETES_RECEIVED));
        summary.put("server_moves", run.metrics.get(Count.ROTATIONS));
        summary.put("errors_total", run.metrics.errorTotal());
        List<String> notes = new ArrayList<>(run.notes);
        run.downExamples.forEach(d -> notes.add("marked down while its lease ran: " + d));
        run.metrics.errorSamples().values().stream().limit(20).forEach(s -> notes.add("first error of its kind: " + s));
        return new Report(Report.TOOL, Report.FORMAT_VERSION, failure == null ? "completed" : "failed", failure, started.toString(),
                finished.toString(), Sampler.round(seconds), run.settings.commandLine(), run.settings.forReport(), run.environment, summary,
                run.sampler.totals(), run.metrics.errors(), List.copyOf(run.phases), targets(summary), run.sampler.processes(),
                run.sampler.series(), notes);
    }

    private boolean anyDownCheck() {
        return run.phases.stream().anyMatch(p -> p.figures().containsKey("marked_down_lease_running"));
    }

    private Optional<PhaseReport> phase(String name) {
        return run.phases.stream().filter(p -> p.name().equals(name) && "completed".equals(p.status())).findFirst();
    }

    private List<TargetCheck> targets(Map<String, Object> summary) {
        int n = run.settings.workers();
        boolean full = n >= 10_000;
        List<TargetCheck> out = new ArrayList<>();
        Object reg = summary.get("registration_secs");
        out.add(new TargetCheck("registration", "10,000 workers registered in <= 20 s",
                reg == null ? "not measured" : String.format("%,d workers registered in %s s", n, reg),
                reg == null || !full ? null : ((Number) reg).doubleValue() <= 20));

        Optional<PhaseReport> steady = phase("steady");
        out.add(steady.map(p -> {
            double rate = num(p.figures().get("heartbeats_per_sec"));
            LatencySummary l = p.latencies().getOrDefault("heartbeat", LatencySummary.EMPTY);
            long downs = (long) num(p.figures().getOrDefault("marked_down_lease_running", 0));
            boolean measuredDowns = p.figures().containsKey("marked_down_lease_running");
            String m = String.format("%,.0f heartbeats/s, p99 %.1f ms, %s", rate, l.p99Ms(), measuredDowns ? downs + " wrongly marked down" : "downs not checked (no API)");
            Boolean met = run.settings.heartbeatRate() > 0 && measuredDowns ? rate >= 5000 && l.p99Ms() <= 50 && downs == 0 : null;
            return new TargetCheck("heartbeats", ">= 5,000 heartbeats/s with p99 <= 50 ms and no spurious expiry", m, met);
        }).orElse(new TargetCheck("heartbeats", ">= 5,000 heartbeats/s with p99 <= 50 ms and no spurious expiry", "not measured", null)));

        Optional<PhaseReport> fan = phase("fanout");
        out.add(fan.map(p -> {
            long a = run.settings.allocations();
            double secs = num(p.figures().get("all_received_secs"));
            String m = String.format("%,d allocations placed and received by %,d workers in %.1f s (%,.0f placements/s)", a,
                    (long) num(p.figures().get("workers")), secs, num(p.figures().get("placements_per_sec")));
            return new TargetCheck("fanout", "1,000,000 allocations placed and received by 10,000 workers in <= 300 s", m,
                    a >= 1_000_000 && full ? secs <= 300 : null);
        }).orElse(new TargetCheck("fanout", "1,000,000 allocations placed and received by 10,000 workers in <= 300 s", "not measured", null)));

        Optional<PhaseReport> fo = phase("failover");
        out.add(fo.map(p -> {
            double gap = num(p.figures().get("write_gap_max_ms"));
            long down = (long) num(p.figures().getOrDefault("marked_down_lease_running", 0)) + (long) num(p.figures().getOrDefault("marked_down_lease_lapsed", 0));
            long lost = (long) num(p.figures().getOrDefault("check_lost", 0));
            String m = String.format("writes stalled at most %.0f ms, %d workers marked down, %s", gap, down,
                    p.figures().containsKey("check_lost") ? lost + " assignments lost" : "assignments not checked (no jobs)");
            return new TargetCheck("failover", "leader failover with 10,000 workers: serving in <= 2 s, no worker down, no assignment lost", m,
                    full ? gap <= 2000 && down == 0 && lost == 0 : null);
        }).orElse(new TargetCheck("failover", "leader failover with 10,000 workers: serving in <= 2 s, no worker down, no assignment lost", "not measured", null)));
        return out;
    }

    private static double num(Object o) {
        return o instanceof Number n ? n.doubleValue() : 0;
    }
}
