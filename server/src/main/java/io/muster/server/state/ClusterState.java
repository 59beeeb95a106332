package io.muster.server.state;

import io.muster.server.state.NodeEventLog.Event;
import io.muster.server.state.Records.AclTokenRecord;
import io.muster.server.state.Records.AllocRecord;
import io.muster.server.state.Records.ClusterIdentity;
import io.muster.server.state.Records.JobRecord;
import io.muster.server.state.Records.JoinTokenRecord;
import io.muster.server.state.Records.KvEntry;
import io.muster.server.state.Records.NodeRecord;
import io.muster.server.state.Records.ServerRecord;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The replicated cluster state of this server: the newest {@link ClusterSnapshot}, replaced as a whole by the Raft
 * apply thread (through {@link CommandApplier}) after each entry. Readers that need several facts to agree take
 * {@link #snapshot()} once; the convenience readers below each read the newest snapshot. Also here: what is derived
 * locally and not replicated (per-node event logs for long-polls, listeners, waiters for an applied index).
 */
public final class ClusterState implements Snapshots {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ClusterState.class);
    private volatile ClusterSnapshot current = ClusterSnapshot.EMPTY;
    /** Revisions below this are not in the event logs (state came from a snapshot at this index). */
    private volatile long eventFloor;
    private final Map<Long, NodeEventLog> eventLogs = new ConcurrentHashMap<>();
    final List<StateListener> listeners = new CopyOnWriteArrayList<>();
    private final ConcurrentSkipListMap<Long, CompletableFuture<Void>> appliedWaiters = new ConcurrentSkipListMap<>();
    private final ConcurrentSkipListMap<Long, CompletableFuture<Void>> nodeIdWaiters = new ConcurrentSkipListMap<>();

    /** The state as of the newest applied entry: immutable, consistent, safe to keep. */
    public ClusterSnapshot snapshot() {
        return current;
    }

    /**
     * Publishes the state after {@code index}. Its per-node events are appended first: pollers only read events up
     * to the published index, so they see all of an entry's events or none. Then everyone is told (events, listener
     * calls, waiters for the index), and can already read what changed. A failing listener is logged, never fatal:
     * the state itself is complete by then.
     */
    void publish(ClusterSnapshot next, List<StateTx.NodeEvent> events, List<Consumer<ClusterState>> effects) {
        for (StateTx.NodeEvent e : events) eventLog(e.nodeId()).append(e.event());
        current = next;
        for (StateTx.NodeEvent e : events) notifyListeners(l -> l.nodeEvents(e.nodeId(), e.event().revision()));
        for (Consumer<ClusterState> e : effects) {
            try {
                e.accept(this);
            } catch (RuntimeException ex) {
                LOG.error("a state listener failed after index {}", next.index, ex);
            }
        }
        notifyListeners(l -> l.applied(next.index));
        releaseApplied(next.index);
        releaseNodeIds();
    }

    private void notifyListeners(Consumer<StateListener> call) {
        for (StateListener l : listeners) {
            try {
                call.accept(l);
            } catch (RuntimeException ex) {
                LOG.error("state listener {} failed", l, ex);
            }
        }
    }

    /**
     * Completes once this server has applied {@code index}: a write acknowledged by the leader may not be
     * applied here yet, and reading our own write back must wait for it (read-your-writes on followers).
     */
    public CompletableFuture<Void> awaitApplied(long index) {
        if (current.index >= index) return CompletableFuture.completedFuture(null);
        var f = appliedWaiters.computeIfAbsent(index, k -> new CompletableFuture<>());
        if (current.index >= index) releaseApplied(current.index);
        return f;
    }

    private void releaseApplied(long index) {
        var done = appliedWaiters.headMap(index, true);
        done.values().forEach(f -> f.complete(null));
        done.clear();
    }

    /**
     * Completes once this server has applied the registration that assigned node {@code id}: a worker that
     * registered through another server may poll here before that entry is applied here.
     */
    public CompletableFuture<Void> awaitNodeId(long id) {
        if (current.nextNodeId > id) return CompletableFuture.completedFuture(null);
        var f = nodeIdWaiters.computeIfAbsent(id, k -> new CompletableFuture<>());
        if (current.nextNodeId > id) releaseNodeIds();
        return f;
    }

    private void releaseNodeIds() {
        if (nodeIdWaiters.isEmpty()) return;
        var done = nodeIdWaiters.headMap(current.nextNodeId, false);
        done.values().forEach(f -> f.complete(null));
        done.clear();
    }

    public void addListener(StateListener l) {
        listeners.add(l);
    }

    public Optional<ClusterIdentity> identity() {
        return current.identity();
    }

    public long appliedIndex() {
        return current.index;
    }

    public long appliedTerm() {
        return current.term;
    }

    public Collection<ServerRecord> servers() {
        return current.servers();
    }

    public Optional<AclTokenRecord> aclTokenByHash(String secretSha256) {
        return current.aclTokenByHash(secretSha256);
    }

    public boolean aclBootstrapped() {
        return current.aclBootstrapped();
    }

    public Optional<AclTokenRecord> aclToken(String accessorId) {
        return current.aclToken(accessorId);
    }

    /** Every ACL token, oldest first (the bootstrap token leads). */
    public List<AclTokenRecord> aclTokens() {
        return current.aclTokens();
    }

    public Optional<JoinTokenRecord> joinToken(String id) {
        return current.joinToken(id);
    }

    public List<JoinTokenRecord> joinTokens() {
        return current.joinTokens();
    }

    public Optional<NodeRecord> node(long id) {
        return current.node(id);
    }

    public Collection<NodeRecord> nodes() {
        return current.nodes();
    }

    public List<NodeRecord> nodesSorted() {
        return current.nodesSorted();
    }

    /** Workers that count for the heartbeat TTL: registered and not down or revoked. O(1). */
    public long liveNodeCount() {
        return current.liveNodeCount();
    }

    /** The newest node registered with this public key (SHA-256, hex), if any. */
    public Optional<NodeRecord> nodeByPublicKey(String publicKeySha256Hex) {
        return current.nodeByPublicKey(publicKeySha256Hex);
    }

    /** The next node id this server will assign: ids below it were assigned here. */
    public long nextNodeId() {
        return current.nextNodeId;
    }

    public Optional<JobRecord> job(String id) {
        return current.job(id);
    }

    public Collection<JobRecord> jobs() {
        return current.jobs();
    }

    public Optional<AllocRecord> alloc(String id) {
        return current.alloc(id);
    }

    public List<AllocRecord> allocsOnNode(long nodeId) {
        return current.allocsOnNode(nodeId);
    }

    public List<AllocRecord> allocsOfJob(String jobId) {
        return current.allocsOfJob(jobId);
    }

    public int allocCount() {
        return current.allocCount();
    }

    public Optional<KvEntry> kv(String key) {
        return current.kv(key);
    }

    public int kvSize() {
        return current.kvSize();
    }

    /** Tests only (fault injection): replaces the state without a command, as memory corruption would. */
    void overwriteForTest(ClusterSnapshot next) {
        current = next;
    }

    /** After a collection: events as old as what was collected go, and so do collected nodes' logs. */
    void collectedEvents(long cutoff, List<Long> goneNodes) {
        goneNodes.forEach(eventLogs::remove);
        if (cutoff > 0) for (NodeEventLog log : eventLogs.values()) log.dropThrough(cutoff);
    }

    /** Whether this server keeps an event log for the node (without creating one, as {@link #eventLog} would). */
    boolean hasEventLog(long nodeId) {
        return eventLogs.containsKey(nodeId);
    }

    public NodeEventLog eventLog(long nodeId) {
        return eventLogs.computeIfAbsent(nodeId, id -> new NodeEventLog(eventFloor));
    }

    public long eventFloor() {
        return eventFloor;
    }

    /** A consistent image for a snapshot file. */
    public StateImage image() {
        return current.image();
    }

    /** Replaces everything with {@code img} (a snapshot loaded or installed); event logs restart at the image's index. */
    public void restore(StateImage img) {
        StateTx tx = new StateTx(ClusterSnapshot.EMPTY);
        tx.identity = img.identity();
        tx.nextNodeId = img.nextNodeId();
        img.servers().forEach(s -> tx.servers.put(s.id(), s));
        img.aclTokens().forEach(t -> tx.aclTokens.put(t.accessorId(), t));
        img.joinTokens().forEach(t -> tx.joinTokens.put(t.id(), t));
        // Ascending ids, so that the key index points at the newest node of each key.
        img.nodes().stream().sorted(Comparator.comparingLong(NodeRecord::id)).forEach(tx::putNode);
        img.jobs().forEach(j -> tx.jobs.put(j.id(), j));
        img.allocs().forEach(tx::indexAlloc);
        img.kv().forEach(e -> tx.kv.put(e.key(), e));
        img.secrets().forEach(x -> tx.secrets.put(x.name(), x));
        eventLogs.clear();
        eventFloor = img.index();
        current = tx.commit(img.index(), img.term());
        releaseApplied(img.index());
        releaseNodeIds();
        for (StateListener l : listeners) l.restored();
    }

    /** Every allocation of the newest snapshot, in no order. */
    public Collection<AllocRecord> allAllocs() {
        return current.allocs();
    }

    /** Every secret (sealed) of the newest snapshot, by name. */
    public List<Records.SecretRecord> secrets() {
        return current.secrets();
    }

    /** Every KV entry of the newest snapshot, in no order. */
    public Collection<KvEntry> kvEntries() {
        return current.kvEntries();
    }
}
