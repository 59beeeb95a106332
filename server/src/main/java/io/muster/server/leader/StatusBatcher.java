package io.muster.server.leader;

import io.muster.proto.AllocStatus;
import io.muster.proto.raft.AllocStatusBatch;
import io.muster.proto.raft.AllocStatusUpdate;
import io.muster.proto.raft.Command;
import io.muster.proto.raft.NodeStateBatch;
import io.muster.proto.raft.NodeStateChange;
import io.muster.server.Proposer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Coalesces what heartbeats change — node state transitions and allocation statuses — into one Raft
 * entry of each kind every few milliseconds, instead of one write per heartbeat. Callers get a future
 * that completes when their change is committed, so a worker's statuses are acknowledged only once
 * they are durable.
 */
public final class StatusBatcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StatusBatcher.class);
    static final int MAX_BATCH = 5_000;

    private record Pending<T>(T item, CompletableFuture<Void> done) {}

    private final Proposer proposer;
    private final Map<Long, Pending<NodeStateChange>> nodes = new LinkedHashMap<>();
    private final Map<String, Pending<AllocStatusUpdate>> allocs = new LinkedHashMap<>();
    private final ScheduledExecutorService flusher = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "status-batcher");
        t.setDaemon(true);
        return t;
    });

    public StatusBatcher(Proposer proposer, long intervalMillis) {
        this.proposer = proposer;
        flusher.scheduleWithFixedDelay(this::flush, intervalMillis, intervalMillis, TimeUnit.MILLISECONDS);
    }

    public synchronized CompletableFuture<Void> nodeState(NodeStateChange change) {
        Pending<NodeStateChange> prev = nodes.get(change.getNodeId());
        CompletableFuture<Void> done = prev != null ? prev.done() : new CompletableFuture<>();
        nodes.put(change.getNodeId(), new Pending<>(change, done));
        return done;
    }

    public synchronized CompletableFuture<Void> allocStatuses(long nodeId, List<AllocStatus> statuses) {
        if (statuses.isEmpty()) return CompletableFuture.completedFuture(null);
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (AllocStatus s : statuses) {
            Pending<AllocStatusUpdate> prev = allocs.get(s.getAllocId());
            CompletableFuture<Void> done = prev != null ? prev.done() : new CompletableFuture<>();
            allocs.put(s.getAllocId(), new Pending<>(AllocStatusUpdate.newBuilder().setNodeId(nodeId).setStatus(s).build(), done));
            all.add(done);
        }
        return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new));
    }

    void flush() {
        List<Pending<NodeStateChange>> n;
        List<Pending<AllocStatusUpdate>> a;
        synchronized (this) {
            if (nodes.isEmpty() && allocs.isEmpty()) return;
            n = take(nodes);
            a = take(allocs);
        }
        if (!n.isEmpty()) {
            NodeStateBatch.Builder b = NodeStateBatch.newBuilder();
            n.forEach(p -> b.addChanges(p.item()));
            commit(Command.newBuilder().setNodeStateBatch(b), n);
        }
        if (!a.isEmpty()) {
            AllocStatusBatch.Builder b = AllocStatusBatch.newBuilder();
            a.forEach(p -> b.addUpdates(p.item()));
            commit(Command.newBuilder().setAllocStatusBatch(b), a);
        }
    }

    private static <T> List<Pending<T>> take(Map<?, Pending<T>> map) {
        List<Pending<T>> out = new ArrayList<>(Math.min(map.size(), MAX_BATCH));
        var it = map.values().iterator();
        while (it.hasNext() && out.size() < MAX_BATCH) {
            out.add(it.next());
            it.remove();
        }
        return out;
    }

    private <T> void commit(Command.Builder cmd, List<Pending<T>> items) {
        proposer.propose(cmd).whenComplete((r, e) -> {
            for (Pending<T> p : items) {
                if (e != null) p.done().completeExceptionally(e);
                else if (!r.getOk()) p.done().completeExceptionally(new IllegalStateException(r.getError()));
                else p.done().complete(null);
            }
            if (e != null) LOG.warn("status batch of {} not committed: {}", items.size(), e.getMessage());
        });
    }

    /** Drops what is queued: a server that stops leading must not write for the next leader. */
    public synchronized void clear() {
        IllegalStateException notLeader = new IllegalStateException("this server stopped leading; report again");
        nodes.values().forEach(p -> p.done().completeExceptionally(notLeader));
        allocs.values().forEach(p -> p.done().completeExceptionally(notLeader));
        nodes.clear();
        allocs.clear();
    }

    @Override
    public void close() {
        flusher.shutdownNow();
        clear();
    }
}
