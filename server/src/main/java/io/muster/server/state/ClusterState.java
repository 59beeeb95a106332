package io.muster.server.state;

import io.muster.server.state.Records.AclTokenRecord;
import io.muster.server.state.Records.AllocRecord;
import io.muster.server.state.Records.ClusterIdentity;
import io.muster.server.state.Records.JobRecord;
import io.muster.server.state.Records.JoinTokenRecord;
import io.muster.server.state.Records.KvEntry;
import io.muster.server.state.Records.NodeRecord;
import io.muster.server.state.Records.ServerRecord;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The replicated cluster state, in memory. One writer (the Raft apply thread, through
 * {@link CommandApplier}); any number of readers, who see immutable records in concurrent maps and
 * never block the apply path.
 */
public final class ClusterState {
    volatile ClusterIdentity identity;
    volatile long appliedIndex;
    volatile long appliedTerm;
    volatile long nextNodeId = 1;
    /** Revisions below this are not in the event logs (state came from a snapshot at this index). */
    volatile long eventFloor;

    final Map<Integer, ServerRecord> servers = new ConcurrentHashMap<>();
    final Map<String, AclTokenRecord> aclTokens = new ConcurrentHashMap<>();
    final Map<String, JoinTokenRecord> joinTokens = new ConcurrentHashMap<>();
    final Map<Long, NodeRecord> nodes = new ConcurrentHashMap<>();
    /** Public-key SHA-256 (hex) → the newest node registered with that key: a retried registration finds its node in O(1). */
    final Map<String, Long> nodeByKey = new ConcurrentHashMap<>();
    /** Nodes neither down nor revoked, kept as nodes change: every heartbeat needs it to size the TTL. */
    private volatile long liveNodes;
    final Map<String, JobRecord> jobs = new ConcurrentHashMap<>();
    final Map<String, AllocRecord> allocs = new ConcurrentHashMap<>();
    final Map<Long, Set<String>> allocsByNode = new ConcurrentHashMap<>();
    final Map<String, Set<String>> allocsByJob = new ConcurrentHashMap<>();
    final Map<Long, NodeEventLog> eventLogs = new ConcurrentHashMap<>();
    final Map<String, KvEntry> kv = new ConcurrentHashMap<>();
    final List<StateListener> listeners = new CopyOnWriteArrayList<>();

    private final java.util.concurrent.ConcurrentSkipListMap<Long, java.util.concurrent.CompletableFuture<Void>> appliedWaiters =
            new java.util.concurrent.ConcurrentSkipListMap<>();

    /**
     * Completes once this server has applied {@code index}: a write acknowledged by the leader may not be
     * applied here yet, and reading our own write back must wait for it (read-your-writes on followers).
     */
    public java.util.concurrent.CompletableFuture<Void> awaitApplied(long index) {
        if (appliedIndex >= index) return java.util.concurrent.CompletableFuture.completedFuture(null);
        var f = appliedWaiters.computeIfAbsent(index, k -> new java.util.concurrent.CompletableFuture<>());
        if (appliedIndex >= index) releaseApplied(appliedIndex);
        return f;
    }

    void releaseApplied(long index) {
        var done = appliedWaiters.headMap(index, true);
        done.values().forEach(f -> f.complete(null));
        done.clear();
    }

    private final java.util.concurrent.ConcurrentSkipListMap<Long, java.util.concurrent.CompletableFuture<Void>> nodeIdWaiters =
            new java.util.concurrent.ConcurrentSkipListMap<>();

    /**
     * Completes once this server has applied the registration that assigned node {@code id}: a worker that
     * registered through another server may poll here before that entry is applied here.
     */
    public java.util.concurrent.CompletableFuture<Void> awaitNodeId(long id) {
        if (nextNodeId > id) return java.util.concurrent.CompletableFuture.completedFuture(null);
        var f = nodeIdWaiters.computeIfAbsent(id, k -> new java.util.concurrent.CompletableFuture<>());
        if (nextNodeId > id) releaseNodeIds();
        return f;
    }

    void releaseNodeIds() {
        if (nodeIdWaiters.isEmpty()) return;
        var done = nodeIdWaiters.headMap(nextNodeId, false);
        done.values().forEach(f -> f.complete(null));
        done.clear();
    }

    public void addListener(StateListener l) {
        listeners.add(l);
    }

    public Optional<ClusterIdentity> identity() {
        return Optional.ofNullable(identity);
    }

    public long appliedIndex() {
        return appliedIndex;
    }

    public long appliedTerm() {
        return appliedTerm;
    }

    public Collection<ServerRecord> servers() {
        return servers.values().stream().sorted(Comparator.comparingInt(ServerRecord::id)).toList();
    }

    public Optional<AclTokenRecord> aclTokenByHash(String secretSha256) {
        return aclTokens.values().stream().filter(t -> t.secretSha256().equals(secretSha256)).findFirst();
    }

    public boolean aclBootstrapped() {
        return !aclTokens.isEmpty();
    }

    public Optional<AclTokenRecord> aclToken(String accessorId) {
        return Optional.ofNullable(aclTokens.get(accessorId));
    }

    /** Every ACL token, oldest first (the bootstrap token leads). */
    public List<AclTokenRecord> aclTokens() {
        return aclTokens.values().stream().sorted(Comparator.comparingLong(AclTokenRecord::createdAt).thenComparing(AclTokenRecord::accessorId)).toList();
    }

    public Optional<JoinTokenRecord> joinToken(String id) {
        return Optional.ofNullable(joinTokens.get(id));
    }

    public List<JoinTokenRecord> joinTokens() {
        return joinTokens.values().stream().sorted(Comparator.comparingLong(JoinTokenRecord::createdAt)).toList();
    }

    public Optional<NodeRecord> node(long id) {
        return Optional.ofNullable(nodes.get(id));
    }

    public Collection<NodeRecord> nodes() {
        return nodes.values();
    }

    public List<NodeRecord> nodesSorted() {
        return nodes.values().stream().sorted(Comparator.comparingLong(NodeRecord::id)).toList();
    }

    /** Workers that count for the heartbeat TTL: registered and not down or revoked. O(1). */
    public long liveNodeCount() {
        return liveNodes;
    }

    private static boolean live(NodeRecord n) {
        return n != null && !NodeStates.DOWN.equals(n.state()) && !NodeStates.REVOKED.equals(n.state());
    }

    /** Every node write goes through here (apply thread only), so the key index and the live count stay exact. */
    void putNode(NodeRecord n) {
        NodeRecord old = nodes.put(n.id(), n);
        long delta = (live(n) ? 1 : 0) - (live(old) ? 1 : 0);
        if (delta != 0) liveNodes += delta;
        if (old == null) nodeByKey.put(n.publicKeySha256(), n.id()); // a node's key never changes; a newer node takes it over
    }

    /** The newest node registered with this public key (SHA-256, hex), if any. */
    public Optional<NodeRecord> nodeByPublicKey(String publicKeySha256Hex) {
        Long id = nodeByKey.get(publicKeySha256Hex);
        return id == null ? Optional.empty() : Optional.ofNullable(nodes.get(id));
    }

    /** The next node id this server will assign: ids below it were assigned here (nodes are never deleted). */
    public long nextNodeId() {
        return nextNodeId;
    }

    public Optional<JobRecord> job(String id) {
        return Optional.ofNullable(jobs.get(id));
    }

    public Collection<JobRecord> jobs() {
        return jobs.values();
    }

    public Optional<AllocRecord> alloc(String id) {
        return Optional.ofNullable(allocs.get(id));
    }

    public List<AllocRecord> allocsOnNode(long nodeId) {
        return resolve(allocsByNode.get(nodeId));
    }

    public List<AllocRecord> allocsOfJob(String jobId) {
        return resolve(allocsByJob.get(jobId));
    }

    public int allocCount() {
        return allocs.size();
    }

    private List<AllocRecord> resolve(Set<String> ids) {
        if (ids == null) return List.of();
        List<AllocRecord> out = new ArrayList<>(ids.size());
        for (String id : ids) {
            AllocRecord a = allocs.get(id);
            if (a != null) out.add(a);
        }
        return out;
    }

    public Optional<KvEntry> kv(String key) {
        return Optional.ofNullable(kv.get(key));
    }

    public int kvSize() {
        return kv.size();
    }

    public NodeEventLog eventLog(long nodeId) {
        return eventLogs.computeIfAbsent(nodeId, id -> new NodeEventLog(eventFloor));
    }

    public long eventFloor() {
        return eventFloor;
    }

    /** A consistent image for a snapshot; called on the apply thread, so nothing moves underneath. */
    public StateImage image() {
        return new StateImage(StateImage.FORMAT, appliedTerm, appliedIndex, nextNodeId, identity,
                List.copyOf(servers.values()), List.copyOf(aclTokens.values()), List.copyOf(joinTokens.values()),
                List.copyOf(nodes.values()), List.copyOf(jobs.values()), List.copyOf(allocs.values()), List.copyOf(kv.values()));
    }

    /** Replaces everything with {@code img}; event logs restart at the image's index. */
    public void restore(StateImage img) {
        servers.clear();
        aclTokens.clear();
        joinTokens.clear();
        nodes.clear();
        nodeByKey.clear();
        liveNodes = 0;
        jobs.clear();
        allocs.clear();
        allocsByNode.clear();
        allocsByJob.clear();
        eventLogs.clear();
        kv.clear();
        identity = img.identity();
        nextNodeId = img.nextNodeId();
        eventFloor = img.index();
        img.servers().forEach(s -> servers.put(s.id(), s));
        img.aclTokens().forEach(t -> aclTokens.put(t.accessorId(), t));
        img.joinTokens().forEach(t -> joinTokens.put(t.id(), t));
        // Ascending ids, so that the key index points at the newest node of each key.
        img.nodes().stream().sorted(Comparator.comparingLong(NodeRecord::id)).forEach(this::putNode);
        img.jobs().forEach(j -> jobs.put(j.id(), j));
        img.allocs().forEach(this::indexAlloc);
        img.kv().forEach(e -> kv.put(e.key(), e));
        appliedIndex = img.index();
        appliedTerm = img.term();
        releaseApplied(img.index());
        releaseNodeIds();
        for (StateListener l : listeners) l.restored();
    }

    void indexAlloc(AllocRecord a) {
        allocs.put(a.id(), a);
        allocsByNode.computeIfAbsent(a.nodeId(), k -> ConcurrentHashMap.newKeySet()).add(a.id());
        allocsByJob.computeIfAbsent(a.jobId(), k -> ConcurrentHashMap.newKeySet()).add(a.id());
    }

    void removeAlloc(AllocRecord a) {
        allocs.remove(a.id());
        Set<String> n = allocsByNode.get(a.nodeId());
        if (n != null) n.remove(a.id());
        Set<String> j = allocsByJob.get(a.jobId());
        if (j != null) j.remove(a.id());
    }

    // digest
    /** Every allocation, in no order (a live view: consistent on the apply thread only). */
    public Collection<AllocRecord> allAllocs() {
        return java.util.Collections.unmodifiableCollection(allocs.values());
    }

    // digest
    /** Every KV entry, in no order (a live view: consistent on the apply thread only). */
    public Collection<KvEntry> kvEntries() {
        return java.util.Collections.unmodifiableCollection(kv.values());
    }
}
