package io.muster.server.leader;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.Scheduler;
import com.github.benmanes.caffeine.cache.Ticker;
import io.muster.proto.NodeProfile;
import io.muster.proto.StatusAck;
import io.muster.proto.StatusReport;
import io.muster.proto.raft.Command;
import io.muster.proto.raft.NodeStateChange;
import io.muster.proto.raft.SetNodeDrain;
import io.muster.server.Proposer;
import io.muster.server.raft.LeaderServices;
import io.muster.server.state.ClusterState;
import io.muster.server.state.ProtoStates;
import io.muster.server.state.Records.NodeRecord;
import io.muster.types.HeartbeatPolicy;
import io.muster.types.state.DrainState;
import io.muster.types.state.NodeStatus;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Heartbeat leases, on the leader only and never in the Raft log. A lease lasts TTL + grace from the
 * last heartbeat; Caffeine's timer wheel expires it and the node is marked down through Raft. A new
 * leader gives every live node {@code failover_heartbeat_ttl} first, so an election never marks a
 * healthy worker down. Time comes from an injected {@link Ticker}, so tests move it by hand.
 */
public final class HeartbeatService implements LeaderServices, Leases, Heartbeats {
    private static final Logger LOG = LoggerFactory.getLogger(HeartbeatService.class);

    /** When a lease ends, in ticker nanoseconds. */
    private record Lease(long expiresAtNanos) {}

    public record Beat(long atMillis, int ttlSecs) {}

    private final ClusterState state;
    private final Proposer proposer;
    private final HeartbeatPolicy policy;
    private final Ticker ticker;
    private final Clock clock;
    private final RandomGenerator random;
    private final StatusBatcher batcher;
    private final Supplier<List<String>> servers;
    private final Cache<Long, Lease> leases;
    private final Map<Long, Beat> lastBeat = new ConcurrentHashMap<>();
    /** Each node's latest allocation usage sample; replaced by the next one, gone with the lease. */
    private final Map<Long, Map<String, io.muster.proto.AllocUsage>> allocUsage = new ConcurrentHashMap<>();
    private final io.muster.server.metrics.WorkerMetrics metrics;
    private volatile boolean leading;

    public HeartbeatService(ClusterState state, Proposer proposer, HeartbeatPolicy policy, Ticker ticker, Scheduler scheduler,
                            Executor executor, Clock clock, RandomGenerator random, StatusBatcher batcher, Supplier<List<String>> servers) {
        this(state, proposer, policy, ticker, scheduler, executor, clock, random, batcher, servers, io.muster.server.metrics.WorkerMetrics.NONE);
    }

    /** @param metrics counts the leases that expire (nodes marked down) */
    public HeartbeatService(ClusterState state, Proposer proposer, HeartbeatPolicy policy, Ticker ticker, Scheduler scheduler,
                            Executor executor, Clock clock, RandomGenerator random, StatusBatcher batcher, Supplier<List<String>> servers,
                            io.muster.server.metrics.WorkerMetrics metrics) {
        this.metrics = metrics;
        this.state = state;
        this.proposer = proposer;
        this.policy = policy;
        this.ticker = ticker;
        this.clock = clock;
        this.random = random;
        this.batcher = batcher;
        this.servers = servers;
        this.leases = Caffeine.newBuilder()
                .ticker(ticker)
                .scheduler(scheduler)
                .executor(executor)
                .expireAfter(new Expiry<Long, Lease>() {
                    @Override
                    public long expireAfterCreate(Long key, Lease value, long currentTime) {
                        return Math.max(0, value.expiresAtNanos() - currentTime);
                    }

                    @Override
                    public long expireAfterUpdate(Long key, Lease value, long currentTime, long currentDuration) {
                        return Math.max(0, value.expiresAtNanos() - currentTime);
                    }

                    @Override
                    public long expireAfterRead(Long key, Lease value, long currentTime, long currentDuration) {
                        return currentDuration;
                    }
                })
                .removalListener((Long nodeId, Lease lease, RemovalCause cause) -> {
                    if (cause == RemovalCause.EXPIRED && nodeId != null) expired(nodeId);
                })
                .build();
    }

    @Override
    public void startLeading(long term) {
        leading = true;
        long failover = TimeUnit.SECONDS.toNanos(policy.failoverTtlSecs());
        long now = ticker.read();
        int armed = 0;
        for (NodeRecord n : state.nodes()) {
            if (n.state().isLost()) continue;
            leases.put(n.id(), new Lease(now + failover));
            armed++;
        }
        LOG.info("leading term {}: {} worker leases armed with the failover TTL of {} s", term, armed, policy.failoverTtlSecs());
    }

    @Override
    public void stopLeading() {
        leading = false;
        leases.asMap().clear(); // EXPLICIT removals: nobody is marked down by a leader that is leaving
        lastBeat.clear();
        allocUsage.clear();
        batcher.clear();
    }

    public boolean leading() {
        return leading;
    }

    /** Handles one heartbeat; the ack completes once any status change it carried is committed. */
    public CompletableFuture<StatusAck> report(StatusReport r, Optional<NodeProfile> profileChange) {
        long nodeId = r.getNodeId();
        NodeRecord node = state.node(nodeId).orElse(null);
        if (node == null) return CompletableFuture.failedFuture(new IllegalArgumentException("node " + nodeId + " is not registered"));
        if (node.state() == NodeStatus.REVOKED) return CompletableFuture.failedFuture(new SecurityException("node " + nodeId + " is revoked"));
        int ttl = policy.staggeredTtlSecs(state.liveNodeCount(), random);
        leases.put(nodeId, new Lease(ticker.read() + TimeUnit.SECONDS.toNanos(policy.expirySecs(ttl))));
        lastBeat.put(nodeId, new Beat(clock.millis(), ttl));
        if (r.getResources().getAllocsCount() > 0 || r.getResources().getRunningAllocs() == 0) recordUsage(nodeId, r.getResources());
        CompletableFuture<Void> committed = batcher.allocStatuses(nodeId, r.getAllocationsList());
        if (node.state() == NodeStatus.INITIALIZING || node.state() == NodeStatus.DOWN || profileChange.isPresent()) {
            NodeStateChange.Builder ch = NodeStateChange.newBuilder().setNodeId(nodeId).setState(ProtoStates.nodeState(NodeStatus.READY)).setAtUnixMs(clock.millis());
            profileChange.ifPresent(ch::setProfile);
            CompletableFuture<Void> stateDone = batcher.nodeState(ch.build());
            committed = CompletableFuture.allOf(committed, stateDone);
        }
        if (r.getDrainComplete() && node.drain() == DrainState.DRAINING) {
            // After this report's statuses are committed, so the drain never completes ahead of them.
            committed = committed.thenCompose(v -> proposer.propose(Command.newBuilder()
                    .setSetNodeDrain(SetNodeDrain.newBuilder().setNodeId(nodeId).setComplete(true)))).thenApply(res -> null);
        }
        NodeStatus stateBefore = node.state();
        return committed.thenApply(v -> StatusAck.newBuilder().setNextTtlSecs(ttl).setGraceSecs(policy.graceSecs())
                .setNodeState(ProtoStates.nodeState(state.node(nodeId).map(NodeRecord::state).orElse(stateBefore))).addAllServers(servers.get()).build());
    }

    /**
     * Keeps a worker's usage sample (most heartbeats carry none: the worker samples every 10 s). Only allocations the
     * state places on that node are kept, so a worker cannot write figures onto another node's allocations, and at
     * most {@link #MAX_USAGE_PER_NODE}.
     */
    private void recordUsage(long nodeId, io.muster.proto.ResourceUsage r) {
        if (r.getAllocsCount() == 0) {
            allocUsage.remove(nodeId);
            return;
        }
        Map<String, io.muster.proto.AllocUsage> kept = new java.util.HashMap<>();
        for (io.muster.proto.AllocUsage u : r.getAllocsList()) {
            if (kept.size() >= MAX_USAGE_PER_NODE) break;
            if (state.alloc(u.getAllocId()).filter(a -> a.nodeId() == nodeId).isPresent()) kept.put(u.getAllocId(), u);
        }
        allocUsage.put(nodeId, Map.copyOf(kept));
    }

    static final int MAX_USAGE_PER_NODE = 1024;

    @Override
    public Map<String, io.muster.proto.AllocUsage> allocUsage(long nodeId) {
        return allocUsage.getOrDefault(nodeId, Map.of());
    }

    private void expired(long nodeId) {
        if (!leading) return;
        NodeRecord n = state.node(nodeId).orElse(null);
        if (n == null || n.state().isLost()) return;
        LOG.info("node {} missed its heartbeat TTL + grace: marking it down", nodeId);
        allocUsage.remove(nodeId);
        metrics.leaseExpired();
        batcher.nodeState(NodeStateChange.newBuilder().setNodeId(nodeId).setState(ProtoStates.nodeState(NodeStatus.DOWN)).setAtUnixMs(clock.millis()).build());
    }

    @Override
    public Optional<Beat> lastBeat(long nodeId) {
        return Optional.ofNullable(lastBeat.get(nodeId));
    }

    /** Runs pending expirations now (tests with a manual ticker). */
    public void cleanUp() {
        leases.cleanUp();
    }

    public long leaseCount() {
        return leases.estimatedSize();
    }
}
