package io.muster.loadtest.sim;

import io.muster.loadtest.sim.Metrics.Count;
import io.muster.loadtest.sim.Metrics.Latency;
import io.muster.pki.Csrs;
import io.muster.pki.Keys;
import io.muster.proto.Allocation;
import io.muster.proto.BackendInfo;
import io.muster.proto.NodeProfile;
import io.muster.types.job.ActionCatalog;
import io.muster.types.config.HostPort;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The simulated workers of one run and what they share: server list, token, node profile, transport and
 * metrics. Also the worker-side truth about deliveries: which worker received which allocation, and when
 * relative to its job's submission (commit-to-worker latency).
 */
public final class Fleet implements AutoCloseable {
    /** How the workers present themselves; labels must be allowed by the token. */
    public record Profile(String runId, Map<String, String> labels, int cpuMhz, int memoryMb) {}

    private final List<HostPort> servers;
    private final String token;
    private final Profile profile;
    private final SimTransport transport;
    private final Metrics metrics;
    private final int pollWaitSecs;
    private final long allocRuntimeMillis;
    private final List<SimWorker> workers = new ArrayList<>();
    private final AtomicInteger nextIndex = new AtomicInteger();
    private final Map<String, Long> jobSubmitNanos = new ConcurrentHashMap<>();
    private final Map<String, Long> receivedBy = new ConcurrentHashMap<>();
    private final Map<String, java.util.concurrent.atomic.LongAdder> receivedPerJob = new ConcurrentHashMap<>();
    private volatile long fixedIntervalMillis;
    private volatile long lastRegisteredNanos;
    private volatile long lastFirstReceiptNanos;
    private volatile boolean measureDelivery;
    private final SecureRandom random = new SecureRandom();
    private final OperationLog operations = new OperationLog();

    public Fleet(List<HostPort> servers, String token, Profile profile, SimTransport transport, Metrics metrics, int pollWaitSecs,
                 long allocRuntimeMillis) {
        this.servers = List.copyOf(servers);
        this.token = token;
        this.profile = profile;
        this.transport = transport;
        this.metrics = metrics;
        this.pollWaitSecs = pollWaitSecs;
        this.allocRuntimeMillis = allocRuntimeMillis;
    }

    List<HostPort> servers() {
        return servers;
    }

    String token() {
        return token;
    }

    SimTransport transport() {
        return transport;
    }

    public Metrics metrics() {
        return metrics;
    }

    int pollWaitSecs() {
        return pollWaitSecs;
    }

    long allocRuntimeMillis() {
        return allocRuntimeMillis;
    }

    long fixedIntervalMillis() {
        return fixedIntervalMillis;
    }

    /** Every worker offers the exec driver and, for operation jobs, the action driver with the test backend (see {@link SimActions}). */
    NodeProfile profile(int index) {
        return NodeProfile.newBuilder().setOs("linux").setArch("amd64").putAllLabels(profile.labels()).setCpuCores(64)
                .setCpuMhz(profile.cpuMhz()).setMemoryMb(profile.memoryMb()).setVersion("loadtest").addDrivers("exec").addDrivers("action")
                .addBackends(BackendInfo.newBuilder().setName(ActionCatalog.TEST.name()).addAllActions(ActionCatalog.TEST.actions()))
                .setHostname("sim-" + profile.runId() + "-" + index).build();
    }

    /** When operation tasks reached the workers and when their ends were acknowledged. */
    public OperationLog operations() {
        return operations;
    }

    /** A new worker with its own P-256 key and CSR (CPU work: call from a pool, not an event loop). */
    public SimWorker newWorker() {
        KeyPair key = Keys.generateP256(random);
        int index = nextIndex.getAndIncrement();
        SimWorker w = new SimWorker(this, index, key, Csrs.create(key, "sim-" + profile.runId() + "-" + index));
        synchronized (workers) {
            workers.add(w);
        }
        return w;
    }

    public CompletableFuture<Void> join(SimWorker w) {
        return w.join();
    }

    public List<SimWorker> workers() {
        synchronized (workers) {
            return List.copyOf(workers);
        }
    }

    public long count(SimWorker.State state) {
        synchronized (workers) {
            return workers.stream().filter(w -> w.state() == state).count();
        }
    }

    /** Heartbeat at a fixed total rate (stress) or, with 0, by the TTL the servers hand out. */
    public void setHeartbeatRate(double totalPerSecond) {
        List<SimWorker> ready = workers().stream().filter(w -> w.state() == SimWorker.State.READY).toList();
        long interval = totalPerSecond <= 0 || ready.isEmpty() ? 0 : Math.max(1, Math.round(ready.size() * 1000.0 / totalPerSecond));
        fixedIntervalMillis = interval;
        for (SimWorker w : ready) w.setFixedInterval(interval);
    }

    void registered(long nanos) {
        lastRegisteredNanos = nanos;
    }

    /** When the most recent Register call answered. */
    public long lastRegisteredNanos() {
        return lastRegisteredNanos;
    }

    /** Commit-to-worker latency is recorded only while the fanout measures it. */
    public void measureDelivery(boolean on) {
        measureDelivery = on;
    }

    /** When a worker last received an allocation no worker had received before. */
    public long lastFirstReceiptNanos() {
        return lastFirstReceiptNanos;
    }

    public void jobSubmitted(String jobId, long nanos) {
        jobSubmitNanos.put(jobId, nanos);
    }

    void received(Allocation a, SimWorker w, long nanos) {
        metrics.inc(Count.ALLOCS_RECEIVED);
        Long submitted = jobSubmitNanos.get(a.getJobId());
        // Submit-to-worker only means something for the first placement: a replacement (lost node, churn) is later by design.
        if (submitted != null && measureDelivery && a.getAttempt() == 0) metrics.record(Latency.DELIVERY, nanos - submitted);
        Long prev = receivedBy.putIfAbsent(a.getId(), w.nodeId());
        if (prev == null) {
            receivedPerJob.computeIfAbsent(a.getJobId(), k -> new java.util.concurrent.atomic.LongAdder()).increment();
            lastFirstReceiptNanos = nanos;
        }
        else if (prev != w.nodeId()) metrics.inc(Count.DUPLICATE_DELIVERIES); // the same allocation on two workers
    }

    /** Allocations of the given jobs that reached some worker, each counted once. */
    public long receivedFor(java.util.Collection<String> jobIds) {
        long n = 0;
        for (String j : jobIds) {
            java.util.concurrent.atomic.LongAdder a = receivedPerJob.get(j);
            if (a != null) n += a.sum();
        }
        return n;
    }

    /** A short account of the live workers' poll loops and holdings, for error messages when deliveries stall. */
    public String diagnose() {
        long now = System.nanoTime();
        int ready = 0;
        int empty = 0;
        int quiet = 0;
        int[] perServer = new int[servers.size()];
        int[] emptyPerServer = new int[servers.size()];
        for (SimWorker w : workers()) {
            if (w.state() != SimWorker.State.READY) continue;
            ready++;
            int idx = w.serverIndex();
            perServer[idx]++;
            if (w.heldCount() == 0) {
                empty++;
                emptyPerServer[idx]++;
            }
            if (now - Math.max(w.pollDoneNanos(), w.pollStartedNanos()) > 60_000_000_000L) quiet++;
        }
        StringBuilder sb = new StringBuilder(String.format("%d ready workers, %d hold nothing, %d started no poll for 60 s; per server (workers/holding nothing):",
                ready, empty, quiet));
        for (int i = 0; i < servers.size(); i++) sb.append(' ').append(servers.get(i)).append('=').append(perServer[i]).append('/').append(emptyPerServer[i]);
        return sb.toString();
    }

    public void stopAll() {
        for (SimWorker w : workers()) w.stop(SimWorker.State.LEFT);
    }

    @Override
    public void close() {
        stopAll();
    }
}
