package io.muster.server.state;

import io.muster.server.state.Records.AclTokenRecord;
import io.muster.server.state.Records.AllocRecord;
import io.muster.server.state.Records.ClusterIdentity;
import io.muster.server.state.Records.JobRecord;
import io.muster.server.state.Records.JoinTokenRecord;
import io.muster.server.state.Records.KvEntry;
import io.muster.server.state.Records.NodeRecord;
import io.muster.server.state.Records.SecretRecord;
import io.muster.server.state.Records.ServerRecord;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.organicdesign.fp.collections.ImMap;
import org.organicdesign.fp.collections.ImSet;
import org.organicdesign.fp.collections.PersistentHashMap;

/**
 * The whole replicated state as of one applied Raft index, immutable. Each applied entry publishes a new snapshot
 * (persistent maps: the new one shares every untouched part with the old), so a reader takes one snapshot and gets a
 * consistent view for as long as it keeps it, without blocking the apply thread or seeing a half-applied command.
 */
public final class ClusterSnapshot {
    static final ClusterSnapshot EMPTY = new ClusterSnapshot(0, 0, 1, 0, 0, null, PersistentHashMap.empty(), PersistentHashMap.empty(),
            PersistentHashMap.empty(), PersistentHashMap.empty(), PersistentHashMap.empty(), PersistentHashMap.empty(),
            PersistentHashMap.empty(), PersistentHashMap.empty(), PersistentHashMap.empty(), PersistentHashMap.empty(),
            PersistentHashMap.empty(), PersistentHashMap.empty(), PersistentHashMap.empty());

    final long index;
    final long term;
    final long nextNodeId;
    /** Nodes neither down nor revoked, kept as nodes change: every heartbeat needs it to size the TTL. */
    final long liveNodes;
    /** The last index that wrote a job or an allocation (after a restore: the restore's index): what a job-list watch waits on. */
    final long jobsIndex;
    final ClusterIdentity identity;
    final ImMap<Integer, ServerRecord> servers;
    final ImMap<String, AclTokenRecord> aclTokens;
    final ImMap<String, JoinTokenRecord> joinTokens;
    final ImMap<Long, NodeRecord> nodes;
    /** Public-key SHA-256 (hex) → the newest node registered with that key: a retried registration finds its node in O(1). */
    final ImMap<String, Long> nodeByKey;
    final ImMap<String, JobRecord> jobs;
    final ImMap<String, AllocRecord> allocs;
    final ImMap<Long, ImSet<String>> allocsByNode;
    final ImMap<String, ImSet<String>> allocsByJob;
    final ImMap<String, KvEntry> kv;
    /** Derived from {@link #allocs} (rebuilt on restore, not in the digest): allocation counts per job and per job version. */
    final ImMap<String, AllocCounts> countsByJob;
    final ImMap<AllocCounts.JobVersion, AllocCounts> countsByJobVersion;
    /** Secret name → its sealed value and metadata. */
    final ImMap<String, SecretRecord> secrets;

    ClusterSnapshot(long index, long term, long nextNodeId, long liveNodes, long jobsIndex, ClusterIdentity identity, ImMap<Integer, ServerRecord> servers,
                    ImMap<String, AclTokenRecord> aclTokens, ImMap<String, JoinTokenRecord> joinTokens, ImMap<Long, NodeRecord> nodes,
                    ImMap<String, Long> nodeByKey, ImMap<String, JobRecord> jobs, ImMap<String, AllocRecord> allocs,
                    ImMap<Long, ImSet<String>> allocsByNode, ImMap<String, ImSet<String>> allocsByJob, ImMap<String, KvEntry> kv,
                    ImMap<String, AllocCounts> countsByJob, ImMap<AllocCounts.JobVersion, AllocCounts> countsByJobVersion,
                    ImMap<String, SecretRecord> secrets) {
        this.index = index;
        this.term = term;
        this.nextNodeId = nextNodeId;
        this.liveNodes = liveNodes;
        this.jobsIndex = jobsIndex;
        this.identity = identity;
        this.servers = servers;
        this.aclTokens = aclTokens;
        this.joinTokens = joinTokens;
        this.nodes = nodes;
        this.nodeByKey = nodeByKey;
        this.jobs = jobs;
        this.allocs = allocs;
        this.allocsByNode = allocsByNode;
        this.allocsByJob = allocsByJob;
        this.kv = kv;
        this.countsByJob = countsByJob;
        this.countsByJobVersion = countsByJobVersion;
        this.secrets = secrets;
    }

    /** The same state, recorded as of a later index (an entry that changed nothing: a rejection, a no-op). */
    ClusterSnapshot at(long newIndex, long newTerm) {
        return new ClusterSnapshot(newIndex, newTerm, nextNodeId, liveNodes, jobsIndex, identity, servers, aclTokens, joinTokens, nodes, nodeByKey, jobs,
                allocs, allocsByNode, allocsByJob, kv, countsByJob, countsByJobVersion, secrets);
    }

    /** The Raft index this snapshot is the state after. */
    public long index() {
        return index;
    }

    public long term() {
        return term;
    }

    public Optional<ClusterIdentity> identity() {
        return Optional.ofNullable(identity);
    }

    public List<ServerRecord> servers() {
        return sorted(servers.values(), Comparator.comparingInt(ServerRecord::id));
    }

    public Optional<AclTokenRecord> aclTokenByHash(String secretSha256) {
        for (AclTokenRecord t : aclTokens.values()) if (t.secretSha256().equals(secretSha256)) return Optional.of(t);
        return Optional.empty();
    }

    public boolean aclBootstrapped() {
        return !aclTokens.isEmpty();
    }

    public Optional<AclTokenRecord> aclToken(String accessorId) {
        return Optional.ofNullable(aclTokens.get(accessorId));
    }

    /** Every ACL token, oldest first (the bootstrap token leads). */
    public List<AclTokenRecord> aclTokens() {
        return sorted(aclTokens.values(), Comparator.comparingLong(AclTokenRecord::createdAt).thenComparing(AclTokenRecord::accessorId));
    }

    public Optional<JoinTokenRecord> joinToken(String id) {
        return Optional.ofNullable(joinTokens.get(id));
    }

    public List<JoinTokenRecord> joinTokens() {
        return sorted(joinTokens.values(), Comparator.comparingLong(JoinTokenRecord::createdAt));
    }

    public Optional<NodeRecord> node(long id) {
        return Optional.ofNullable(nodes.get(id));
    }

    public Collection<NodeRecord> nodes() {
        return nodes.values();
    }

    public List<NodeRecord> nodesSorted() {
        return sorted(nodes.values(), Comparator.comparingLong(NodeRecord::id));
    }

    /** The last index that wrote a job or an allocation, a job collected whole included. */
    public long jobsIndex() {
        return jobsIndex;
    }

    public long liveNodeCount() {
        return liveNodes;
    }

    public Optional<NodeRecord> nodeByPublicKey(String publicKeySha256Hex) {
        Long id = nodeByKey.get(publicKeySha256Hex);
        return id == null ? Optional.empty() : Optional.ofNullable(nodes.get(id));
    }

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

    /** Allocations of the job in each state, every version together. */
    public AllocCounts allocCounts(String jobId) {
        return countsByJob.getOrDefault(jobId, AllocCounts.NONE);
    }

    /** Allocations of one version of the job in each state. */
    public AllocCounts allocCounts(String jobId, long version) {
        return countsByJobVersion.getOrDefault(new AllocCounts.JobVersion(jobId, version), AllocCounts.NONE);
    }

    public int allocCount() {
        return allocs.size();
    }

    public Collection<AllocRecord> allocs() {
        return allocs.values();
    }

    private List<AllocRecord> resolve(ImSet<String> ids) {
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

    public Collection<KvEntry> kvEntries() {
        return kv.values();
    }

    public Optional<SecretRecord> secret(String name) {
        return Optional.ofNullable(secrets.get(name));
    }

    /** Every secret (sealed), by name. */
    public List<SecretRecord> secrets() {
        return sorted(secrets.values(), Comparator.comparing(SecretRecord::name));
    }

    /** The snapshot as the serializable image written to Raft snapshots. */
    public StateImage image() {
        return new StateImage(StateImage.FORMAT, term, index, nextNodeId, identity, List.copyOf(servers.values()),
                List.copyOf(aclTokens.values()), List.copyOf(joinTokens.values()), List.copyOf(nodes.values()), List.copyOf(jobs.values()),
                List.copyOf(allocs.values()), List.copyOf(kv.values()), List.copyOf(secrets.values()));
    }

    private static <T> List<T> sorted(Collection<T> values, Comparator<T> order) {
        List<T> out = new ArrayList<>(values);
        out.sort(order);
        return out;
    }
}
