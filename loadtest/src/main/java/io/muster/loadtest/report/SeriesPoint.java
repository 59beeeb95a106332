package io.muster.loadtest.report;

import java.util.Map;

/**
 * One second of the run: counts are per that second, latencies are percentiles of what completed in it.
 * {@code processes} holds CPU (100 = one core) and resident memory of the server processes and the simulator.
 */
public record SeriesPoint(double t, String phase, long registrations, long heartbeats, long acks, long allocsReceived, long errors,
                          long workersReady, double heartbeatP50Ms, double heartbeatP99Ms, double registrationP99Ms,
                          double deliveryP99Ms, Map<String, ProcSample> processes) {

    /** CPU percent over the last interval (100 = one core busy) and resident set size. */
    public record ProcSample(double cpuPct, double rssMb) {}
}
