package io.muster.loadtest;

import io.muster.client.MusterApiException;
import io.muster.loadtest.sim.Metrics.Count;
import io.muster.loadtest.sim.Metrics.Latency;
import io.muster.loadtest.sim.SimWorker;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Holds the fleet connected for {@code --duration}: heartbeats at the cluster's TTL, or at a fixed total
 * {@code --heartbeat-rate} to stress the leader. Checks the node list every 10 s for workers marked down.
 */
final class SteadyPhase implements Phase {
    private final LoadTestRun run;
    private volatile long t0;
    private long hb0;

    SteadyPhase(LoadTestRun run) {
        this.run = run;
    }

    @Override
    public String name() {
        return "steady";
    }

    @Override
    public String describe() {
        double rate = run.settings.heartbeatRate();
        return String.format("hold %,d workers for %d s, heartbeats %s", run.fleet.count(SimWorker.State.READY), run.settings.duration().toSeconds(),
                rate > 0 ? String.format("at a fixed %,.0f/s in total", rate) : "at the TTL the servers hand out");
    }

    @Override
    public String status() {
        double secs = (System.nanoTime() - t0) / 1e9;
        long hb = run.metrics.get(Count.HEARTBEATS) - hb0;
        return String.format("%.0f/%d s  ready %,d  heartbeats %,d (%.0f/s)  p99 %.1f ms  failed %d", secs, run.settings.duration().toSeconds(),
                run.fleet.count(SimWorker.State.READY), hb, hb / Math.max(secs, 1e-3), run.sampler.phaseLatency(Latency.HEARTBEAT).p99Ms(),
                run.metrics.get(Count.HEARTBEAT_FAILED));
    }

    @Override
    public void run(Map<String, Object> f) throws Exception {
        double rate = run.settings.heartbeatRate();
        hb0 = run.metrics.get(Count.HEARTBEATS);
        long failed0 = run.metrics.get(Count.HEARTBEAT_FAILED);
        long skipped0 = run.metrics.get(Count.HEARTBEAT_SKIPPED);
        f.put("workers", run.fleet.count(SimWorker.State.READY));
        f.put("heartbeat_mode", rate > 0 ? "fixed total rate" : "server TTL");
        if (rate > 0) f.put("heartbeat_rate_target", rate);
        t0 = System.nanoTime();
        run.fleet.setHeartbeatRate(rate);
        Set<Long> spurious = new HashSet<>();
        Set<Long> lapsed = new HashSet<>();
        int samples = 0;
        try {
            long end = t0 + run.settings.duration().toNanos();
            long nextCheck = t0 + 10_000_000_000L;
            while (System.nanoTime() < end) {
                run.sleep(Math.min(200, Math.max(1, (end - System.nanoTime()) / 1_000_000)));
                if (run.api() != null && System.nanoTime() >= nextCheck) {
                    samples += sample(spurious, lapsed) ? 1 : 0;
                    nextCheck = System.nanoTime() + 10_000_000_000L;
                }
            }
        } finally {
            if (rate > 0) run.fleet.setHeartbeatRate(0);
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        long beats = run.metrics.get(Count.HEARTBEATS) - hb0;
        f.put("duration_secs", Sampler.round(secs));
        f.put("heartbeats", beats);
        f.put("heartbeats_per_sec", Sampler.round(beats / secs));
        f.put("heartbeats_failed", run.metrics.get(Count.HEARTBEAT_FAILED) - failed0);
        f.put("heartbeats_skipped_in_flight", run.metrics.get(Count.HEARTBEAT_SKIPPED) - skipped0);
        if (run.api() != null) {
            samples += sample(spurious, lapsed) ? 1 : 0;
            f.put("node_list_checks", samples);
            f.put("marked_down_lease_running", spurious.size());
            f.put("marked_down_lease_lapsed", lapsed.size());
            SpuriousDowns.add(run, spurious);
        }
        run.summary.put("steady_heartbeats_per_sec", Sampler.round(beats / secs));
    }

    private boolean sample(Set<Long> spurious, Set<Long> lapsed) {
        try {
            LoadTestRun.DownSample d = run.downNow();
            spurious.addAll(d.spurious());
            lapsed.addAll(d.lapsed());
            return true;
        } catch (MusterApiException e) {
            run.metrics.error("GET /v1/nodes", "HTTP_" + e.status(), e.getMessage());
            return false;
        }
    }
}
