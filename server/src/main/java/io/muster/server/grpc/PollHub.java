package io.muster.server.grpc;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.muster.proto.AssignmentEvent;
import io.muster.proto.DrainEvent;
import io.muster.proto.PollResponse;
import io.muster.server.metrics.WorkerMetrics.PollAnswer;
import io.muster.server.state.ClusterState;
import io.muster.server.state.NodeEventLog;
import io.muster.server.state.NodeEventLog.Event;
import io.muster.server.state.Records.AllocRecord;
import io.muster.server.state.Records.NodeRecord;
import io.muster.server.state.StateListener;
import io.muster.types.state.DrainState;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * Long-polls without threads: a waiting poll is a small record holding its response observer and a
 * timer. Applied events for a node wake only that node's waiters. A server whose applied state is
 * behind the worker's revision never answers with older state: it waits to catch up, and if it cannot
 * in time it answers FAILED_PRECONDITION so the worker asks another server.
 */
public final class PollHub implements StateListener {
    public static final int DEFAULT_WAIT_SECS = 30;
    public static final int MAX_WAIT_SECS = 60;
    /**
     * Polls one node may have waiting on this server at once. A worker runs one at a time; a few more cover a
     * reconnect while the server has not yet noticed the old connection is gone. A poll beyond this is refused
     * with RESOURCE_EXHAUSTED and the waiting ones are left alone (answering the oldest early instead would let a
     * client turn the long-poll into a busy loop); workers back off on the error. An attack run held 5,000 polls
     * on one connection.
     */
    public static final int MAX_POLLS_PER_NODE = 4;

    private final class Waiter {
        final long nodeId;
        final long lastRevision;
        final StreamObserver<PollResponse> observer;
        final AtomicBoolean done = new AtomicBoolean();
        /** Set once the waiter no longer counts against its node's cap. */
        final AtomicBoolean released = new AtomicBoolean();
        volatile ScheduledFuture<?> timeout;

        Waiter(long nodeId, long lastRevision, StreamObserver<PollResponse> observer) {
            this.nodeId = nodeId;
            this.lastRevision = lastRevision;
            this.observer = observer;
        }
    }

    private final ClusterState state;
    private final AllocationView allocations;
    private final ScheduledExecutorService timer;
    private final ExecutorService responders;
    private final Supplier<List<String>> servers;
    private final io.muster.server.metrics.WorkerMetrics metrics;
    private final Map<Long, Set<Waiter>> waiting = new ConcurrentHashMap<>();
    private final Set<Waiter> behind = ConcurrentHashMap.newKeySet();
    /** Waiters per node, waiting or behind: what {@link #MAX_POLLS_PER_NODE} limits. */
    private final Map<Long, Integer> perNode = new ConcurrentHashMap<>();

    public PollHub(ClusterState state, ScheduledExecutorService timer, ExecutorService responders, Supplier<List<String>> servers) {
        this(state, timer, responders, servers, io.muster.server.metrics.WorkerMetrics.NONE);
    }

    /** @param metrics counts the polls answered here, by what they were answered with */
    public PollHub(ClusterState state, ScheduledExecutorService timer, ExecutorService responders, Supplier<List<String>> servers,
                   io.muster.server.metrics.WorkerMetrics metrics) {
        this.metrics = metrics;
        this.state = state;
        this.allocations = new AllocationView(state, new io.muster.server.state.OperationReads());
        this.timer = timer;
        this.responders = responders;
        this.servers = servers;
        state.addListener(this);
    }

    public void poll(long nodeId, long lastRevision, int maxWaitSecs, StreamObserver<PollResponse> observer) {
        int wait = maxWaitSecs <= 0 ? DEFAULT_WAIT_SECS : Math.min(maxWaitSecs, MAX_WAIT_SECS);
        if (!acquire(nodeId)) {
            try {
                observer.onError(Status.RESOURCE_EXHAUSTED.withDescription("node " + nodeId + " already has " + MAX_POLLS_PER_NODE
                        + " polls waiting on this server; poll one at a time").asRuntimeException());
            } catch (RuntimeException e) {
                // gone
            }
            return;
        }
        Waiter w = new Waiter(nodeId, lastRevision, observer);
        if (observer instanceof ServerCallStreamObserver<PollResponse> sco) sco.setOnCancelHandler(() -> forget(w));
        w.timeout = timer.schedule(() -> expire(w), wait, TimeUnit.SECONDS);
        if (lastRevision > state.appliedIndex()) {
            behind.add(w);
            if (lastRevision <= state.appliedIndex()) catchUp(w); // caught up meanwhile
            return;
        }
        // Register first, then look: an event applied in between wakes us instead of being missed.
        waiting.computeIfAbsent(nodeId, k -> ConcurrentHashMap.newKeySet()).add(w);
        tryAnswer(w, false);
    }

    /** Answers if there is something newer than the waiter's revision (or it needs a snapshot). */
    private void tryAnswer(Waiter w, boolean onTimeout) {
        // Only whole revisions: an entry's events are appended one by one during its apply, and the applied
        // index moves past it only when they are all there. Answering with part of a revision would make the
        // worker record it as seen and never receive the rest.
        var snap = state.snapshot(); // one index: the events up to it, and the allocations as of it
        long limit = snap.index();
        NodeEventLog log = state.eventLog(w.nodeId);
        List<Event> events = w.lastRevision == 0 ? null : log.after(w.lastRevision);
        if (events != null) events = events.stream().filter(e -> e.revision() <= limit).toList();
        if (events != null && events.isEmpty() && !onTimeout) return;
        if (!w.done.compareAndSet(false, true)) return;
        forget(w);
        PollResponse.Builder r = PollResponse.newBuilder().addAllServers(servers.get());
        long revision = Math.max(limit, w.lastRevision);
        if (events == null) {
            r.setFullSnapshot(true);
            for (AllocRecord a : snap.allocsOnNode(w.nodeId)) {
                if (a.desiredRun() && !a.terminal())
                    r.addEvents(AssignmentEvent.newBuilder().setRevision(a.createIndex()).setSet(allocations.of(a)));
            }
            NodeRecord n = snap.node(w.nodeId).orElse(null);
            if (n != null && n.drain() == DrainState.DRAINING)
                r.addEvents(AssignmentEvent.newBuilder().setRevision(revision).setDrain(DrainEvent.newBuilder().setEnabled(true).setDeadlineUnixMs(n.drainDeadline())));
        } else {
            for (Event e : events) {
                AssignmentEvent.Builder ev = AssignmentEvent.newBuilder().setRevision(e.revision());
                switch (e.kind()) {
                    case SET -> {
                        AllocRecord a = snap.alloc(e.allocId()).orElse(null);
                        if (a == null || !a.desiredRun()) continue; // stopped since: its Delete follows
                        ev.setSet(allocations.of(a));
                    }
                    case DELETE -> ev.setDeleteAllocId(e.allocId());
                    case DRAIN -> ev.setDrain(DrainEvent.newBuilder().setEnabled(e.drainEnabled()).setDeadlineUnixMs(e.drainDeadline()));
                }
                r.addEvents(ev);
            }
        }
        r.setRevision(revision);
        metrics.pollAnswered(events == null ? PollAnswer.SNAPSHOT : r.getEventsCount() == 0 ? PollAnswer.EMPTY : PollAnswer.EVENTS);
        send(w, r.build());
    }

    private void send(Waiter w, PollResponse r) {
        try {
            w.observer.onNext(r);
            w.observer.onCompleted();
        } catch (RuntimeException e) {
            // the worker went away; nothing to do
        }
    }

    private void expire(Waiter w) {
        if (behind.remove(w)) {
            if (w.done.compareAndSet(false, true)) {
                forget(w);
                try {
                    w.observer.onError(Status.FAILED_PRECONDITION.withDescription("this server is at revision " + state.appliedIndex()
                            + ", behind your revision " + w.lastRevision + "; ask another server").asRuntimeException());
                } catch (RuntimeException e) {
                    // gone
                }
            }
            return;
        }
        tryAnswer(w, true);
    }

    private void catchUp(Waiter w) {
        if (!behind.remove(w)) return;
        waiting.computeIfAbsent(w.nodeId, k -> ConcurrentHashMap.newKeySet()).add(w);
        tryAnswer(w, false);
    }

    private void forget(Waiter w) {
        Set<Waiter> set = waiting.get(w.nodeId);
        if (set != null) set.remove(w);
        behind.remove(w);
        ScheduledFuture<?> t = w.timeout;
        if (t != null) t.cancel(false);
        if (w.released.compareAndSet(false, true)) perNode.computeIfPresent(w.nodeId, (k, n) -> n <= 1 ? null : n - 1);
    }

    /** Takes one of the node's poll slots; false when all are taken. */
    private boolean acquire(long nodeId) {
        boolean[] taken = {false};
        perNode.compute(nodeId, (k, n) -> {
            int now = n == null ? 0 : n;
            if (now >= MAX_POLLS_PER_NODE) return n;
            taken[0] = true;
            return now + 1;
        });
        return taken[0];
    }

    /** Ends every poll of a revoked node. */
    public void revoke(long nodeId) {
        Set<Waiter> set = waiting.remove(nodeId);
        if (set == null) return;
        for (Waiter w : set) {
            if (w.done.compareAndSet(false, true)) {
                forget(w);
                try {
                    w.observer.onError(Status.PERMISSION_DENIED.withDescription("node " + nodeId + " was revoked").asRuntimeException());
                } catch (RuntimeException e) {
                    // gone
                }
            }
        }
    }

    public int waitingCount() {
        return waiting.values().stream().mapToInt(Set::size).sum() + behind.size();
    }

    // ---- StateListener: called on the apply thread, so only hand work off ----

    /** Nodes that got events in the entry being applied; touched only on the apply thread. */
    private final Set<Long> touched = new java.util.HashSet<>();

    @Override
    public void nodeEvents(long nodeId, long revision) {
        touched.add(nodeId); // woken once the whole entry is applied
    }

    @Override
    public void applied(long index) {
        if (!touched.isEmpty()) {
            for (Long nodeId : touched) {
                Set<Waiter> set = waiting.get(nodeId);
                if (set != null) for (Waiter w : set) responders.execute(() -> tryAnswer(w, false));
            }
            touched.clear();
        }
        if (behind.isEmpty()) return;
        for (Waiter w : behind) if (w.lastRevision <= index) responders.execute(() -> catchUp(w));
    }

    @Override
    public void nodeRevoked(long nodeId) {
        responders.execute(() -> revoke(nodeId));
    }

    @Override
    public void restored() {
        // A snapshot replaced the event logs: every waiter answers with a full snapshot now.
        for (Set<Waiter> set : waiting.values()) for (Waiter w : set) responders.execute(() -> tryAnswer(w, true));
    }
}
