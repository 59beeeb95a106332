package io.muster.loadtest;

import io.muster.loadtest.local.ProcStats;
import io.muster.loadtest.report.LatencySummary;
import io.muster.loadtest.report.ProcessSummary;
import io.muster.loadtest.report.SeriesPoint;
import io.muster.loadtest.sim.Metrics;
import io.muster.loadtest.sim.Metrics.Count;
import io.muster.loadtest.sim.Metrics.Latency;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongSupplier;
import org.HdrHistogram.Histogram;

/**
 * Once a second: drains the latency recorders into the whole-run and current-phase histograms, turns
 * counter deltas into a time-series point, and samples /proc of the watched processes. Phases begin and
 * end here so that every figure of a phase comes from the same drained data.
 */
final class Sampler {
    /** What a phase accumulated between {@link #beginPhase} and {@link #endPhase}. */
    record PhaseData(String name, double startSecs, double endSecs, Map<Latency, Histogram> histograms, Map<Count, Long> counts,
                     Map<String, Long> errors, Map<String, Double> cpuSeconds) {
        long count(Count c) {
            return counts.getOrDefault(c, 0L);
        }

        double seconds() {
            return Math.max(1e-3, endSecs - startSecs);
        }

        Map<String, LatencySummary> latencies() {
            Map<String, LatencySummary> out = new LinkedHashMap<>();
            histograms.forEach((k, h) -> {
                if (h.getTotalCount() > 0) out.put(k.key, LatencySummary.of(h));
            });
            return out;
        }
    }

    private record Watched(String name, long pid, java.util.function.Supplier<java.util.Optional<double[]>> source, List<double[]> samples,
                           java.util.function.Supplier<java.util.Optional<Double>> cpuSeconds) {}

    private final Metrics metrics;
    private final long startNanos;
    private final LongSupplier readyWorkers;
    private final Map<Latency, Histogram> total = new EnumMap<>(Latency.class);
    private final Map<Latency, Histogram> scratch = new EnumMap<>(Latency.class);
    private final Map<String, Watched> watched = new LinkedHashMap<>();
    private final List<SeriesPoint> series = new ArrayList<>();
    private final Map<Count, Long> lastCounts = new EnumMap<>(Count.class);
    private long lastErrors;
    private Map<Latency, Histogram> phase;
    private String phaseName = "setup";
    private double phaseStart;
    private Map<Count, Long> phaseCounts;
    private Map<String, Long> phaseErrors;
    /** CPU seconds of each watched process when the phase began. */
    private Map<String, Double> phaseCpu;

    Sampler(Metrics metrics, long startNanos, LongSupplier readyWorkers) {
        this.metrics = metrics;
        this.startNanos = startNanos;
        this.readyWorkers = readyWorkers;
        for (Latency l : Latency.values()) total.put(l, Metrics.newHistogram());
        for (Count c : Count.values()) lastCounts.put(c, 0L);
    }

    double elapsedSecs() {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    synchronized void watch(String name, long pid) {
        watch(name, new ProcStats(pid));
    }

    /** A process whose /proc files are read through {@code stats} (a fake /proc in tests). */
    synchronized void watch(String name, ProcStats stats) {
        watched.put(name, new Watched(name, stats.pid(), stats::sample, new ArrayList<>(), stats::cpuSeconds));
    }

    /** The whole machine, so that other work on a shared machine shows in the figures. */
    synchronized void watchMachine() {
        watched.put("machine", new Watched("machine", 0, new io.muster.loadtest.local.MachineStats()::sample, new ArrayList<>(),
                java.util.Optional::empty));
    }

    /** A restarted process keeps its name and continues the same series. */
    synchronized void rewatch(String name, long pid) {
        Watched old = watched.get(name);
        ProcStats stats = new ProcStats(pid);
        watched.put(name, new Watched(name, pid, stats::sample, old == null ? new ArrayList<>() : old.samples(), stats::cpuSeconds));
        // A process restarted mid-phase starts from zero CPU: its phase cost counts from the restart.
        if (phaseCpu != null) phaseCpu.put(name, 0.0);
    }

    synchronized void beginPhase(String name) {
        tick();
        phaseName = name;
        phaseStart = elapsedSecs();
        phase = new EnumMap<>(Latency.class);
        for (Latency l : Latency.values()) phase.put(l, Metrics.newHistogram());
        phaseCounts = counts();
        phaseErrors = metrics.errors();
        phaseCpu = cpuNow();
    }

    private Map<String, Double> cpuNow() {
        Map<String, Double> m = new LinkedHashMap<>();
        for (Watched w : watched.values()) w.cpuSeconds().get().ifPresent(c -> m.put(w.name(), c));
        return m;
    }

    synchronized PhaseData endPhase() {
        tick();
        Map<Count, Long> now = counts();
        Map<Count, Long> delta = new EnumMap<>(Count.class);
        now.forEach((c, v) -> delta.put(c, v - phaseCounts.getOrDefault(c, 0L)));
        Map<String, Long> errs = new TreeMap<>();
        metrics.errors().forEach((k, v) -> {
            long d = v - phaseErrors.getOrDefault(k, 0L);
            if (d > 0) errs.put(k, d);
        });
        Map<String, Double> cpu = new LinkedHashMap<>();
        cpuNow().forEach((name, c) -> {
            Double before = phaseCpu.get(name);
            if (before != null && c >= before) cpu.put(name, c - before);
        });
        PhaseData d = new PhaseData(phaseName, phaseStart, elapsedSecs(), phase, delta, errs, cpu);
        phaseCpu = null;
        phase = null;
        phaseName = "between";
        return d;
    }

    /** The current phase's histogram so far (for live progress); callers must not keep it. */
    synchronized LatencySummary phaseLatency(Latency l) {
        return phase == null ? LatencySummary.EMPTY : LatencySummary.of(phase.get(l));
    }

    private Map<Count, Long> counts() {
        Map<Count, Long> m = new EnumMap<>(Count.class);
        for (Count c : Count.values()) m.put(c, metrics.get(c));
        return m;
    }

    /** Called once a second by the run's scheduler, and at phase boundaries. */
    synchronized void tick() {
        Map<Latency, Histogram> interval = new EnumMap<>(Latency.class);
        for (Latency l : Latency.values()) {
            Histogram h = metrics.drain(l, scratch.get(l));
            scratch.put(l, h);
            interval.put(l, h);
            total.get(l).add(h);
            if (phase != null) phase.get(l).add(h);
        }
        Map<Count, Long> now = counts();
        long errs = metrics.errorTotal();
        Map<String, SeriesPoint.ProcSample> procs = new LinkedHashMap<>();
        for (Watched w : watched.values()) {
            w.source().get().ifPresent(s -> {
                w.samples().add(s);
                procs.put(w.name(), new SeriesPoint.ProcSample(round(s[0]), round(s[1])));
            });
        }
        series.add(new SeriesPoint(round(elapsedSecs()), phaseName, delta(now, Count.REGISTERED), delta(now, Count.HEARTBEATS),
                delta(now, Count.ACKS), delta(now, Count.ALLOCS_RECEIVED), errs - lastErrors, readyWorkers.getAsLong(),
                p(interval.get(Latency.HEARTBEAT), 50), p(interval.get(Latency.HEARTBEAT), 99), p(interval.get(Latency.REGISTER), 99),
                p(interval.get(Latency.DELIVERY), 99), procs));
        lastCounts.putAll(now);
        lastErrors = errs;
    }

    private long delta(Map<Count, Long> now, Count c) {
        return now.get(c) - lastCounts.get(c);
    }

    private static double p(Histogram h, double pct) {
        return h.getTotalCount() == 0 ? 0 : round(h.getValueAtPercentile(pct) / 1000.0);
    }

    static double round(double v) {
        return Math.round(v * 100.0) / 100.0;
    }

    synchronized Map<String, LatencySummary> totals() {
        Map<String, LatencySummary> out = new LinkedHashMap<>();
        total.forEach((k, h) -> {
            if (h.getTotalCount() > 0) out.put(k.key, LatencySummary.of(h));
        });
        return out;
    }

    synchronized List<SeriesPoint> series() {
        return List.copyOf(series);
    }

    synchronized List<ProcessSummary> processes() {
        List<ProcessSummary> out = new ArrayList<>();
        for (Watched w : watched.values()) {
            // The first sample of a process has no CPU interval yet: leave it out of the CPU figures.
            List<double[]> s = w.samples().size() > 1 ? w.samples().subList(1, w.samples().size()) : w.samples();
            double avg = s.stream().mapToDouble(x -> x[0]).average().orElse(0);
            double max = s.stream().mapToDouble(x -> x[0]).max().orElse(0);
            double rssMax = w.samples().stream().mapToDouble(x -> x[1]).max().orElse(0);
            double rssLast = w.samples().isEmpty() ? 0 : w.samples().get(w.samples().size() - 1)[1];
            out.add(new ProcessSummary(w.name(), w.pid(), round(avg), round(max), round(rssMax), round(rssLast), w.samples().size()));
        }
        return out;
    }
}
