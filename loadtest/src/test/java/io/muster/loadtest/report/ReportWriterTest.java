package io.muster.loadtest.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.muster.loadtest.sim.Metrics;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The JSON carries every figure under stable snake_case names; the HTML is one self-contained page. */
class ReportWriterTest {
    static Report sample(String status, String failure) {
        Histogram h = Metrics.newHistogram();
        for (int i = 1; i <= 1000; i++) h.recordValue(i * 1000L); // 1..1000 ms
        LatencySummary l = LatencySummary.of(h);
        List<SeriesPoint> series = new ArrayList<>();
        for (int t = 1; t <= 30; t++)
            series.add(new SeriesPoint(t, t <= 10 ? "join" : "steady", t <= 10 ? 100 : 0, 50 + t, 0, 0, t == 5 ? 2 : 0, Math.min(1000, t * 100),
                    2.5, 9.0 + t, t <= 10 ? 40 : 0, 0, Map.of("server-1", new SeriesPoint.ProcSample(80 + t, 400), "machine",
                    new SeriesPoint.ProcSample(150, 3000))));
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("registered", 1000L);
        figures.put("registration_secs", 9.5);
        figures.put("registrations_per_sec", 105.26);
        PhaseReport join = new PhaseReport("join", "completed", null, 0.5, 10, figures, Map.of("registration", l), Map.of());
        PhaseReport steady = new PhaseReport("steady", failure == null ? "completed" : "failed", failure, 10.5, 20,
                Map.of("heartbeats_per_sec", 60.0, "heartbeat_mode", "server TTL"), Map.of("heartbeat", l), Map.of("ReportStatus UNAVAILABLE", 2L));
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("workers_registered", 1000L);
        summary.put("spurious_downs", 0);
        return new Report(Report.TOOL, Report.FORMAT_VERSION, status, failure, "2026-01-01T00:00:00Z", "2026-01-01T00:00:31Z", 31.0,
                "muster loadtest --local --workers 1000", Map.of("workers", 1000), Map.of("cores", 2, "cluster", "local <3 servers>"), summary,
                Map.of("registration", l, "heartbeat", l), Map.of("ReportStatus UNAVAILABLE", 2L), List.of(join, steady),
                List.of(new TargetCheck("registration", "10,000 workers registered in <= 20 s", "1,000 workers registered in 9.5 s", null),
                        new TargetCheck("heartbeats", ">= 5,000 heartbeats/s", "60 heartbeats/s", false)),
                List.of(new ProcessSummary("server-1", 42, 95, 110, 410, 400, 30)), series, List.of("a note & <markup>"));
    }

    @Test
    void jsonHasEveryFigure(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("loadtest-report.json");
        ReportWriter.writeJson(sample("completed", null), f);
        JsonNode n = new ObjectMapper().readTree(f.toFile());
        assertEquals("completed", n.path("status").asText());
        JsonNode reg = n.path("latencies").path("registration");
        assertEquals(1000, reg.path("count").asInt());
        assertEquals(500.0, reg.path("p50_ms").asDouble(), 1.0);
        assertEquals(900.0, reg.path("p90_ms").asDouble(), 1.0);
        assertEquals(990.0, reg.path("p99_ms").asDouble(), 1.0);
        assertEquals(999.0, reg.path("p999_ms").asDouble(), 1.0);
        assertEquals(1000.0, reg.path("max_ms").asDouble(), 1.0);
        assertEquals(105.26, n.path("phases").get(0).path("figures").path("registrations_per_sec").asDouble());
        assertEquals(2, n.path("errors_by_status").path("ReportStatus UNAVAILABLE").asInt());
        assertEquals(30, n.path("series").size());
        assertEquals(81.0, n.path("series").get(0).path("processes").path("server-1").path("cpu_pct").asDouble());
        assertEquals(95.0, n.path("processes").get(0).path("cpu_avg_pct").asDouble());
        assertTrue(n.path("targets").get(1).path("met").isBoolean());
        assertTrue(n.path("targets").get(0).path("met").isNull(), "not measured at this scale: null, not false");
        try (var files = Files.list(dir)) {
            assertFalse(files.anyMatch(p -> p.getFileName().toString().endsWith(".tmp")), "no temporary file left");
        }
    }

    @Test
    void htmlIsSelfContainedAndEscaped(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("loadtest-report.html");
        HtmlReport.write(sample("failed", "the cluster stopped answering"), f);
        String html = Files.readString(f);
        assertTrue(html.startsWith("<!DOCTYPE html>"));
        assertTrue(html.contains("<svg") && html.contains("Registrations per second") && html.contains("Heartbeat latency"));
        assertTrue(html.contains("the cluster stopped answering"));
        assertTrue(html.contains("a note &amp; &lt;markup&gt;"), "text is escaped");
        assertTrue(html.contains("local &lt;3 servers&gt;"));
        assertFalse(html.contains("<script"));
        assertFalse(html.contains("<link"));
        assertFalse(html.matches("(?s).*(src|href)=\"https?://.*"), "nothing is fetched");
        assertFalse(html.contains("Allocations received by workers per second"), "empty charts are left out");
    }

    @Test
    void consoleTableShowsPhasesLatenciesTargetsAndErrors() {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        ConsoleReport.print(sample("completed", null), new PrintStream(b, true, StandardCharsets.UTF_8));
        String out = b.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("join      completed"), out);
        assertTrue(out.contains("1,000 registered in 9.50 s (105/s)"), out);
        assertTrue(out.contains("registration"), out);
        assertTrue(out.contains("[MISS]") && out.contains("[n/a ]"), out);
        assertTrue(out.contains("ReportStatus UNAVAILABLE"), out);
    }
}
