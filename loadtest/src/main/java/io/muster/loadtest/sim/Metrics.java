package io.muster.loadtest.sim;

import io.grpc.Status;
import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * What the simulated workers observe, written from many threads without locks: HdrHistogram recorders
 * (microseconds), counters, and failed calls by RPC and gRPC status. The sampler drains the recorders
 * once a second into per-second, per-phase and whole-run histograms.
 */
public final class Metrics {
    /** Latencies the report shows, with their JSON names. */
    public enum Latency {
        REGISTER("registration"), CONNECT("connect_after_register"), FIRST_BEAT("first_heartbeat"), READY("join_to_ready"),
        HEARTBEAT("heartbeat"), ACK("assignment_ack"),
        DELIVERY("commit_to_worker"), WRITE_PROBE("failover_write_probe");

        public final String key;

        Latency(String key) {
            this.key = key;
        }
    }

    public enum Count {
        REGISTERED, REGISTER_FAILED, READY, HEARTBEATS, HEARTBEAT_FAILED, HEARTBEAT_SKIPPED, POLLS, POLL_FAILED,
        ALLOCS_RECEIVED, DUPLICATE_DELIVERIES, REDELIVERED_SETS, DELETES_RECEIVED, UNKNOWN_DELETES, SNAPSHOT_DROPS, ACKS, ACK_FAILED,
        STATUSES_REPORTED, COMPLETIONS, ROTATIONS, LEFT,
        /** Operation task attempts delivered to a worker (one task on one node). */
        OPERATION_TASKS
    }

    static final long MAX_MICROS = TimeUnit.HOURS.toMicros(2);

    private final Map<Latency, Recorder> recorders = new EnumMap<>(Latency.class);
    private final Map<Count, LongAdder> counts = new EnumMap<>(Count.class);
    private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
    private final Map<String, String> errorSamples = new ConcurrentHashMap<>();
    private volatile long lastSuccessNanos = System.nanoTime();
    private volatile long lastFailureNanos;
    private volatile String lastError = "";

    public Metrics() {
        for (Latency l : Latency.values()) recorders.put(l, new Recorder(MAX_MICROS, 3));
        for (Count c : Count.values()) counts.put(c, new LongAdder());
    }

    public static Histogram newHistogram() {
        return new Histogram(MAX_MICROS, 3);
    }

    public void record(Latency l, long nanos) {
        recorders.get(l).recordValue(Math.min(MAX_MICROS, Math.max(0, nanos / 1000)));
    }

    public void inc(Count c) {
        counts.get(c).increment();
    }

    public void add(Count c, long n) {
        counts.get(c).add(n);
    }

    public long get(Count c) {
        return counts.get(c).sum();
    }

    /** A call that answered: the cluster is alive. */
    public void success() {
        lastSuccessNanos = System.nanoTime();
    }

    /** A failed call, counted as "Rpc STATUS" (e.g. "Poll UNAVAILABLE"). */
    public void error(String rpc, Throwable t) {
        Status s = Status.fromThrowable(t);
        error(rpc, s.getCode().name(), s.getDescription());
    }

    public void error(String rpc, String code, String description) {
        String key = rpc + " " + code;
        errors.computeIfAbsent(key, k -> new LongAdder()).increment();
        String msg = key + (description == null || description.isBlank() ? "" : ": " + description);
        errorSamples.putIfAbsent(key, msg);
        lastError = msg;
        lastFailureNanos = System.nanoTime();
    }

    public long lastSuccessNanos() {
        return lastSuccessNanos;
    }

    public long lastFailureNanos() {
        return lastFailureNanos;
    }

    public String lastError() {
        return lastError;
    }

    public Map<String, Long> errors() {
        Map<String, Long> out = new TreeMap<>();
        errors.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    public long errorTotal() {
        return errors.values().stream().mapToLong(LongAdder::sum).sum();
    }

    public Map<String, String> errorSamples() {
        return new TreeMap<>(errorSamples);
    }

    /** Drains what was recorded since the last call (the sampler's job; nobody else calls it). */
    public Histogram drain(Latency l, Histogram recycle) {
        return recorders.get(l).getIntervalHistogram(recycle);
    }
}
