package io.muster.loadtest;

import io.muster.loadtest.LoadTestSettings.FailoverMode;
import io.muster.client.MusterApiException;
import io.muster.client.MusterClient;
import io.muster.loadtest.local.LocalCluster;
import io.muster.loadtest.sim.Metrics.Latency;
import io.muster.loadtest.sim.SimWorker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Replaces the leader mid-run — leadership transfer through the API, or SIGKILL of the leader process in
 * local mode — while a probe writes continuously. Measures how long writes stall, which workers the new
 * leader marks down, how the workers of a killed server find another one, and whether any assignment is
 * lost or duplicated.
 */
final class FailoverPhase implements Phase {
    private static final long OBSERVE_NANOS = 20_000_000_000L;

    private record Probe(long start, long end, boolean ok) {}

    private final LoadTestRun run;
    private volatile String stage = "baseline";
    private final List<Probe> probes = new ArrayList<>();

    FailoverPhase(LoadTestRun run) {
        this.run = run;
    }

    @Override
    public String name() {
        return "failover";
    }

    @Override
    public String describe() {
        return (run.settings.effectiveFailover() == FailoverMode.KILL ? "kill the leader process" : "transfer leadership through the API")
                + String.format(" with %,d workers connected", run.fleet.count(SimWorker.State.READY));
    }

    @Override
    public String status() {
        int n;
        long failed;
        synchronized (probes) {
            n = probes.size();
            failed = probes.stream().filter(p -> !p.ok()).count();
        }
        return String.format("%s  probe writes %d (failed %d)  ready %,d", stage, n, failed, run.fleet.count(SimWorker.State.READY));
    }

    @Override
    public void run(Map<String, Object> f) throws Exception {
        FailoverMode mode = run.settings.effectiveFailover();
        if (mode == FailoverMode.KILL && run.local == null) throw new RunAborted("--failover kill needs --local (the tool only kills processes it started)");
        f.put("mode", mode.name().toLowerCase());
        int oldLeader = leader().orElseThrow(() -> new RunAborted("failover: the cluster has no leader to replace"));
        f.put("old_leader", oldLeader);
        MusterClient probeApi = mode == FailoverMode.KILL ? survivorApi(oldLeader) : run.requireApi("failover");
        Set<Long> downBefore = new HashSet<>(run.downNow().spurious());
        downBefore.addAll(run.downNow().lapsed());
        f.put("down_before", downBefore.size());

        Thread prober = Thread.ofVirtual().name("failover-probe").start(() -> probe(probeApi));
        long t0;
        try {
            run.sleep(2000);
            stage = "failing over";
            t0 = System.nanoTime();
            java.util.concurrent.CompletableFuture<Integer> transfer = null;
            if (mode == FailoverMode.KILL) {
                run.local.kill(oldLeader);
            } else {
                // The call blocks until Ratis is done (priorities up, transfer, priorities back): watch the leader meanwhile.
                long start = t0;
                transfer = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                    int to = probeApi.withRequestTimeout(Duration.ofSeconds(30)).transferLeader(null);
                    f.put("transfer_call_ms", Sampler.round((System.nanoTime() - start) / 1e6));
                    return to;
                }, Thread.ofVirtual()::start);
            }
            long tLeader = 0;
            int newLeader = -1;
            long leaderDeadline = t0 + 30_000_000_000L;
            while (tLeader == 0) {
                run.checkAbort();
                Optional<Integer> l = leaderVia(probeApi);
                if (l.isPresent() && l.get() != oldLeader) {
                    tLeader = System.nanoTime();
                    newLeader = l.get();
                } else if (System.nanoTime() > leaderDeadline) {
                    throw new RunAborted("failover: no new leader within 30 s");
                } else {
                    run.sleep(25);
                }
            }
            f.put("new_leader", newLeader);
            f.put("new_leader_ms", Sampler.round((tLeader - t0) / 1e6));
            if (transfer != null) {
                try {
                    f.put("transfer_reported_leader", transfer.get(60, java.util.concurrent.TimeUnit.SECONDS));
                } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                    throw new RunAborted("failover: the transfer-leader call failed: " + LoadTestRun.describe(e));
                }
            }
            stage = "observing";
            Set<Long> spurious = new HashSet<>();
            Set<Long> lapsed = new HashSet<>();
            while (System.nanoTime() - t0 < OBSERVE_NANOS) {
                sampleDowns(spurious, lapsed);
                run.sleep(2000);
            }
            sampleDowns(spurious, lapsed);
            spurious.removeAll(downBefore);
            lapsed.removeAll(downBefore);
            f.put("marked_down_lease_running", spurious.size());
            f.put("marked_down_lease_lapsed", lapsed.size());
            SpuriousDowns.add(run, spurious);
        } finally {
            prober.interrupt();
            prober.join(5000);
        }
        writeFigures(f, t0);
        reconnectFigures(f, t0);
        if (!run.jobIds.isEmpty()) {
            stage = "checking assignments";
            AssignmentCheck.Result r = AssignmentCheck.run(run, Duration.ofSeconds(30));
            r.into(f, "check_");
            AssignmentCheck.summarize(run, r);
        }
        if (mode == FailoverMode.KILL) {
            stage = "restarting server " + oldLeader;
            run.local.restart(oldLeader, Duration.ofSeconds(120));
            run.sampler.rewatch("server-" + oldLeader, run.local.pid(oldLeader));
            f.put("restarted", oldLeader);
        }
    }

    private Optional<Integer> leader() {
        if (run.local != null) return run.local.leader();
        return leaderId(run.requireApi("failover"));
    }

    private static Optional<Integer> leaderVia(MusterClient api) {
        try {
            return leaderId(api);
        } catch (MusterApiException e) {
            return Optional.empty();
        }
    }

    /** The leader {@code api}'s server knows of (stale read: any server answers, even during an election). */
    private static Optional<Integer> leaderId(MusterClient api) {
        return Optional.ofNullable(api.withRequestTimeout(Duration.ofSeconds(5)).clusterStatus(true).leaderId());
    }

    private MusterClient survivorApi(int leader) {
        for (LocalCluster.Member m : run.local.members()) if (m.id() != leader && run.local.running(m.id())) return run.local.api(m.id());
        throw new RunAborted("failover: no other running server");
    }

    /** Back-to-back smallest writes, one in flight, through a server that stays up. */
    private void probe(MusterClient client) {
        MusterClient api = client.withRequestTimeout(Duration.ofSeconds(5));
        String key = "loadtest-probe-" + run.runId;
        while (!Thread.currentThread().isInterrupted()) {
            long s = System.nanoTime();
            boolean ok;
            try {
                api.kvPut(key, Long.toString(s));
                ok = true;
                run.metrics.record(Latency.WRITE_PROBE, System.nanoTime() - s);
            } catch (MusterApiException e) {
                ok = false;
                run.metrics.error("PUT /v1/kv (probe)", "HTTP_" + e.status(), e.getMessage());
            }
            synchronized (probes) {
                probes.add(new Probe(s, System.nanoTime(), ok));
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** The longest time without a completed write around the failover, and the first write started after it. */
    private void writeFigures(Map<String, Object> f, long t0) {
        List<Probe> ps;
        synchronized (probes) {
            ps = List.copyOf(probes);
        }
        long okCount = ps.stream().filter(Probe::ok).count();
        f.put("probe_writes_ok", okCount);
        f.put("probe_writes_failed", ps.size() - okCount);
        long prevEnd = -1;
        long maxGap = 0;
        for (Probe p : ps) {
            if (!p.ok()) continue;
            if (prevEnd > 0 && p.end() > t0 - 1_000_000_000L) maxGap = Math.max(maxGap, p.end() - Math.max(prevEnd, t0 - 1_000_000_000L));
            prevEnd = p.end();
        }
        f.put("write_gap_max_ms", Sampler.round(maxGap / 1e6));
        ps.stream().filter(p -> p.ok() && p.start() >= t0).findFirst()
                .ifPresent(p -> f.put("first_write_started_after_ms", Sampler.round((p.end() - t0) / 1e6)));
        boolean anyAfter = ps.stream().anyMatch(p -> p.ok() && p.end() > t0 + 1_000_000_000L);
        if (!anyAfter) throw new RunAborted("failover: no write succeeded in the 20 s after the leader change");
        run.summary.put("failover_write_gap_ms", Sampler.round(maxGap / 1e6));
        run.summary.put("failover_new_leader_ms", f.get("new_leader_ms"));
    }

    /** Workers that had to change server: how many, and how long until each heartbeated on its new one. */
    private void reconnectFigures(Map<String, Object> f, long t0) {
        int moved = 0;
        int notBack = 0;
        org.HdrHistogram.Histogram back = io.muster.loadtest.sim.Metrics.newHistogram();
        for (SimWorker w : run.fleet.workers()) {
            if (!w.alive() || w.lastRotationNanos() < t0) continue;
            moved++;
            if (w.backAfterRotationNanos() == 0) notBack++;
            else back.recordValue(Math.max(0, (w.backAfterRotationNanos() - t0) / 1000));
        }
        f.put("workers_moved_server", moved);
        f.put("workers_not_back", notBack);
        if (back.getTotalCount() > 0) {
            // From the failure to each moved worker's first acknowledged heartbeat on its new server.
            f.put("moved_back_p50_ms", Sampler.round(back.getValueAtPercentile(50) / 1000.0));
            f.put("moved_back_p99_ms", Sampler.round(back.getValueAtPercentile(99) / 1000.0));
            f.put("all_moved_back_ms", Sampler.round(back.getMaxValue() / 1000.0));
        }
    }

    private void sampleDowns(Set<Long> spurious, Set<Long> lapsed) {
        try {
            LoadTestRun.DownSample d = run.downNow();
            spurious.addAll(d.spurious());
            lapsed.addAll(d.lapsed());
        } catch (MusterApiException e) {
            run.metrics.error("GET /v1/nodes", "HTTP_" + e.status(), e.getMessage());
        }
    }
}
