package io.muster.loadtest.report;

import java.io.PrintStream;
import java.util.Map;

/** The final table on stdout. */
public final class ConsoleReport {
    private ConsoleReport() {}

    public static void print(Report r, PrintStream out) {
        out.println();
        out.printf("muster loadtest %s in %.1f s%s%n", r.status(), r.durationSecs(), r.failure() == null ? "" : " — " + r.failure());
        out.println();
        out.printf("%-9s %-9s %7s  %s%n", "phase", "status", "secs", "figures");
        for (PhaseReport p : r.phases()) {
            out.printf("%-9s %-9s %7.1f  %s%n", p.name(), p.status(), p.durationSecs(), Fmt.headline(p));
            if (p.figures().get("cost") instanceof Map<?, ?> cost && !PhaseCost.line(cost).isEmpty())
                out.printf("%-9s %-9s %7s  CPU: %s%n", "", "", "", PhaseCost.line(cost));
        }
        out.println();
        out.printf("%-22s %10s %9s %9s %9s %9s %9s%n", "latency (ms)", "count", "p50", "p90", "p99", "p99.9", "max");
        for (Map.Entry<String, LatencySummary> e : r.latencies().entrySet()) {
            LatencySummary l = e.getValue();
            out.printf("%-22s %,10d %9s %9s %9s %9s %9s%n", e.getKey(), l.count(), Fmt.ms(l.p50Ms()), Fmt.ms(l.p90Ms()), Fmt.ms(l.p99Ms()),
                    Fmt.ms(l.p999Ms()), Fmt.ms(l.maxMs()));
        }
        out.println();
        out.println("targets");
        for (TargetCheck t : r.targets()) {
            String mark = t.met() == null ? "n/a " : t.met() ? "MET " : "MISS";
            out.printf("  [%s] %-68s %s%n", mark, t.target(), t.measured());
        }
        if (!r.processes().isEmpty()) {
            out.println();
            out.printf("%-12s %8s %10s %10s %12s%n", "process", "pid", "cpu avg %", "cpu max %", "rss max MiB");
            for (ProcessSummary p : r.processes())
                out.printf("%-12s %8d %10.0f %10.0f %12.0f%n", p.name(), p.pid(), p.cpuAvgPct(), p.cpuMaxPct(), p.rssMaxMb());
        }
        if (!r.errorsByStatus().isEmpty()) {
            out.println();
            out.println("errors by call and status");
            r.errorsByStatus().forEach((k, v) -> out.printf("  %-48s %,10d%n", k, v));
        }
        out.println();
    }
}
