package io.muster.loadtest.sim;

import com.google.protobuf.ByteString;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.muster.loadtest.sim.Metrics.Count;
import io.muster.loadtest.sim.Metrics.Latency;
import io.muster.pki.pem.Pem;
import io.muster.proto.AllocState;
import io.muster.proto.AllocStatus;
import io.muster.proto.Allocation;
import io.muster.proto.AssignmentEvent;
import io.muster.proto.PollRequest;
import io.muster.proto.PollResponse;
import io.muster.proto.RegisterRequest;
import io.muster.proto.RegisterResponse;
import io.muster.proto.ResourceUsage;
import io.muster.proto.StatusAck;
import io.muster.proto.StatusReport;
import io.muster.proto.WorkerServiceGrpc;
import io.muster.types.config.HostPort;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One simulated worker speaking the real protocol: Register with its own key and CSR, then its own mTLS
 * connection for heartbeats (at a random point in [0.5, 0.75] of the TTL the server hands out, like a real
 * worker), a long-poll loop, and status reports that acknowledge assignments. Everything is asynchronous:
 * a worker is a few objects and at most three calls in flight, never a thread.
 *
 * <p>Connection loss: after repeated UNAVAILABLE (or a poll answered "behind") the worker moves to the next
 * server, heartbeats at once to say where it is, and carries on polling from its last revision.
 */
public final class SimWorker {
    public enum State { NEW, REGISTERING, JOINING, READY, LEFT, FAILED }

    private record OperationTask(String jobId, String key) {}

    static final String OPERATION = "operation";

    /** One connection generation: calls on a replaced connection are ignored when they fail. */
    private record Conn(int generation, ManagedChannel channel, WorkerServiceGrpc.WorkerServiceStub stub) {}

    private static final int REGISTER_ATTEMPTS = 5;
    private static final long BEAT_DEADLINE_SECS = 10;

    private final Fleet fleet;
    public final int index;
    private final KeyPair key;
    private final byte[] csr;
    private volatile State state = State.NEW;
    private volatile long nodeId;
    private final CompletableFuture<Void> joined = new CompletableFuture<>();
    private final CompletableFuture<Void> registered = new CompletableFuture<>();
    private long joinStartNanos;

    // Connection and loops; guarded by this.
    private SslContext ssl;
    private int serverIdx;
    private Conn conn;
    private int consecutiveUnavailable;
    private ScheduledFuture<?> beatTimer;
    private volatile int ttlSecs;
    private volatile int graceSecs;
    private long lastRevision;
    private final Set<String> held = new HashSet<>();
    private final List<AllocStatus> pending = new ArrayList<>();
    /** Operation task attempts held or ended but not yet acknowledged: allocation id -> (job, task key). */
    private final Map<String, OperationTask> operationTasks = new HashMap<>();
    /** Operation task attempts this worker ended: a later Set of one is a redelivery, never a second run. */
    private final Set<String> operationEnded = new HashSet<>();
    private final AtomicBoolean beatInFlight = new AtomicBoolean();
    private final AtomicBoolean ackInFlight = new AtomicBoolean();
    private volatile long lastRotationNanos;
    private volatile long backAfterRotationNanos;
    private volatile long lastBeatOkNanos;
    private volatile long lastAckedBeatSentNanos;
    private volatile long pollStartedNanos;
    private volatile long pollDoneNanos;

    SimWorker(Fleet fleet, int index, KeyPair key, byte[] csr) {
        this.fleet = fleet;
        this.index = index;
        this.key = key;
        this.csr = csr;
    }

    public State state() {
        return state;
    }

    public long nodeId() {
        return nodeId;
    }

    public boolean alive() {
        State s = state;
        return s == State.JOINING || s == State.READY;
    }

    public long lastRotationNanos() {
        return lastRotationNanos;
    }

    public long lastBeatOkNanos() {
        return lastBeatOkNanos;
    }

    /** The first acknowledged heartbeat sent after the last move to another server (0 while none). */
    public long backAfterRotationNanos() {
        return backAfterRotationNanos;
    }

    /**
     * Whether the lease of the last acknowledged heartbeat (TTL + grace) surely still runs at {@code nowNanos}:
     * counted from when that heartbeat was sent, since the server cannot have started the lease earlier. A node
     * marked down while this holds was marked down wrongly.
     */
    public boolean leaseRunning(long nowNanos) {
        long ok = lastAckedBeatSentNanos;
        return ok != 0 && nowNanos - ok <= TimeUnit.SECONDS.toNanos((long) ttlSecs + graceSecs);
    }

    /** For diagnostics: when the current poll started and when a poll last answered. */
    public long pollStartedNanos() {
        return pollStartedNanos;
    }

    public long pollDoneNanos() {
        return pollDoneNanos;
    }

    public synchronized int heldCount() {
        return held.size();
    }

    public synchronized int serverIndex() {
        return serverIdx;
    }

    public synchronized long lastRevision() {
        return lastRevision;
    }

    /** For reports: how this worker's lease looked at {@code nowNanos}, from its own side. */
    public String leaseDescription(long nowNanos) {
        long sent = lastAckedBeatSentNanos;
        return String.format("node %d: last acknowledged heartbeat sent %.1f s before, TTL %d s + grace %d s", nodeId,
                sent == 0 ? -1.0 : (nowNanos - sent) / 1e9, ttlSecs, graceSecs);
    }

    /** Allocation ids this worker runs now. */
    public synchronized Set<String> held() {
        return Set.copyOf(held);
    }

    // ---- joining ----

    /** Registers, opens the mTLS connection and heartbeats once; completes when the node is ready. */
    CompletableFuture<Void> join() {
        state = State.REGISTERING;
        joinStartNanos = System.nanoTime();
        register(0);
        return joined;
    }

    /** Completes when the node is ready (first heartbeat acknowledged), or fails. */
    public CompletableFuture<Void> readyOrFailed() {
        return joined;
    }

    /** Completes when the Register call answered (before the connection and first heartbeat). */
    public CompletableFuture<Void> registered() {
        return registered;
    }

    private void register(int attempt) {
        List<HostPort> servers = fleet.servers();
        HostPort target = servers.get((index + attempt) % servers.size());
        ManagedChannel ch = fleet.transport().registerChannel(target);
        RegisterRequest req = RegisterRequest.newBuilder().setToken(fleet.token()).setCsrDer(ByteString.copyFrom(csr))
                .setProfile(fleet.profile(index)).build();
        long t0 = System.nanoTime();
        WorkerServiceGrpc.newStub(ch).withDeadlineAfter(30, TimeUnit.SECONDS).register(req, new StreamObserver<>() {
            private RegisterResponse resp;

            @Override
            public void onNext(RegisterResponse r) {
                resp = r;
            }

            @Override
            public void onError(Throwable t) {
                ch.shutdownNow();
                Metrics m = fleet.metrics();
                m.error("Register", t);
                Status.Code code = Status.fromThrowable(t).getCode();
                boolean retryable = code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED
                        || code == Status.Code.RESOURCE_EXHAUSTED || code == Status.Code.ABORTED || code == Status.Code.INTERNAL;
                if (retryable && attempt + 1 < REGISTER_ATTEMPTS && state == State.REGISTERING) {
                    long delay = 250L * (1L << attempt) + ThreadLocalRandom.current().nextLong(250);
                    fleet.transport().timer().schedule(() -> register(attempt + 1), delay, TimeUnit.MILLISECONDS);
                    return;
                }
                m.inc(Count.REGISTER_FAILED);
                registered.completeExceptionally(t);
                fail(t);
            }

            @Override
            public void onCompleted() {
                ch.shutdownNow();
                long now = System.nanoTime();
                fleet.registered(now);
                fleet.metrics().record(Latency.REGISTER, now - t0);
                fleet.metrics().inc(Count.REGISTERED);
                fleet.metrics().success();
                registered.complete(null);
                fleet.transport().work().execute(() -> connect(resp, now));
            }
        });
    }

    private void fail(Throwable t) {
        state = State.FAILED;
        joined.completeExceptionally(t);
    }

    private void connect(RegisterResponse r, long registeredNanos) {
        try {
            nodeId = r.getNodeId();
            X509Certificate cert = Pem.decodeCertificates(r.getCertificatePem()).get(0);
            X509Certificate clusterCa = Pem.decodeCertificates(r.getCaPem()).get(0);
            SslContext ctx = fleet.transport().workerSsl(key.getPrivate(), cert, fleet.transport().serverTrust(clusterCa, r.getClusterId()));
            synchronized (this) {
                if (state != State.REGISTERING) return; // stopped meanwhile
                ssl = ctx;
                ttlSecs = r.getHeartbeatTtlSecs();
                graceSecs = r.getHeartbeatGraceSecs();
                serverIdx = index % fleet.servers().size();
                conn = open(0);
                state = State.JOINING;
            }
            // Queueing for a work thread plus building the TLS context and channel; the handshake itself is in the first heartbeat.
            fleet.metrics().record(Latency.CONNECT, System.nanoTime() - registeredNanos);
            beat();
        } catch (Exception e) {
            fleet.metrics().error("Connect", "LOCAL", e.toString());
            fail(e);
        }
    }

    private Conn open(int generation) {
        ManagedChannel ch = fleet.transport().workerChannel(fleet.servers().get(serverIdx), ssl);
        return new Conn(generation, ch, WorkerServiceGrpc.newStub(ch));
    }

    private synchronized Conn conn() {
        return conn;
    }

    private void becameReady() {
        if (state != State.JOINING) return;
        state = State.READY;
        fleet.metrics().record(Latency.READY, System.nanoTime() - joinStartNanos);
        fleet.metrics().inc(Count.READY);
        joined.complete(null);
        long fixed = fleet.fixedIntervalMillis();
        if (fixed > 0) setFixedInterval(fixed);
        poll();
    }

    // ---- heartbeats ----

    void beat() {
        if (!alive()) return;
        if (!beatInFlight.compareAndSet(false, true)) {
            fleet.metrics().inc(Count.HEARTBEAT_SKIPPED);
            return;
        }
        Conn c = conn();
        int running;
        long rev;
        synchronized (this) {
            running = held.size();
            rev = lastRevision;
        }
        StatusReport report = StatusReport.newBuilder().setNodeId(nodeId).setAppliedRevision(rev).setSentUnixMs(System.currentTimeMillis())
                .setResources(ResourceUsage.newBuilder().setRunningAllocs(running)).build();
        long t0 = System.nanoTime();
        c.stub().withDeadlineAfter(BEAT_DEADLINE_SECS, TimeUnit.SECONDS).reportStatus(report, new StreamObserver<>() {
            private StatusAck ack;

            @Override
            public void onNext(StatusAck a) {
                ack = a;
            }

            @Override
            public void onError(Throwable t) {
                beatInFlight.set(false);
                if (!alive()) return;
                if (stale(c)) {
                    beat(); // the connection was replaced meanwhile: say hello on the new one
                    return;
                }
                fleet.metrics().inc(Count.HEARTBEAT_FAILED);
                fleet.metrics().error("ReportStatus", t);
                long delay = onFailure(c, t);
                if (fleet.fixedIntervalMillis() <= 0 || state == State.JOINING) scheduleBeat(Math.max(delay, 500 + ThreadLocalRandom.current().nextLong(1000)));
            }

            @Override
            public void onCompleted() {
                long now = System.nanoTime();
                fleet.metrics().record(state == State.JOINING ? Latency.FIRST_BEAT : Latency.HEARTBEAT, now - t0);
                fleet.metrics().inc(Count.HEARTBEATS);
                fleet.metrics().success();
                lastBeatOkNanos = now;
                lastAckedBeatSentNanos = t0;
                if (backAfterRotationNanos == 0 && t0 >= lastRotationNanos) backAfterRotationNanos = now;
                synchronized (SimWorker.this) {
                    consecutiveUnavailable = 0;
                    if (ack != null && ack.getNextTtlSecs() > 0) ttlSecs = ack.getNextTtlSecs();
                }
                beatInFlight.set(false);
                if (state == State.JOINING) becameReady();
                if (fleet.fixedIntervalMillis() <= 0) scheduleBeat(ttlDelayMillis());
            }
        });
    }

    /** The real worker's rule: the next heartbeat at a random point in [0.5, 0.75] of the TTL. */
    private synchronized long ttlDelayMillis() {
        return (long) (ttlSecs * 1000L * (0.5 + 0.25 * ThreadLocalRandom.current().nextDouble()));
    }

    private synchronized void scheduleBeat(long delayMillis) {
        if (!alive()) return;
        if (beatTimer != null) beatTimer.cancel(false);
        beatTimer = fleet.transport().timer().schedule(this::beat, delayMillis, TimeUnit.MILLISECONDS);
    }

    /** Stress mode: beat every {@code intervalMillis} regardless of the TTL (0 = back to the TTL rule). */
    synchronized void setFixedInterval(long intervalMillis) {
        if (state != State.READY) return; // a joining worker picks the mode up when it becomes ready
        if (beatTimer != null) beatTimer.cancel(false);
        if (intervalMillis > 0) {
            long phase = ThreadLocalRandom.current().nextLong(intervalMillis);
            beatTimer = fleet.transport().timer().scheduleAtFixedRate(this::beat, phase, intervalMillis, TimeUnit.MILLISECONDS);
        } else {
            beatTimer = fleet.transport().timer().schedule(this::beat, ttlDelayMillis(), TimeUnit.MILLISECONDS);
        }
    }

    // ---- long-poll ----

    private void poll() {
        if (!alive()) return;
        Conn c = conn();
        long rev;
        synchronized (this) {
            rev = lastRevision;
        }
        PollRequest req = PollRequest.newBuilder().setNodeId(nodeId).setLastRevision(rev).setMaxWaitSecs(fleet.pollWaitSecs()).build();
        pollStartedNanos = System.nanoTime();
        c.stub().withDeadlineAfter(fleet.pollWaitSecs() + 15L, TimeUnit.SECONDS).poll(req, new StreamObserver<>() {
            private PollResponse resp;

            @Override
            public void onNext(PollResponse r) {
                resp = r;
            }

            @Override
            public void onError(Throwable t) {
                if (!alive()) return;
                if (stale(c)) {
                    poll();
                    return;
                }
                fleet.metrics().inc(Count.POLL_FAILED);
                fleet.metrics().error("Poll", t);
                long delay = onFailure(c, t);
                fleet.transport().timer().schedule(SimWorker.this::poll, delay, TimeUnit.MILLISECONDS);
            }

            @Override
            public void onCompleted() {
                pollDoneNanos = System.nanoTime();
                fleet.metrics().inc(Count.POLLS);
                fleet.metrics().success();
                if (resp != null) handle(resp);
                poll();
            }
        });
    }

    private void handle(PollResponse r) {
        long now = System.nanoTime();
        long wall = System.currentTimeMillis();
        List<Allocation> started = new ArrayList<>();
        synchronized (this) {
            consecutiveUnavailable = 0;
            if (r.getFullSnapshot()) {
                Set<String> snapshot = new HashSet<>();
                for (AssignmentEvent ev : r.getEventsList()) {
                    if (!ev.hasSet()) continue;
                    snapshot.add(ev.getSet().getId());
                    if (operationEnded.contains(ev.getSet().getId())) continue;
                    if (held.add(ev.getSet().getId())) started.add(ev.getSet());
                }
                int before = held.size();
                held.retainAll(snapshot);
                fleet.metrics().add(Count.SNAPSHOT_DROPS, before - held.size());
            } else {
                for (AssignmentEvent ev : r.getEventsList()) {
                    switch (ev.getKindCase()) {
                        case SET -> {
                            // A Set for an allocation already held changes nothing (a real worker ignores it); counted apart
                            // from true duplicates, which are one allocation on two workers.
                            if (!operationEnded.contains(ev.getSet().getId()) && held.add(ev.getSet().getId())) started.add(ev.getSet());
                            else fleet.metrics().inc(Count.REDELIVERED_SETS);
                        }
                        case DELETE_ALLOC_ID -> {
                            fleet.metrics().inc(Count.DELETES_RECEIVED);
                            if (held.remove(ev.getDeleteAllocId())) pending.add(status(ev.getDeleteAllocId(), AllocState.ALLOC_STOPPED, wall));
                            else fleet.metrics().inc(Count.UNKNOWN_DELETES);
                        }
                        default -> { } // drain: nothing runs for real, nothing to stop
                    }
                }
            }
            lastRevision = Math.max(lastRevision, r.getRevision());
            for (Allocation a : started) pending.add(status(a.getId(), AllocState.ALLOC_RUNNING, wall));
        }
        for (Allocation a : started) fleet.received(a, this, now);
        long runtime = fleet.allocRuntimeMillis();
        for (Allocation a : started) {
            if (OPERATION.equals(a.getJobType())) runAction(a, now);
            else if (runtime > 0) fleet.transport().timer().schedule(() -> complete(a.getId()), runtime, TimeUnit.MILLISECONDS);
        }
        flushStatuses();
    }

    /** An operation task attempt: answered as the test backend would ({@link SimActions}), at once or after its sleep. */
    private void runAction(Allocation a, long now) {
        SimActions.Answer answer = SimActions.answer(a.getGroupSpecJson().toByteArray(), a.getAttempt());
        fleet.operations().delivered(a.getJobId(), a.getGroup(), nodeId, serverIndex(), now);
        fleet.metrics().inc(Count.OPERATION_TASKS);
        synchronized (this) {
            operationTasks.put(a.getId(), new OperationTask(a.getJobId(), a.getGroup()));
        }
        // No delay: the end joins the RUNNING status in the report the caller flushes next.
        if (answer.delayMillis() <= 0) endAction(a.getId(), answer);
        else fleet.transport().timer().schedule(() -> {
            endAction(a.getId(), answer);
            flushStatuses();
        }, answer.delayMillis(), TimeUnit.MILLISECONDS);
    }

    private synchronized void endAction(String allocId, SimActions.Answer answer) {
        if (!alive() || !held.remove(allocId)) return;
        operationEnded.add(allocId);
        AllocStatus.Builder b = AllocStatus.newBuilder().setAllocId(allocId).setState(answer.state()).setExitCode(answer.exitCode())
                .setFinishedUnixMs(System.currentTimeMillis()).setOutput(answer.output());
        if (answer.message() != null) b.setMessage(answer.message());
        pending.add(b.build());
    }

    /** The server acknowledged these statuses: the ends of operation tasks among them are committed. */
    private void acknowledged(List<AllocStatus> batch, long sentNanos, long ackedNanos) {
        List<OperationTask> ended = new ArrayList<>();
        synchronized (this) {
            if (operationTasks.isEmpty()) return;
            for (AllocStatus st : batch) {
                if (st.getState() != AllocState.ALLOC_COMPLETE && st.getState() != AllocState.ALLOC_FAILED) continue;
                OperationTask t = operationTasks.remove(st.getAllocId());
                if (t != null) ended.add(t);
            }
        }
        for (OperationTask t : ended) fleet.operations().reported(t.jobId(), t.key(), sentNanos, ackedNanos);
    }

    private static AllocStatus status(String id, AllocState state, long wall) {
        AllocStatus.Builder b = AllocStatus.newBuilder().setAllocId(id).setState(state);
        if (state == AllocState.ALLOC_RUNNING) b.setStartedUnixMs(wall);
        else b.setFinishedUnixMs(wall);
        return b.build();
    }

    private void complete(String allocId) {
        synchronized (this) {
            if (!alive() || !held.remove(allocId)) return;
            pending.add(status(allocId, AllocState.ALLOC_COMPLETE, System.currentTimeMillis()));
        }
        fleet.metrics().inc(Count.COMPLETIONS);
        flushStatuses();
    }

    // ---- acknowledging assignments ----

    /** Reports pending allocation statuses at once (one report in flight; the next picks up what queued meanwhile). */
    private void flushStatuses() {
        if (!alive() || !ackInFlight.compareAndSet(false, true)) return;
        List<AllocStatus> batch;
        synchronized (this) {
            if (pending.isEmpty()) {
                ackInFlight.set(false);
                return;
            }
            batch = List.copyOf(pending);
            pending.clear();
        }
        Conn c = conn();
        long t0 = System.nanoTime();
        StatusReport report = StatusReport.newBuilder().setNodeId(nodeId).addAllAllocations(batch).setSentUnixMs(System.currentTimeMillis()).build();
        c.stub().withDeadlineAfter(30, TimeUnit.SECONDS).reportStatus(report, new StreamObserver<>() {
            @Override
            public void onNext(StatusAck a) {}

            @Override
            public void onError(Throwable t) {
                synchronized (SimWorker.this) {
                    pending.addAll(0, batch);
                }
                ackInFlight.set(false);
                if (!alive()) return;
                if (!stale(c)) {
                    fleet.metrics().inc(Count.ACK_FAILED);
                    fleet.metrics().error("ReportStatus(ack)", t);
                }
                fleet.transport().timer().schedule(SimWorker.this::flushStatuses, 1000, TimeUnit.MILLISECONDS);
            }

            @Override
            public void onCompleted() {
                long now = System.nanoTime();
                fleet.metrics().record(Latency.ACK, now - t0);
                acknowledged(batch, t0, now);
                fleet.metrics().inc(Count.ACKS);
                fleet.metrics().add(Count.STATUSES_REPORTED, batch.size());
                fleet.metrics().success();
                ackInFlight.set(false);
                boolean more;
                synchronized (SimWorker.this) {
                    more = !pending.isEmpty();
                }
                if (more) flushStatuses();
            }
        });
    }

    // ---- failures ----

    private synchronized boolean stale(Conn c) {
        return conn != c;
    }

    /**
     * Decides what a failed call means and returns the delay before the caller retries. Moves to the next
     * server when this one is unreachable or behind; gives up on the worker when the cluster refuses it.
     */
    private long onFailure(Conn c, Throwable t) {
        Status.Code code = Status.fromThrowable(t).getCode();
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        switch (code) {
            case UNAVAILABLE -> {
                // Move only when this connection is what failed (a local transport error carries a cause, or the
                // channel is failing). "No leader right now" comes from a healthy server and is cluster-wide:
                // hopping servers would not help, so retry here, and move only if it keeps saying so.
                Status st = Status.fromThrowable(t);
                boolean broken = st.getCause() != null || c.channel().getState(false) == ConnectivityState.TRANSIENT_FAILURE;
                int n;
                synchronized (this) {
                    n = ++consecutiveUnavailable;
                }
                if (broken || n >= 8) {
                    rotate(c);
                    return 0;
                }
                return 250 + rnd.nextLong(500);
            }
            case FAILED_PRECONDITION, NOT_FOUND -> {
                rotate(c);
                return 100 + rnd.nextLong(400);
            }
            case PERMISSION_DENIED, UNAUTHENTICATED -> {
                stop(State.FAILED);
                return 0;
            }
            case DEADLINE_EXCEEDED, CANCELLED -> {
                return rnd.nextLong(500);
            }
            default -> {
                return 1000 + rnd.nextLong(1000);
            }
        }
    }

    private void rotate(Conn failed) {
        Conn old;
        synchronized (this) {
            if (conn != failed || !alive()) return;
            old = conn;
            serverIdx = (serverIdx + 1) % fleet.servers().size();
            conn = open(old.generation() + 1);
            consecutiveUnavailable = 0;
        }
        backAfterRotationNanos = 0;
        lastRotationNanos = System.nanoTime();
        fleet.metrics().inc(Count.ROTATIONS);
        old.channel().shutdownNow(); // its in-flight calls fail as stale and restart on the new connection
        fleet.transport().executor().execute(this::beat);
    }

    /** Leaves (churn, end of run) or gives up: stops the loops and closes the connection. */
    public void stop(State end) {
        Conn c;
        synchronized (this) {
            if (state == State.LEFT || state == State.FAILED) return;
            state = end;
            if (beatTimer != null) beatTimer.cancel(false);
            c = conn;
        }
        if (c != null) c.channel().shutdownNow();
        if (!registered.isDone()) registered.completeExceptionally(new IllegalStateException("worker stopped before it registered"));
        if (!joined.isDone()) joined.completeExceptionally(new IllegalStateException("worker stopped before it was ready"));
    }
}
