package io.muster.server.state;

import io.muster.server.state.NodeEventLog.Event;
import io.muster.server.state.Records.AclTokenRecord;
import io.muster.server.state.Records.AllocRecord;
import io.muster.server.state.Records.ClusterIdentity;
import io.muster.server.state.Records.JobRecord;
import io.muster.server.state.Records.JoinTokenRecord;
import io.muster.server.state.Records.KvEntry;
import io.muster.server.state.Records.NodeRecord;
import io.muster.server.state.Records.SecretRecord;
import io.muster.server.state.Records.ServerRecord;
import io.muster.types.state.NodeStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.HashMap;
import java.util.Map;
import org.organicdesign.fp.collections.ImSet;
import org.organicdesign.fp.collections.MutSet;
import org.organicdesign.fp.collections.PersistentHashSet;

/**
 * One command being applied: its writes, on top of the snapshot it started from, and what to tell the rest of the
 * server once it commits (listener calls, per-node events). Nothing is visible to anyone until
 * {@link #commit}: a command that throws half-way leaves no trace, and readers never see half of one.
 */
final class StateTx {
    ClusterIdentity identity;
    long nextNodeId;
    private long liveNodes;
    private final long jobsIndex;
    final TxMap<Integer, ServerRecord> servers;
    final TxMap<String, AclTokenRecord> aclTokens;
    final TxMap<String, JoinTokenRecord> joinTokens;
    final TxMap<Long, NodeRecord> nodes;
    private final TxMap<String, Long> nodeByKey;
    final TxMap<String, JobRecord> jobs;
    /** Written only through {@link #indexAlloc} and {@link #removeAlloc}, which keep the indexes and counts exact. */
    private final TxMap<String, AllocRecord> allocs;
    private final TxMap<Long, ImSet<String>> allocsByNode;
    private final TxMap<String, ImSet<String>> allocsByJob;
    /**
     * Index sets this command writes to, opened as transients: a plan of 10,000 placements for one job adds to one set
     * 10,000 times, which as persistent puts would copy the set's path each time. Frozen into the maps at commit.
     */
    private final Map<Long, MutSet<String>> openByNode = new HashMap<>();
    private final Map<String, MutSet<String>> openByJob = new HashMap<>();
    final TxMap<String, KvEntry> kv;
    final TxMap<String, SecretRecord> secrets;
    private final TxMap<String, AllocCounts> countsByJob;
    private final TxMap<AllocCounts.JobVersion, AllocCounts> countsByJobVersion;
    /** This command's changes to the allocation counts, folded into the maps once at commit (a plan adds 10,000 to one job). */
    private final Map<String, int[]> jobDeltas = new HashMap<>();
    private final Map<AllocCounts.JobVersion, int[]> versionDeltas = new HashMap<>();
    /** Effects in the order the command produced them, run after the new snapshot is published. */
    private final List<Consumer<ClusterState>> effects = new ArrayList<>();
    /** Per-node events (revision = this index), appended before the snapshot is published and announced after. */
    private final List<NodeEvent> events = new ArrayList<>();

    record NodeEvent(long nodeId, Event event) {}

    /** The command's proposed time: the only clock an applier may read (allocation events are stamped with it). */
    long commandTime;

    StateTx(ClusterSnapshot from) {
        identity = from.identity;
        nextNodeId = from.nextNodeId;
        liveNodes = from.liveNodes;
        jobsIndex = from.jobsIndex;
        servers = new TxMap<>(from.servers);
        aclTokens = new TxMap<>(from.aclTokens);
        joinTokens = new TxMap<>(from.joinTokens);
        nodes = new TxMap<>(from.nodes);
        nodeByKey = new TxMap<>(from.nodeByKey);
        jobs = new TxMap<>(from.jobs);
        allocs = new TxMap<>(from.allocs);
        allocsByNode = new TxMap<>(from.allocsByNode);
        allocsByJob = new TxMap<>(from.allocsByJob);
        kv = new TxMap<>(from.kv);
        secrets = new TxMap<>(from.secrets);
        countsByJob = new TxMap<>(from.countsByJob);
        countsByJobVersion = new TxMap<>(from.countsByJobVersion);
    }

    ClusterSnapshot commit(long index, long term) {
        openByNode.forEach((node, set) -> freeze(allocsByNode, node, set));
        openByJob.forEach((job, set) -> freeze(allocsByJob, job, set));
        openByNode.clear();
        openByJob.clear();
        fold(countsByJob, jobDeltas, index);
        fold(countsByJobVersion, versionDeltas, index);
        long jobsChanged = jobs.written() || allocs.written() ? index : jobsIndex;
        return new ClusterSnapshot(index, term, nextNodeId, liveNodes, jobsChanged, identity, servers.commit(), aclTokens.commit(), joinTokens.commit(),
                nodes.commit(), nodeByKey.commit(), jobs.commit(), allocs.commit(), allocsByNode.commit(), allocsByJob.commit(), kv.commit(),
                countsByJob.commit(), countsByJobVersion.commit(), secrets.commit());
    }

    private static <K> void fold(TxMap<K, AllocCounts> counts, Map<K, int[]> deltas, long index) {
        deltas.forEach((k, d) -> {
            AllocCounts c = counts.get(k);
            AllocCounts next = (c == null ? AllocCounts.NONE : c).plus(d, index);
            if (next.total() == 0) counts.remove(k); // a job's last allocation collected: nothing left to count
            else counts.put(k, next);
        });
        deltas.clear();
    }

    private void count(AllocRecord a, int sign) {
        if (a == null) return;
        AllocCounts.count(jobDeltas.computeIfAbsent(a.jobId(), k -> new int[AllocCounts.SLOTS]), a, sign);
        AllocCounts.count(versionDeltas.computeIfAbsent(new AllocCounts.JobVersion(a.jobId(), a.jobVersion()), k -> new int[AllocCounts.SLOTS]), a, sign);
    }

    private static <K> void freeze(TxMap<K, ImSet<String>> index, K key, MutSet<String> set) {
        if (set.size() == 0) index.remove(key);
        else index.put(key, set.immutable());
    }

    List<Consumer<ClusterState>> effects() {
        return effects;
    }

    List<NodeEvent> events() {
        return events;
    }

    /** Something to do once this command is visible (listener calls, events for pollers). */
    void afterCommit(Consumer<ClusterState> effect) {
        effects.add(effect);
    }

    void notifyNode(NodeRecord before, NodeRecord after) {
        afterCommit(st -> st.listeners.forEach(l -> l.nodeChanged(before, after)));
    }

    void notifyAlloc(AllocRecord before, AllocRecord after) {
        afterCommit(st -> st.listeners.forEach(l -> l.allocChanged(before, after)));
    }

    void event(long nodeId, Event e) {
        events.add(new NodeEvent(nodeId, e));
    }

    private static boolean live(NodeRecord n) {
        return n != null && !n.state().isLost();
    }

    /** Every node write goes through here, so the key index and the live count stay exact. */
    void putNode(NodeRecord n) {
        NodeRecord old = nodes.get(n.id());
        nodes.put(n.id(), n);
        liveNodes += (live(n) ? 1 : 0) - (live(old) ? 1 : 0);
        if (old == null) nodeByKey.put(n.publicKeySha256(), n.id()); // a node's key never changes; a newer node takes it over
    }

    Optional<NodeRecord> nodeByPublicKey(String publicKeySha256Hex) {
        Long id = nodeByKey.get(publicKeySha256Hex);
        return id == null ? Optional.empty() : Optional.ofNullable(nodes.get(id));
    }

    AllocRecord alloc(String id) {
        return allocs.get(id);
    }

    boolean hasAlloc(String id) {
        return allocs.containsKey(id);
    }

    /** Adds or replaces an allocation. */
    void indexAlloc(AllocRecord a) {
        AllocRecord old = allocs.get(a.id());
        allocs.put(a.id(), a);
        count(old, -1);
        count(a, 1);
        if (old != null) return;
        openByNode.compute(a.nodeId(), (k, set) -> (set != null ? set : open(allocsByNode.get(k))).put(a.id()));
        openByJob.compute(a.jobId(), (k, set) -> (set != null ? set : open(allocsByJob.get(k))).put(a.id()));
    }

    void removeAlloc(AllocRecord a) {
        count(allocs.get(a.id()), -1);
        allocs.remove(a.id());
        openByNode.compute(a.nodeId(), (k, set) -> (set != null ? set : open(allocsByNode.get(k))).without(a.id()));
        openByJob.compute(a.jobId(), (k, set) -> (set != null ? set : open(allocsByJob.get(k))).without(a.id()));
    }

    /** A collected node: its record and key index go; its id is never assigned again (nextNodeId only grows). */
    void removeNode(NodeRecord n) {
        NodeRecord old = nodes.get(n.id());
        if (old == null) return;
        nodes.remove(n.id());
        if (live(old)) liveNodes -= 1;
        Long byKey = nodeByKey.get(old.publicKeySha256());
        if (byKey != null && byKey == n.id()) nodeByKey.remove(old.publicKeySha256());
        openByNode.remove(n.id());
        allocsByNode.remove(n.id());
    }

    private static MutSet<String> open(ImSet<String> set) {
        return set == null ? PersistentHashSet.<String>emptyMutable() : set.mutable();
    }

    List<AllocRecord> allocsOnNode(long nodeId) {
        MutSet<String> open = openByNode.get(nodeId);
        return resolve(open != null ? open : allocsByNode.get(nodeId));
    }

    List<AllocRecord> allocsOfJob(String jobId) {
        MutSet<String> open = openByJob.get(jobId);
        return resolve(open != null ? open : allocsByJob.get(jobId));
    }

    private List<AllocRecord> resolve(Iterable<String> ids) {
        if (ids == null) return List.of();
        List<AllocRecord> out = new ArrayList<>();
        for (String id : ids) {
            AllocRecord a = allocs.get(id);
            if (a != null) out.add(a);
        }
        return out;
    }

    Optional<AclTokenRecord> aclTokenByHash(String secretSha256) {
        for (AclTokenRecord t : aclTokens.values()) if (t.secretSha256().equals(secretSha256)) return Optional.of(t);
        return Optional.empty();
    }
}
