package io.muster.loadtest;

import io.muster.client.MusterApiException;
import io.muster.loadtest.sim.Metrics.Count;
import io.muster.loadtest.sim.Metrics.Latency;
import io.muster.loadtest.sim.SimWorker;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Workers leave (close their connection without a word, as a crashed machine would) and new ones join, at
 * {@code --churn-rate} of each per second for {@code --duration}. Joins are bounded by the count the token
 * was sized for.
 */
final class ChurnPhase implements Phase {
    private final LoadTestRun run;
    private final AtomicInteger joined = new AtomicInteger();
    private final AtomicInteger failed = new AtomicInteger();
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile int left;
    private volatile long t0;

    ChurnPhase(LoadTestRun run) {
        this.run = run;
    }

    @Override
    public String name() {
        return "churn";
    }

    @Override
    public String describe() {
        return String.format("%.1f workers/s leave and %.1f join for %d s (%,d joins at most)", run.settings.churnRate(), run.settings.churnRate(),
                run.settings.duration().toSeconds(), run.settings.churnJoins());
    }

    @Override
    public String status() {
        double secs = (System.nanoTime() - t0) / 1e9;
        return String.format("%.0f/%d s  left %,d  joined %,d  failed %d  ready %,d  registration p99 %.0f ms", secs, run.settings.duration().toSeconds(),
                left, joined.get(), failed.get(), run.fleet.count(SimWorker.State.READY), run.sampler.phaseLatency(Latency.REGISTER).p99Ms());
    }

    @Override
    public void run(Map<String, Object> f) throws Exception {
        double rate = run.settings.churnRate();
        int planned = run.settings.churnJoins();
        f.put("rate_per_sec", rate);
        f.put("planned_joins", planned);
        long intervalNanos = (long) (1e9 / rate);
        t0 = System.nanoTime();
        long end = t0 + run.settings.duration().toNanos();
        long next = t0;
        int started = 0;
        while (System.nanoTime() < end && started < planned) {
            long wait = next - System.nanoTime();
            if (wait > 0) run.sleep(Math.max(1, wait / 1_000_000));
            next += intervalNanos;
            leaveOne();
            started++;
            inFlight.incrementAndGet();
            run.transport.work().execute(() -> {
                try {
                    SimWorker w = run.fleet.newWorker();
                    run.fleet.join(w).whenComplete((v, e) -> {
                        inFlight.decrementAndGet();
                        if (e == null) joined.incrementAndGet();
                        else failed.incrementAndGet();
                    });
                } catch (RuntimeException e) {
                    inFlight.decrementAndGet();
                    failed.incrementAndGet();
                }
            });
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        long settle = System.nanoTime() + 60_000_000_000L;
        while (inFlight.get() > 0 && System.nanoTime() < settle) run.sleep(100);
        f.put("duration_secs", Sampler.round(secs));
        f.put("left", left);
        f.put("joined", joined.get());
        f.put("join_failed", failed.get());
        f.put("joins_unfinished", inFlight.get());
        f.put("achieved_churn_per_sec", Sampler.round(started / secs));
        if (run.api() != null) {
            try {
                LoadTestRun.DownSample d = run.downNow();
                f.put("marked_down_lease_running", d.spurious().size());
                f.put("marked_down_lease_lapsed", d.lapsed().size());
                SpuriousDowns.add(run, d.spurious());
            } catch (MusterApiException e) {
                run.metrics.error("GET /v1/nodes", "HTTP_" + e.status(), e.getMessage());
            }
        }
        if (failed.get() > 0) f.put("warning", failed.get() + " churn joins failed (see errors_by_status)");
    }

    private void leaveOne() {
        List<SimWorker> ready = run.fleet.workers().stream().filter(w -> w.state() == SimWorker.State.READY).toList();
        if (ready.isEmpty()) return;
        ready.get(ThreadLocalRandom.current().nextInt(ready.size())).stop(SimWorker.State.LEFT);
        run.metrics.inc(Count.LEFT);
        left++;
    }
}
