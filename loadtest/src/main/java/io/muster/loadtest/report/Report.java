package io.muster.loadtest.report;

import java.util.List;
import java.util.Map;

/** Everything a run measured; written as loadtest-report.json and rendered as loadtest-report.html. */
public record Report(String tool, int formatVersion, String status, String failure, String startedAt, String finishedAt,
                     double durationSecs, String command, Map<String, Object> settings, Map<String, Object> environment,
                     Map<String, Object> summary, Map<String, LatencySummary> latencies, Map<String, Long> errorsByStatus,
                     List<PhaseReport> phases, List<TargetCheck> targets, List<ProcessSummary> processes, List<SeriesPoint> series,
                     List<String> notes) {
    public static final String TOOL = "muster loadtest";
    public static final int FORMAT_VERSION = 1;

    public boolean completed() {
        return "completed".equals(status);
    }
}
