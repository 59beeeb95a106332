package io.muster.loadtest.report;

import org.HdrHistogram.Histogram;

/** Percentiles of one latency histogram (recorded in microseconds), in milliseconds. */
public record LatencySummary(long count, double p50Ms, double p90Ms, double p99Ms, double p999Ms, double maxMs, double meanMs) {
    public static final LatencySummary EMPTY = new LatencySummary(0, 0, 0, 0, 0, 0, 0);

    public static LatencySummary of(Histogram micros) {
        if (micros == null || micros.getTotalCount() == 0) return EMPTY;
        return new LatencySummary(micros.getTotalCount(), ms(micros.getValueAtPercentile(50)), ms(micros.getValueAtPercentile(90)),
                ms(micros.getValueAtPercentile(99)), ms(micros.getValueAtPercentile(99.9)), ms(micros.getMaxValue()), round(micros.getMean() / 1000.0));
    }

    static double ms(long micros) {
        return round(micros / 1000.0);
    }

    static double round(double v) {
        return Math.round(v * 100.0) / 100.0;
    }
}
