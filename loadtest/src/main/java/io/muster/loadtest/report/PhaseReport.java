package io.muster.loadtest.report;

import java.util.Map;

/** One scenario's outcome: its own figures, latencies and errors. */
public record PhaseReport(String name, String status, String message, double startedAtSecs, double durationSecs,
                          Map<String, Object> figures, Map<String, LatencySummary> latencies, Map<String, Long> errorsByStatus) {}
