package io.muster.worker.fake;

import io.muster.pki.CertificateAuthorities;
import io.muster.pki.CertificateAuthority;
import io.muster.pki.CertificateIssuer;
import io.muster.pki.SpkiPin;
import io.muster.pki.token.JoinTokens;
import io.muster.pki.token.TokenClaims;
import io.muster.proto.AllocStatus;
import io.muster.proto.Allocation;
import io.muster.proto.AssignmentEvent;
import io.muster.proto.ControlRequest;
import io.muster.proto.DrainEvent;
import io.muster.proto.LogsReply;
import io.muster.proto.LogsRequest;
import io.muster.proto.PollRequest;
import io.muster.proto.RegisterRequest;
import io.muster.proto.StatusReport;
import io.grpc.stub.StreamObserver;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The cluster side the fake servers share: PKI, tokens, node ids, per-node assignment events, and a record of
 * everything the workers sent. Tests drive it directly ({@link #set}, {@link #delete}, {@link #drain},
 * {@link #snapshotNext}) and inspect what arrived ({@link #latestStatus}, {@link #reports}, {@link #polls}).
 */
public final class FakeCluster {
    public static final String CLUSTER_ID = "test-cluster";

    public final MutableClock clock = new MutableClock();
    public final CertificateAuthority clusterCa;
    public final CertificateAuthority workerCa;
    public final byte[] tokenKey = JoinTokens.newKey();

    // registration
    private final AtomicLong nextNodeId = new AtomicLong(100);
    private final Map<String, Integer> usesLeft = new ConcurrentHashMap<>();
    public final List<RegisterRequest> registrations = new CopyOnWriteArrayList<>();
    public volatile Duration workerCertLifetime = CertificateIssuer.DEFAULT_WORKER_LIFETIME;
    public volatile int ttlSecs = 1;

    // assignments: a global revision, like a Raft index
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private long revision;
    private final Map<Long, List<AssignmentEvent>> events = new HashMap<>();
    private final Map<Long, List<Allocation>> pendingSnapshots = new HashMap<>();

    private final java.util.Set<Long> revoked = ConcurrentHashMap.newKeySet();

    // what workers sent
    public final List<PollRequest> polls = new CopyOnWriteArrayList<>();
    public final List<StatusReport> reports = new CopyOnWriteArrayList<>();
    public final List<AllocStatus> statusHistory = new CopyOnWriteArrayList<>();
    public final List<Long> renewals = new CopyOnWriteArrayList<>();
    /** Serial numbers (hex) of the client certificates polls arrived with. */
    public final List<String> pollCertSerials = new CopyOnWriteArrayList<>();

    // control streams
    private final Map<Long, StreamObserver<ControlRequest>> controls = new ConcurrentHashMap<>();
    private final Map<Long, CompletableFuture<LogsReply>> logReplies = new ConcurrentHashMap<>();
    private final AtomicLong requestIds = new AtomicLong();

    public FakeCluster() {
        clusterCa = CertificateAuthorities.createClusterCa(CLUSTER_ID, clock.instant().minus(Duration.ofDays(1)));
        workerCa = CertificateAuthorities.createWorkerCa(clusterCa, CLUSTER_ID, clock.instant().minus(Duration.ofDays(1)));
    }

    // ---- tokens and certificates ----

    public String token(int maxUses) {
        return token(maxUses, Map.of());
    }

    public String token(int maxUses, Map<String, String> allowedLabels) {
        TokenClaims claims = TokenClaims.create(CLUSTER_ID, clock.instant(), Duration.ofHours(1), allowedLabels,
                SpkiPin.of(clusterCa.certificate()));
        usesLeft.put(claims.tokenId(), maxUses);
        return JoinTokens.encode(claims, tokenKey);
    }

    /** Takes one use of the token; false if it has none left. */
    boolean useToken(String tokenId) {
        return usesLeft.merge(tokenId, -1, Integer::sum) >= 0;
    }

    long newNodeId() {
        return nextNodeId.getAndIncrement();
    }

    X509Certificate issueWorker(long nodeId, PublicKey key) {
        return CertificateIssuer.issueWorkerLeaf(workerCa, CLUSTER_ID, nodeId, key, clock.instant(), workerCertLifetime);
    }

    /** Revokes the node: its calls are refused with PERMISSION_DENIED, as the real servers do. */
    public void revoke(long nodeId) {
        revoked.add(nodeId);
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    boolean isRevoked(long nodeId) {
        return revoked.contains(nodeId);
    }

    // ---- assignments ----

    public long revision() {
        lock.lock();
        try {
            return revision;
        } finally {
            lock.unlock();
        }
    }

    public long set(long nodeId, Allocation allocation) {
        return append(nodeId, AssignmentEvent.newBuilder().setSet(allocation));
    }

    public long delete(long nodeId, String allocId) {
        return append(nodeId, AssignmentEvent.newBuilder().setDeleteAllocId(allocId));
    }

    public long drain(long nodeId, boolean enabled) {
        return append(nodeId, AssignmentEvent.newBuilder().setDrain(DrainEvent.newBuilder().setEnabled(enabled)));
    }

    /** The node's next poll is answered with a full snapshot holding exactly these allocations. */
    public void snapshotNext(long nodeId, List<Allocation> allocations) {
        lock.lock();
        try {
            revision++;
            pendingSnapshots.put(nodeId, List.copyOf(allocations));
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private long append(long nodeId, AssignmentEvent.Builder event) {
        lock.lock();
        try {
            revision++;
            events.computeIfAbsent(nodeId, n -> new ArrayList<>()).add(event.setRevision(revision).build());
            changed.signalAll();
            return revision;
        } finally {
            lock.unlock();
        }
    }

    /** What a poll answers: a pending snapshot, or the events after {@code after}; waits up to {@code maxWait}. */
    record PollAnswer(long revision, List<AssignmentEvent> events, boolean fullSnapshot) {}

    PollAnswer awaitEvents(long nodeId, long after, Duration maxWait, java.util.function.BooleanSupplier cancelled)
            throws InterruptedException {
        long deadline = System.nanoTime() + maxWait.toNanos();
        lock.lock();
        try {
            while (true) {
                List<Allocation> snapshot = pendingSnapshots.remove(nodeId);
                if (snapshot != null) {
                    List<AssignmentEvent> set = snapshot.stream()
                            .map(a -> AssignmentEvent.newBuilder().setRevision(revision).setSet(a).build()).toList();
                    return new PollAnswer(revision, set, true);
                }
                List<AssignmentEvent> newer = events.getOrDefault(nodeId, List.of()).stream()
                        .filter(e -> e.getRevision() > after).toList();
                long left = deadline - System.nanoTime();
                if (!newer.isEmpty() || left <= 0 || cancelled.getAsBoolean()) {
                    return new PollAnswer(revision, newer, false);
                }
                changed.awaitNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(50)));
            }
        } finally {
            lock.unlock();
        }
    }

    void recordReport(StatusReport report) {
        reports.add(report);
        statusHistory.addAll(report.getAllocationsList());
    }

    /** The last status the workers reported for the allocation, or null. */
    public AllocStatus latestStatus(String allocId) {
        AllocStatus latest = null;
        for (AllocStatus s : statusHistory) {
            if (s.getAllocId().equals(allocId)) {
                latest = s;
            }
        }
        return latest;
    }

    // ---- control ----

    void controlOpened(long nodeId, StreamObserver<ControlRequest> stream) {
        controls.put(nodeId, stream);
    }

    void controlClosed(long nodeId, StreamObserver<ControlRequest> stream) {
        controls.remove(nodeId, stream);
    }

    public boolean hasControlStream(long nodeId) {
        return controls.containsKey(nodeId);
    }

    void logsReplied(long requestId, LogsReply reply) {
        CompletableFuture<LogsReply> f = logReplies.remove(requestId);
        if (f != null) {
            f.complete(reply);
        }
    }

    /** Asks the node for an allocation's logs over its control stream. */
    public CompletableFuture<LogsReply> fetchLogs(long nodeId, String allocId, int maxBytes) {
        StreamObserver<ControlRequest> stream = controls.get(nodeId);
        if (stream == null) {
            return CompletableFuture.failedFuture(new IllegalStateException("node " + nodeId + " has no control stream"));
        }
        long id = requestIds.incrementAndGet();
        CompletableFuture<LogsReply> reply = new CompletableFuture<>();
        logReplies.put(id, reply);
        synchronized (stream) {
            stream.onNext(ControlRequest.newBuilder().setRequestId(id)
                    .setLogs(LogsRequest.newBuilder().setNodeId(nodeId).setAllocId(allocId).setMaxBytes(maxBytes)).build());
        }
        return reply;
    }
}
