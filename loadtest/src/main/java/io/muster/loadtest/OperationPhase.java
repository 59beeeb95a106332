package io.muster.loadtest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.muster.client.JobStatus;
import io.muster.client.MusterApiException;
import io.muster.client.MusterClient;
import io.muster.client.OperationView;
import io.muster.client.SpecFormat;
import io.muster.loadtest.sim.OperationLog;
import io.muster.loadtest.sim.SimWorker;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One operation job of {@code --operation-steps} barrier steps ({@code test} backend, {@code --operation-action})
 * over every simulated worker ({@code target: all}, pinned to this run's workers by their label), followed with
 * blocking queries until it ends. Measures submit to done and, per step from the workers' side, the spread of
 * deliveries, the time to the last end reported, and the control-plane gap: from the last worker sending the end of
 * step N to the first delivery of step N+1 (committing that end, the leader seeing the barrier pass, committing the
 * advance, and the next step's attempts reaching a worker). The barrier holds when no gap is negative. Checks that the operation completed with every task run exactly once
 * on every node.
 */
final class OperationPhase implements Phase {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Between blocking queries: each answer carries the whole results matrix, so the watch must not load the servers. */
    private static final long MIN_WATCH_INTERVAL_MS = 250;
    private final LoadTestRun run;
    private final String jobId;
    private volatile long t0;
    private volatile String where = "submitting";

    OperationPhase(LoadTestRun run) {
        this.run = run;
        this.jobId = "lt-" + run.runId + "-op";
    }

    @Override
    public String name() {
        return "operation";
    }

    @Override
    public String describe() {
        return String.format("one operation of %d barrier step(s) (test %s) over %,d workers", run.settings.operationSteps(),
                run.settings.operationAction(), run.fleet.count(SimWorker.State.READY));
    }

    @Override
    public String status() {
        if (t0 == 0) return where;
        OperationLog log = run.fleet.operations();
        return String.format("%s  delivered %,d  ended %,d  %.0f s", where, log.deliveries(jobId), log.reportedEnds(jobId), (System.nanoTime() - t0) / 1e9);
    }

    @Override
    public void run(Map<String, Object> f) throws Exception {
        MusterClient api = run.requireApi("operation");
        int steps = run.settings.operationSteps();
        long workers = run.fleet.count(SimWorker.State.READY);
        f.put("workers", workers);
        f.put("steps", steps);
        f.put("action", run.settings.operationAction());
        f.put("job_id", jobId);

        long submitWallMs = System.currentTimeMillis();
        t0 = System.nanoTime();
        JobStatus submitted = api.submitJob(spec(steps), SpecFormat.JSON);
        f.put("submit_call_secs", Sampler.round((System.nanoTime() - t0) / 1e9));
        JobStatus end = await(api, submitted, f);
        long doneNanos = System.nanoTime();
        f.put("submit_to_done_secs", Sampler.round((doneNanos - t0) / 1e9));
        f.put("done_sampling", "when a blocking query on the job first answered it ended (queries at most every " + MIN_WATCH_INTERVAL_MS + " ms)");
        OperationView op = end.operation();
        if (op == null) throw new RunAborted("operation: GET /v1/jobs/" + jobId + " has no operation section");
        f.put("status", end.status());
        if (op.reason() != null) f.put("reason", op.reason());
        f.put("target_nodes", op.nodes().size());
        f.put("excluded_nodes", op.excluded().size());
        if (!op.excluded().isEmpty())
            f.put("excluded_examples", op.excluded().stream().limit(5).map(n -> n.id() + " (" + n.name() + "): " + n.reason()).toList());
        if (op.queuedAt() != null && op.endedAt() != null) {
            f.put("server_queued_to_ended_secs", Sampler.round(Duration.between(Instant.parse(op.queuedAt()), Instant.parse(op.endedAt())).toMillis() / 1e3));
            f.put("submit_to_server_ended_secs", Sampler.round((Instant.parse(op.endedAt()).toEpochMilli() - submitWallMs) / 1e3));
        }

        awaitAcknowledgements(f);
        List<String> keys = op.steps().stream().flatMap(s -> s.tasks().stream()).map(OperationView.StepTask::key).toList();
        Map<String, OperationLog.TaskTimes> times = run.fleet.operations().tasks(jobId);
        List<Map<String, Object>> perStep = stepFigures(keys, times, t0, run.servers.stream().map(Object::toString).toList());
        f.put("per_step", perStep);
        double gapSum = 0;
        double gapMax = 0;
        int gaps = 0;
        for (Map<String, Object> s : perStep) {
            if (s.get("gap_to_next_step_ms") instanceof Double g) {
                gapSum += g;
                gapMax = Math.max(gapMax, g);
                gaps++;
            }
        }
        if (gaps > 0) {
            f.put("control_plane_gap_mean_ms", Math.round(gapSum / gaps * 10) / 10.0);
            f.put("control_plane_gap_max_ms", gapMax);
        }

        List<String> problems = exactlyOnce(end, keys, times, op.nodes().size(), workers);
        f.put("exactly_once", problems.isEmpty());
        if (!problems.isEmpty()) f.put("exactly_once_problems", problems.size() > 10 ? problems.subList(0, 10) : problems);
        run.summary.put("operation_status", end.status());
        run.summary.put("operation_submit_to_done_secs", f.get("submit_to_done_secs"));
        if (gaps > 0) run.summary.put("operation_control_plane_gap_mean_ms", f.get("control_plane_gap_mean_ms"));
        run.summary.put("operation_exactly_once", problems.isEmpty());
        if (!"complete".equals(end.status()))
            throw new RunAborted("operation " + jobId + " ended " + end.status() + (op.reason() == null ? "" : ": " + op.reason()));
        if (!problems.isEmpty()) throw new RunAborted("operation " + jobId + " did not run every task exactly once: " + problems.get(0));
    }

    /** Follows the job with blocking queries until it ends, within a deadline that grows with the fleet and the steps. */
    private JobStatus await(MusterClient api, JobStatus submitted, Map<String, Object> f) {
        Duration limit = Duration.ofSeconds(120 + run.fleet.count(SimWorker.State.READY) / 20
                + (long) run.settings.operationSteps() * (30 + run.settings.operationSleep().toSeconds()));
        long deadline = t0 + limit.toNanos();
        JobStatus s = submitted;
        long index = 0;
        int queries = 0;
        while (!s.isTerminal()) {
            run.checkAbort();
            LoadTestRun.deadline(deadline, "operation " + jobId, limit);
            long started = System.nanoTime();
            try {
                MusterClient.Watched<JobStatus> w = api.watchJob(jobId, index, Duration.ofSeconds(5));
                queries++;
                s = w.value();
                index = w.index();
                OperationView op = s.operation();
                if (op != null) where = "step " + op.step() + " " + op.status();
            } catch (MusterApiException e) {
                run.metrics.error("GET /v1/jobs/{id}", "HTTP_" + e.status(), e.getMessage());
                if (!e.isTransient()) throw new RunAborted("operation: following " + jobId + " failed: " + e.getMessage());
                index = 0;
            }
            if (s.isTerminal()) break;
            long spent = (System.nanoTime() - started) / 1_000_000;
            if (index == 0 || spent < MIN_WATCH_INTERVAL_MS) run.sleep(index == 0 ? 1000 : MIN_WATCH_INTERVAL_MS - spent);
        }
        f.put("watch_queries", queries);
        return s;
    }

    /**
     * The job can end before the workers have the acknowledgements of their last reports (a server answers a report
     * after committing it, the leader may end the job first): wait a little for them, so every end has its times.
     */
    private void awaitAcknowledgements(Map<String, Object> f) {
        OperationLog log = run.fleet.operations();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (log.reportedEnds(jobId) < log.deliveries(jobId) && System.nanoTime() < deadline) run.sleep(50);
        long missing = log.deliveries(jobId) - log.reportedEnds(jobId);
        if (missing > 0) f.put("ends_unacknowledged_after_10s", missing);
    }

    /** Per task key in step order: deliveries and their spread, time to the last end reported (and acknowledged), and the gap to the next step. */
    static List<Map<String, Object>> stepFigures(List<String> keys, Map<String, OperationLog.TaskTimes> times, long submitNanos, List<String> servers) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            OperationLog.TaskTimes t = times.get(keys.get(i));
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("key", keys.get(i));
            if (t == null) {
                s.put("deliveries", 0);
                out.add(s);
                continue;
            }
            s.put("deliveries", t.deliveries());
            s.put("ends_acknowledged", t.reported());
            s.put("first_delivery_after_submit_ms", ms(t.firstDelivery() - submitNanos));
            s.put("delivery_spread_ms", ms(t.lastDelivery() - t.firstDelivery()));
            // Through which server the workers got the step, from the step's first delivery: shows a follower lagging the leader.
            Map<String, Object> by = new LinkedHashMap<>();
            t.byServer().forEach((idx, span) -> by.put(idx < servers.size() ? servers.get(idx) : "server#" + idx, Map.of("deliveries", span.count(),
                    "first_ms", ms(span.first() - t.firstDelivery()), "last_ms", ms(span.last() - t.firstDelivery()))));
            s.put("deliveries_by_server", by);
            if (t.lastReported() > 0) {
                s.put("first_delivery_to_last_end_ms", ms(t.lastReported() - t.firstDelivery()));
                s.put("first_delivery_to_last_ack_ms", ms(t.lastAcked() - t.firstDelivery()));
            }
            OperationLog.TaskTimes next = i + 1 < keys.size() ? times.get(keys.get(i + 1)) : null;
            if (next != null && t.lastReported() > 0) s.put("gap_to_next_step_ms", ms(next.firstDelivery() - t.lastReported()));
            out.add(s);
        }
        return out;
    }

    /**
     * Exactly once: the results matrix has every task on every target node, each a success at its first attempt; the
     * workers saw one delivery per (task, node) and no node received a task key twice; the target is the whole fleet.
     */
    static List<String> exactlyOnce(JobStatus end, List<String> keys, Map<String, OperationLog.TaskTimes> times, int targetNodes, long workers) {
        List<String> problems = new ArrayList<>();
        // Not a repeat, but a step not run on a worker: a node the leader saw down (or lacking the backend) at submit is excluded.
        if (targetNodes != workers) problems.add("the target resolved to " + targetNodes + " nodes, not the " + workers + " ready workers (see excluded_examples)");
        Map<String, Map<String, OperationView.TaskResult>> results = end.results() == null ? Map.of() : end.results();
        for (String key : keys) {
            Map<String, OperationView.TaskResult> byNode = results.getOrDefault(key, Map.of());
            if (byNode.size() != targetNodes) problems.add("task " + key + ": results for " + byNode.size() + " of " + targetNodes + " nodes");
            for (Map.Entry<String, OperationView.TaskResult> e : byNode.entrySet()) {
                OperationView.TaskResult r = e.getValue();
                if (!"success".equals(r.status()) || r.attempts() != 1)
                    problems.add("task " + key + " on node " + e.getKey() + ": " + r.status() + " after " + r.attempts() + " attempt(s)");
            }
            OperationLog.TaskTimes t = times.get(key);
            int delivered = t == null ? 0 : t.deliveries();
            if (delivered != targetNodes) problems.add("task " + key + ": delivered " + delivered + " times for " + targetNodes + " nodes");
            if (t != null && t.repeatedNodes() > 0) problems.add("task " + key + ": " + t.repeatedNodes() + " node(s) received it more than once");
        }
        Set<String> extra = new HashSet<>(results.keySet());
        keys.forEach(extra::remove);
        if (!extra.isEmpty()) problems.add("results for task keys the steps do not have: " + extra);
        return problems;
    }

    private static double ms(long nanos) {
        return Math.round(nanos / 1e5) / 10.0;
    }

    private String spec(int steps) {
        Map<String, Object> step = new LinkedHashMap<>();
        step.put("backend", "test");
        Duration sleep = run.settings.operationSleep();
        if (sleep.isZero()) {
            step.put("action", "succeed");
        } else {
            step.put("action", "sleep");
            step.put("params", Map.of("duration", sleep.toMillis() + "ms"));
        }
        Map<String, Object> job = new LinkedHashMap<>();
        job.put("id", jobId);
        job.put("type", "operation");
        job.put("target", Map.of("scope", "all"));
        if (run.claims.allowedLabels().isEmpty())
            job.put("constraints", List.of(Map.of("attribute", "label.loadtest", "operator", "=", "value", run.runId)));
        List<Map<String, Object>> list = new ArrayList<>();
        for (int i = 0; i < steps; i++) list.add(step);
        job.put("steps", list);
        try {
            return JSON.writeValueAsString(job);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
