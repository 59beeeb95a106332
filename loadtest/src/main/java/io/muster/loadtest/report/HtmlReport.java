package io.muster.loadtest.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToDoubleFunction;

/** loadtest-report.html: one self-contained page (inline CSS and SVG, no scripts, nothing fetched). */
public final class HtmlReport {
    private HtmlReport() {}

    public static void write(Report r, Path file) throws IOException {
        ReportWriter.atomicWrite(file, render(r).getBytes(StandardCharsets.UTF_8));
    }

    public static String render(Report r) {
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>muster loadtest report</title><style>")
                .append("body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px auto;max-width:1000px;color:#0f172a;padding:0 12px}")
                .append("h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px;border-bottom:1px solid #e2e8f0;padding-bottom:4px}")
                .append("table{border-collapse:collapse;width:100%;font-size:13px}td,th{padding:4px 8px;border-bottom:1px solid #e2e8f0;text-align:left;vertical-align:top}")
                .append("th{background:#f8fafc;font-weight:600}td.n{text-align:right;font-variant-numeric:tabular-nums}")
                .append(".ok{color:#15803d;font-weight:600}.bad{color:#b91c1c;font-weight:600}.na{color:#64748b}")
                .append(".meta{color:#475569;font-size:13px}code{background:#f1f5f9;padding:1px 4px;border-radius:3px;font-size:12px;word-break:break-all}")
                .append("svg{max-width:100%;height:auto;margin:6px 0 10px;border:1px solid #e2e8f0}")
                .append("</style></head><body>");
        h.append("<h1>muster loadtest — <span class=\"").append(r.completed() ? "ok" : "bad").append("\">").append(esc(r.status())).append("</span></h1>");
        h.append("<p class=\"meta\">").append(esc(r.startedAt())).append(" · ").append(String.format("%.1f", r.durationSecs())).append(" s · ")
                .append(esc(String.valueOf(r.environment().get("cluster")))).append(" · ").append(esc(String.valueOf(r.environment().get("cores"))))
                .append(" cores, ").append(esc(String.valueOf(r.environment().get("memory_total_mb")))).append(" MiB · Java ")
                .append(esc(String.valueOf(r.environment().get("java")))).append("</p>");
        if (r.command() != null) h.append("<p class=\"meta\"><code>").append(esc(r.command())).append("</code></p>");
        if (r.failure() != null) h.append("<p class=\"bad\">").append(esc(r.failure())).append("</p>");

        h.append("<h2>Targets</h2><table><tr><th></th><th>target</th><th>measured</th></tr>");
        for (TargetCheck t : r.targets()) {
            String cls = t.met() == null ? "na" : t.met() ? "ok" : "bad";
            String word = t.met() == null ? "n/a" : t.met() ? "met" : "missed";
            h.append("<tr><td class=\"").append(cls).append("\">").append(word).append("</td><td>").append(esc(t.target())).append("</td><td>")
                    .append(esc(t.measured())).append("</td></tr>");
        }
        h.append("</table>");

        h.append("<h2>Phases</h2><table><tr><th>phase</th><th>status</th><th>seconds</th><th>figures</th><th>CPU per operation</th></tr>");
        for (PhaseReport p : r.phases()) {
            h.append("<tr><td>").append(esc(p.name())).append("</td><td class=\"").append("completed".equals(p.status()) ? "ok" : "failed".equals(p.status()) ? "bad" : "na")
                    .append("\">").append(esc(p.status())).append("</td><td class=\"n\">").append(String.format("%.1f", p.durationSecs())).append("</td><td>")
                    .append(esc(Fmt.headline(p)));
            if (p.message() != null && !p.status().equals("skipped")) h.append("<br><span class=\"bad\">").append(esc(p.message())).append("</span>");
            h.append("</td><td>").append(p.figures().get("cost") instanceof Map<?, ?> cost ? esc(PhaseCost.line(cost)) : "").append("</td></tr>");
        }
        h.append("</table>");

        h.append("<h2>Latency (whole run)</h2>");
        latencyTable(h, r.latencies());
        for (PhaseReport p : r.phases()) {
            if (p.latencies() == null || p.latencies().isEmpty()) continue;
            h.append("<p class=\"meta\">").append(esc(p.name())).append(" phase</p>");
            latencyTable(h, p.latencies());
        }

        h.append("<h2>Over time</h2>");
        List<SeriesPoint> s = r.series();
        double xMax = s.isEmpty() ? 1 : s.get(s.size() - 1).t();
        List<SvgChart.Band> bands = bands(r);
        chart(h, "Registrations per second", "registrations/s", s, bands, xMax, line("registrations/s", s, SeriesPoint::registrations));
        chart(h, "Heartbeats and assignment acks per second", "calls/s", s, bands, xMax, line("heartbeats/s", s, SeriesPoint::heartbeats),
                line("acks/s", s, SeriesPoint::acks));
        chart(h, "Heartbeat latency (per second)", "ms", s, bands, xMax, line("p50", s, SeriesPoint::heartbeatP50Ms), line("p99", s, SeriesPoint::heartbeatP99Ms));
        chart(h, "Registration latency (p99 per second)", "ms", s, bands, xMax, line("registration p99", s, SeriesPoint::registrationP99Ms));
        chart(h, "Allocations received by workers per second", "allocations/s", s, bands, xMax, line("received/s", s, SeriesPoint::allocsReceived));
        chart(h, "Commit-to-worker latency (p99 per second)", "ms", s, bands, xMax, line("submit → Set at worker, p99", s, SeriesPoint::deliveryP99Ms));
        chart(h, "Workers ready", "workers", s, bands, xMax, line("ready", s, SeriesPoint::workersReady));
        chart(h, "Errors per second", "errors/s", s, bands, xMax, line("failed calls/s", s, SeriesPoint::errors));
        Set<String> procs = new LinkedHashSet<>();
        for (SeriesPoint p : s) if (p.processes() != null) procs.addAll(p.processes().keySet());
        List<SvgChart.Line> cpu = new ArrayList<>();
        List<SvgChart.Line> rss = new ArrayList<>();
        for (String name : procs) {
            cpu.add(procLine(name, s, true));
            rss.add(procLine(name, s, false));
        }
        chart(h, "CPU (100% = one core)", "%", s, bands, xMax, cpu.toArray(SvgChart.Line[]::new));
        chart(h, "Resident memory", "MiB", s, bands, xMax, rss.toArray(SvgChart.Line[]::new));

        if (!r.processes().isEmpty()) {
            h.append("<h2>Processes</h2><table><tr><th>process</th><th>pid</th><th>CPU avg %</th><th>CPU max %</th><th>RSS max MiB</th><th>RSS last MiB</th></tr>");
            for (ProcessSummary p : r.processes()) {
                h.append("<tr><td>").append(esc(p.name())).append("</td><td class=\"n\">").append(p.pid()).append("</td><td class=\"n\">")
                        .append(String.format("%.0f", p.cpuAvgPct())).append("</td><td class=\"n\">").append(String.format("%.0f", p.cpuMaxPct()))
                        .append("</td><td class=\"n\">").append(String.format("%.0f", p.rssMaxMb())).append("</td><td class=\"n\">")
                        .append(String.format("%.0f", p.rssLastMb())).append("</td></tr>");
            }
            h.append("</table><p class=\"meta\">machine: every process on the machine (CPU 100% = one core busy; memory = used, MemTotal − MemAvailable).</p>");
        }
        h.append("<h2>Errors by call and gRPC/HTTP status</h2>");
        if (r.errorsByStatus().isEmpty()) h.append("<p class=\"meta\">none</p>");
        else {
            h.append("<table><tr><th>call and status</th><th>count</th></tr>");
            r.errorsByStatus().forEach((k, v) -> h.append("<tr><td>").append(esc(k)).append("</td><td class=\"n\">").append(Fmt.num(v)).append("</td></tr>"));
            h.append("</table>");
        }
        h.append("<h2>Summary figures</h2><table>");
        r.summary().forEach((k, v) -> h.append("<tr><td>").append(esc(k)).append("</td><td class=\"n\">").append(esc(Fmt.num(v))).append("</td></tr>"));
        h.append("</table>");
        if (!r.notes().isEmpty()) {
            h.append("<h2>Notes</h2><ul>");
            for (String n : r.notes()) h.append("<li>").append(esc(n)).append("</li>");
            h.append("</ul>");
        }
        h.append("<h2>Settings</h2><table>");
        r.settings().forEach((k, v) -> h.append("<tr><td>").append(esc(k)).append("</td><td>").append(esc(String.valueOf(v))).append("</td></tr>"));
        h.append("</table></body></html>\n");
        return h.toString();
    }

    private static void latencyTable(StringBuilder h, Map<String, LatencySummary> lat) {
        h.append("<table><tr><th>ms</th><th>count</th><th>p50</th><th>p90</th><th>p99</th><th>p99.9</th><th>max</th><th>mean</th></tr>");
        lat.forEach((k, l) -> h.append("<tr><td>").append(esc(k)).append("</td><td class=\"n\">").append(Fmt.num(l.count())).append("</td><td class=\"n\">")
                .append(Fmt.ms(l.p50Ms())).append("</td><td class=\"n\">").append(Fmt.ms(l.p90Ms())).append("</td><td class=\"n\">").append(Fmt.ms(l.p99Ms()))
                .append("</td><td class=\"n\">").append(Fmt.ms(l.p999Ms())).append("</td><td class=\"n\">").append(Fmt.ms(l.maxMs()))
                .append("</td><td class=\"n\">").append(Fmt.ms(l.meanMs())).append("</td></tr>"));
        h.append("</table>");
    }

    private static List<SvgChart.Band> bands(Report r) {
        List<SvgChart.Band> out = new ArrayList<>();
        for (PhaseReport p : r.phases()) if (p.durationSecs() > 0) out.add(new SvgChart.Band(p.name(), p.startedAtSecs(), p.startedAtSecs() + p.durationSecs()));
        return out;
    }

    private static SvgChart.Line line(String name, List<SeriesPoint> s, ToDoubleFunction<SeriesPoint> f) {
        double[] xs = new double[s.size()];
        double[] ys = new double[s.size()];
        for (int i = 0; i < s.size(); i++) {
            xs[i] = s.get(i).t();
            ys[i] = f.applyAsDouble(s.get(i));
        }
        return new SvgChart.Line(name, xs, ys);
    }

    private static SvgChart.Line procLine(String name, List<SeriesPoint> s, boolean cpu) {
        List<double[]> pts = new ArrayList<>();
        for (SeriesPoint p : s) {
            SeriesPoint.ProcSample x = p.processes() == null ? null : p.processes().get(name);
            if (x != null) pts.add(new double[] {p.t(), cpu ? x.cpuPct() : x.rssMb()});
        }
        double[] xs = pts.stream().mapToDouble(a -> a[0]).toArray();
        double[] ys = pts.stream().mapToDouble(a -> a[1]).toArray();
        return new SvgChart.Line(name, xs, ys);
    }

    /** Charts with nothing in them are left out. */
    private static void chart(StringBuilder h, String title, String unit, List<SeriesPoint> s, List<SvgChart.Band> bands, double xMax, SvgChart.Line... lines) {
        boolean any = false;
        for (SvgChart.Line l : lines) for (double y : l.ys()) any |= y > 0;
        if (!any) return;
        h.append(SvgChart.render(title, unit, List.of(lines), bands, xMax));
    }

    private static String esc(String s) {
        return SvgChart.esc(s);
    }
}
