package io.muster.loadtest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.muster.client.JobList;
import io.muster.client.MusterApiException;
import io.muster.client.MusterClient;
import io.muster.client.SpecFormat;
import io.muster.loadtest.sim.Metrics.Count;
import io.muster.loadtest.sim.Metrics.Latency;
import io.muster.loadtest.sim.SimWorker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Submits service jobs totalling {@code --allocations} tiny allocations, spread over the simulated workers
 * (pinned to them by a label constraint), and measures placement throughput (committed allocations per
 * second, from the job list) and commit-to-worker latency (job submit to the Set event at the worker).
 */
final class FanoutPhase implements Phase {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final LoadTestRun run;
    private volatile long t0;
    private volatile long placed;
    private volatile long running;

    FanoutPhase(LoadTestRun run) {
        this.run = run;
    }

    @Override
    public String name() {
        return "fanout";
    }

    @Override
    public String describe() {
        long a = run.settings.allocations();
        int jobs = (int) ((a + run.settings.jobSize() - 1) / run.settings.jobSize());
        return String.format("%,d allocations as %d service job(s) of up to %,d on %,d workers", a, jobs, run.settings.jobSize(),
                run.fleet.count(SimWorker.State.READY));
    }

    @Override
    public String status() {
        if (t0 == 0) return "submitting jobs";
        double secs = (System.nanoTime() - t0) / 1e9;
        long received = run.fleet.receivedFor(run.jobIds);
        return String.format("placed %,d  received %,d  running %,d of %,d  %.0f placed/s  delivery p99 %.0f ms  %.0f s", placed, received, running,
                run.settings.allocations(), placed / Math.max(secs, 1e-3), run.sampler.phaseLatency(Latency.DELIVERY).p99Ms(), secs);
    }

    @Override
    public void run(Map<String, Object> f) throws Exception {
        MusterClient api = run.requireApi("fanout");
        long total = run.settings.allocations();
        int size = run.settings.jobSize();
        boolean batch = run.settings.allocRuntime().toMillis() > 0;
        f.put("allocations", total);
        f.put("job_size", size);
        f.put("job_type", batch ? "batch" : "service");
        f.put("workers", run.fleet.count(SimWorker.State.READY));
        List<String> mine = new ArrayList<>();
        run.fleet.measureDelivery(true);
        try {
            measure(api, f, total, size, batch, mine);
        } finally {
            run.fleet.measureDelivery(false);
        }
        AssignmentCheck.Result r = AssignmentCheck.run(run, Duration.ofSeconds(30));
        r.into(f, "check_");
        AssignmentCheck.summarize(run, r);
    }

    private void measure(MusterClient api, Map<String, Object> f, long total, int size, boolean batch, List<String> mine) throws Exception {
        long submitStart = System.nanoTime();
        for (long done = 0, k = 0; done < total; k++) {
            run.checkAbort();
            int count = (int) Math.min(size, total - done);
            String id = "lt-" + run.runId + "-" + k;
            long now = System.nanoTime();
            if (t0 == 0) t0 = now;
            run.fleet.jobSubmitted(id, now);
            api.submitJob(spec(id, count, batch), SpecFormat.JSON);
            run.jobIds.add(id);
            mine.add(id);
            done += count;
        }
        f.put("jobs", mine.size());
        f.put("submit_secs", Sampler.round((System.nanoTime() - submitStart) / 1e9));

        Duration limit = Duration.ofSeconds(120 + total / 500);
        long deadline = t0 + limit.toNanos();
        long tPlaced = 0;
        long tReceived = 0;
        long tRunning = 0;
        long lastProgress = System.nanoTime();
        // No progress at all (placed, received, running) for twice the stall timeout: 60 s by default.
        long stallNanos = Math.max(20_000_000_000L, 2 * run.settings.stallTimeout().toNanos());
        long lastSeen = -1;
        while (tPlaced == 0 || tReceived == 0 || (tRunning == 0 && !batch)) {
            run.sleep(1000);
            try {
                Map<String, JobList.Summary> counts = new LinkedHashMap<>();
                for (JobList.Summary c : newestJobs(api)) if (mine.contains(c.id())) counts.put(c.id(), c);
                placed = counts.values().stream().mapToLong(c -> c.allocations().values().stream().mapToLong(Long::longValue).sum()).sum();
                running = counts.values().stream().mapToLong(c -> c.count("running")).sum();
            } catch (MusterApiException e) {
                run.metrics.error("GET /v1/jobs", "HTTP_" + e.status(), e.getMessage());
            }
            // Stamped after the job list answered (it can take seconds while the leader schedules): an upper bound
            // within one sampling interval. Deliveries are stamped exactly, by the workers.
            long now = System.nanoTime();
            long received = run.fleet.receivedFor(mine);
            if (tPlaced == 0 && placed >= total) tPlaced = now;
            if (tReceived == 0 && received >= total) tReceived = run.fleet.lastFirstReceiptNanos();
            if (tRunning == 0 && running >= total) tRunning = now;
            long seen = placed + received + running;
            if (seen != lastSeen) {
                lastSeen = seen;
                lastProgress = now;
            } else if (now - lastProgress > stallNanos) {
                throw new RunAborted(String.format("fanout stalled for %d s: %,d of %,d placed, %,d received, %,d running (%s)", stallNanos / 1_000_000_000L,
                        placed, total, received, running, run.fleet.diagnose()));
            }
            f.put("placed", placed);
            f.put("received", received);
            f.put("running", running);
            LoadTestRun.deadline(deadline, "placing and delivering " + total + " allocations", limit);
        }
        double placeSecs = (tPlaced - t0) / 1e9;
        double deliverSecs = (tReceived - t0) / 1e9;
        f.put("placement_secs", Sampler.round(placeSecs));
        f.put("placement_sampling", "job list polled about once a second; placement time is when the first list showing every allocation answered");
        f.put("placements_per_sec", Sampler.round(total / placeSecs));
        f.put("all_received_secs", Sampler.round(deliverSecs));
        f.put("deliveries_per_sec", Sampler.round(total / deliverSecs));
        if (tRunning > 0) f.put("all_running_secs", Sampler.round((tRunning - t0) / 1e9));
        f.put("duplicate_deliveries", run.metrics.get(Count.DUPLICATE_DELIVERIES));
        f.put("redelivered_sets", run.metrics.get(Count.REDELIVERED_SETS));
        run.summary.put("allocations_placed", placed);
        run.summary.put("allocations_received", run.fleet.receivedFor(mine));
        run.summary.put("placement_secs", Sampler.round(placeSecs));
        run.summary.put("placements_per_sec", Sampler.round(total / placeSecs));
        run.summary.put("all_received_secs", Sampler.round(deliverSecs));
    }

    /** The last page of the job list (newest jobs), where this run's jobs are. */
    private static List<JobList.Summary> newestJobs(MusterClient api) {
        long total = api.jobs(null, 1).total();
        return api.jobs((int) Math.max(0, total - 1000), 1000).jobs();
    }

    private String spec(String id, int count, boolean batch) {
        Map<String, Object> task = new LinkedHashMap<>();
        task.put("name", "noop");
        task.put("driver", "exec");
        task.put("command", "true");
        task.put("resources", Map.of("cpu", 1, "memory", 1));
        Map<String, Object> group = new LinkedHashMap<>();
        group.put("name", "sim");
        group.put("count", count);
        group.put("placement", "spread");
        group.put("tasks", List.of(task));
        Map<String, Object> job = new LinkedHashMap<>();
        job.put("id", id);
        job.put("type", batch ? "batch" : "service");
        if (run.claims.allowedLabels().isEmpty())
            job.put("constraints", List.of(Map.of("attribute", "label.loadtest", "operator", "=", "value", run.runId)));
        job.put("groups", List.of(group));
        try {
            return JSON.writeValueAsString(job);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
