package io.muster.loadtest.sim;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The workers' side of operation jobs: per (job, task key), when the task attempts reached workers, when the workers
 * sent the reports of their ends (of the send that a server acknowledged) and when those acknowledgements came back
 * (the end is committed by then), and which node got which task key how often. A worker that receives the same task
 * key twice ran a step twice.
 */
public final class OperationLog {
    /**
     * One task key of one job as the workers saw it; times are System.nanoTime(), 0 when nothing happened yet.
     * {@code firstReported}/{@code lastReported} are when end reports were sent; {@code lastAcked} when the last
     * acknowledgement arrived (an upper bound on its commit, late by the answer's trip back to the worker).
     */
    public record TaskTimes(int deliveries, int reported, long firstDelivery, long lastDelivery, long firstReported, long lastReported,
                            long lastAcked, int nodes, int repeatedNodes, Map<Integer, Span> byServer) {}

    /** Deliveries through one server (index into the fleet's server list): how many, first and last. */
    public record Span(int count, long first, long last) {
        Span add(long nanos) {
            return count == 0 ? new Span(1, nanos, nanos) : new Span(count + 1, Math.min(first, nanos), Math.max(last, nanos));
        }
    }

    private static final class Task {
        final Map<Long, Integer> perNode = new HashMap<>();
        final Map<Integer, Span> byServer = new java.util.TreeMap<>();
        int deliveries;
        int reported;
        long firstDelivery;
        long lastDelivery;
        long firstReported;
        long lastReported;
        long lastAcked;
        int repeated;
    }

    private final Map<String, Map<String, Task>> jobs = new HashMap<>();

    synchronized void delivered(String jobId, String taskKey, long nodeId, int serverIndex, long nanos) {
        Task t = task(jobId, taskKey);
        t.byServer.merge(serverIndex, new Span(1, nanos, nanos), (a, b) -> a.add(nanos));
        t.deliveries++;
        if (t.firstDelivery == 0) t.firstDelivery = nanos;
        t.lastDelivery = Math.max(t.lastDelivery, nanos);
        if (t.perNode.merge(nodeId, 1, Integer::sum) == 2) t.repeated++;
    }

    synchronized void reported(String jobId, String taskKey, long sentNanos, long ackedNanos) {
        Task t = task(jobId, taskKey);
        t.reported++;
        t.firstReported = t.firstReported == 0 ? sentNanos : Math.min(t.firstReported, sentNanos);
        t.lastReported = Math.max(t.lastReported, sentNanos);
        t.lastAcked = Math.max(t.lastAcked, ackedNanos);
    }

    private Task task(String jobId, String taskKey) {
        return jobs.computeIfAbsent(jobId, k -> new LinkedHashMap<>()).computeIfAbsent(taskKey, k -> new Task());
    }

    /** The job's task keys in the order they were first delivered. */
    public synchronized Map<String, TaskTimes> tasks(String jobId) {
        Map<String, TaskTimes> out = new LinkedHashMap<>();
        jobs.getOrDefault(jobId, Map.of()).forEach((k, t) -> out.put(k, new TaskTimes(t.deliveries, t.reported, t.firstDelivery, t.lastDelivery,
                t.firstReported, t.lastReported, t.lastAcked, t.perNode.size(), t.repeated, Map.copyOf(t.byServer))));
        return out;
    }

    /** Deliveries of the job's tasks so far (every attempt counted). */
    public synchronized long deliveries(String jobId) {
        return jobs.getOrDefault(jobId, Map.of()).values().stream().mapToLong(t -> t.deliveries).sum();
    }

    /** Acknowledged end reports of the job's tasks so far. */
    public synchronized long reportedEnds(String jobId) {
        return jobs.getOrDefault(jobId, Map.of()).values().stream().mapToLong(t -> t.reported).sum();
    }
}
