package io.muster.loadtest.report;

/** Resource use of one process over the run, from /proc samples. */
public record ProcessSummary(String name, long pid, double cpuAvgPct, double cpuMaxPct, double rssMaxMb, double rssLastMb, int samples) {}
