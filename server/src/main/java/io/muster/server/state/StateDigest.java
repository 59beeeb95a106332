package io.muster.server.state;

import io.muster.server.state.Records.AclTokenRecord;
import io.muster.server.state.Records.AllocRecord;
import io.muster.server.state.Records.ClusterIdentity;
import io.muster.server.state.Records.GroupFailureRecord;
import io.muster.server.state.Records.ExcludedNode;
import io.muster.server.state.Records.JobRecord;
import io.muster.server.state.Records.OperationRecord;
import io.muster.server.state.Records.JoinTokenRecord;
import io.muster.server.state.Records.KvEntry;
import io.muster.server.state.Records.NodeRecord;
import io.muster.server.state.Records.SecretRecord;
import io.muster.server.state.Records.ServerRecord;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A SHA-256 over the whole replicated state, in a canonical encoding: every collection sorted by its id, every map by
 * its key, every field of every record in declaration order, each value length-prefixed (so no two states encode to
 * the same bytes), nulls distinguished from empty values. It depends on nothing but the records: not on map iteration
 * order, the JVM, the clock or the applied index (the index a digest was taken at travels beside it, so a refused
 * command, which changes nothing, leaves the digest as it was).
 *
 * <p>Covered: the cluster identity, servers, ACL tokens, join tokens, nodes, jobs, allocations, the KV map, the secrets (sealed) and the
 * next node id — everything a snapshot ({@link StateImage}) holds but its index and term. Not covered, because
 * they are local or derived: the per-node event logs and their floor, listeners, waiters, and the indexes derived
 * from the records (public-key index, allocations by node and job, the live-node count).
 *
 * <p>Equal states on two servers give equal digests; that is what the divergence check compares
 * (see {@code docs/RELIABILITY.md}). Records that gain a field must add it here: {@code StateDigestTest} fails until
 * they do.
 */
public final class StateDigest {
    /** The encoding's version, hashed first: a changed encoding never compares equal to an old one by accident. */
    static final String VERSION = "muster-state-digest/4"; // 2: operations, backends, task output; 3: allocation events, secrets; 4: nodes' resource limits

    private final byte[] sha256;

    private StateDigest(byte[] sha256) {
        this.sha256 = sha256;
    }

    public static StateDigest ofBytes(byte[] sha256) {
        if (sha256.length != 32) throw new IllegalArgumentException("a SHA-256 digest has 32 bytes, not " + sha256.length);
        return new StateDigest(sha256.clone());
    }

    public byte[] bytes() {
        return sha256.clone();
    }

    public String hex() {
        return HexFormat.of().formatHex(sha256);
    }

    /** The first 12 hex digits, for logs and tables. */
    public String shortHex() {
        return hex().substring(0, 12);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StateDigest d && MessageDigest.isEqual(sha256, d.sha256);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(sha256);
    }

    @Override
    public String toString() {
        return hex();
    }

    /**
     * The replicated state as the digest reads it. {@link #of(ClusterState)} reads the live state, which is consistent
     * only on the apply thread (or, once the state is made of immutable snapshots, on any thread); {@link #of(StateImage)}
     * reads a copy taken on the apply thread, which may be hashed anywhere.
     */
    public interface Source {
        long nextNodeId();

        Optional<ClusterIdentity> identity();

        Collection<ServerRecord> servers();

        Collection<AclTokenRecord> aclTokens();

        Collection<JoinTokenRecord> joinTokens();

        Collection<NodeRecord> nodes();

        Collection<JobRecord> jobs();

        Collection<AllocRecord> allocs();

        Collection<KvEntry> kv();

        /** Secrets, sealed: the digest covers the ciphertext, never a value. */
        Collection<SecretRecord> secrets();

        /** The live state, through its public read methods only. */
        static Source of(ClusterState s) {
            return new Source() {
                public long nextNodeId() { return s.nextNodeId(); }
                public Optional<ClusterIdentity> identity() { return s.identity(); }
                public Collection<ServerRecord> servers() { return s.servers(); }
                public Collection<AclTokenRecord> aclTokens() { return s.aclTokens(); }
                public Collection<JoinTokenRecord> joinTokens() { return s.joinTokens(); }
                public Collection<NodeRecord> nodes() { return s.nodes(); }
                public Collection<JobRecord> jobs() { return s.jobs(); }
                public Collection<AllocRecord> allocs() { return s.allAllocs(); }
                public Collection<KvEntry> kv() { return s.kvEntries(); }
                public Collection<SecretRecord> secrets() { return s.secrets(); }
            };
        }

        /** A snapshot image (the same contents {@link ClusterState#image()} copies on the apply thread). */
        static Source of(StateImage i) {
            return new Source() {
                public long nextNodeId() { return i.nextNodeId(); }
                public Optional<ClusterIdentity> identity() { return Optional.ofNullable(i.identity()); }
                public Collection<ServerRecord> servers() { return i.servers(); }
                public Collection<AclTokenRecord> aclTokens() { return i.aclTokens(); }
                public Collection<JoinTokenRecord> joinTokens() { return i.joinTokens(); }
                public Collection<NodeRecord> nodes() { return i.nodes(); }
                public Collection<JobRecord> jobs() { return i.jobs(); }
                public Collection<AllocRecord> allocs() { return i.allocs(); }
                public Collection<KvEntry> kv() { return i.kv(); }
                public Collection<SecretRecord> secrets() { return i.secrets(); }
            };
        }
    }

    /** The live state; call it on the apply thread (readers elsewhere could see a half-applied command). */
    public static StateDigest of(ClusterState state) {
        return of(Source.of(state));
    }

    /** A consistent copy; any thread. */
    public static StateDigest of(StateImage image) {
        return of(Source.of(image));
    }

    public static StateDigest of(Source s) {
        Canon c = new Canon();
        c.str(VERSION);

        c.str("next_node_id").i64(s.nextNodeId());

        c.str("identity");
        ClusterIdentity id = s.identity().orElse(null);
        c.bool(id != null);
        if (id != null) c.str(id.clusterId()).bytes(id.clusterCaCertDer()).bytes(id.workerCaCertDer()).bytes(id.sealedKeys()).i64(id.createdAt());

        List<ServerRecord> servers = sorted(s.servers(), Comparator.comparingInt(ServerRecord::id));
        c.str("servers").i32(servers.size());
        for (ServerRecord r : servers) c.i32(r.id()).str(r.apiAddr()).str(r.workerGrpcAddr()).str(r.raftAddr()).str(r.version());

        List<AclTokenRecord> acl = sorted(s.aclTokens(), Comparator.comparing(AclTokenRecord::accessorId, NULLS));
        c.str("acl_tokens").i32(acl.size());
        for (AclTokenRecord t : acl)
            c.str(t.accessorId()).str(t.secretSha256()).str(t.policy() == null ? null : t.policy().wireName()).str(t.description()).i64(t.createdAt());

        List<JoinTokenRecord> join = sorted(s.joinTokens(), Comparator.comparing(JoinTokenRecord::id, NULLS));
        c.str("join_tokens").i32(join.size());
        for (JoinTokenRecord t : join)
            c.str(t.id()).i64(t.expiresAt()).i32(t.maxUses()).i32(t.uses()).strMap(t.labels()).i64(t.createdAt()).bool(t.revoked()).str(t.description());

        List<NodeRecord> nodes = sorted(s.nodes(), Comparator.comparingLong(NodeRecord::id));
        c.str("nodes").i32(nodes.size());
        for (NodeRecord n : nodes) {
            c.i64(n.id()).str(n.state().wire()).bool(n.eligible()).str(n.os()).str(n.arch()).strMap(n.labels())
                    .i32(n.cpuCores()).i64(n.cpuMhz()).i64(n.memoryMb()).strList(n.drivers()).str(n.hostname()).str(n.version())
                    .str(n.tokenId()).str(n.publicKeySha256()).i64(n.registeredAt()).i64(n.stateChangedAt())
                    .str(n.drain().wire()).i64(n.drainDeadline()).str(n.revokedReason()).str(n.certSerial()).i64(n.certNotAfter())
                    .str(n.previousCertSerial());
            c.i32(n.backends().size());
            n.backends().forEach((name, actions) -> c.str(name).strList(actions)); // sorted by the record
            c.bool(n.limitsEnforced()).str(n.limitsDetail());
        }

        List<JobRecord> jobs = sorted(s.jobs(), Comparator.comparing(JobRecord::id, NULLS));
        c.str("jobs").i32(jobs.size());
        for (JobRecord j : jobs) {
            c.str(j.id()).str(j.type()).str(j.specJson()).i64(j.version()).i64(j.submittedAt()).bool(j.stopped());
            if (j.failures() == null) c.i32(-1);
            else {
                c.i32(j.failures().size());
                for (GroupFailureRecord f : j.failures()) {
                    if (f == null) {
                        c.bool(false);
                        continue;
                    }
                    c.bool(true).str(f.group()).i32(f.unplaced()).i32(f.nodesEvaluated()).intMap(f.filtered());
                }
            }
            c.i64(j.nextEvalAt()).i64(j.modifyIndex());
            OperationRecord op = j.operation();
            c.bool(op != null);
            if (op != null) {
                c.str(op.status().wire()).i32(op.nodes().size());
                for (long nodeId : op.nodes()) c.i64(nodeId);
                c.i32(op.excluded().size());
                for (ExcludedNode x : op.excluded()) c.i64(x.nodeId()).str(x.reason());
                c.i64(op.queuedAt()).i64(op.startedAt()).i64(op.endedAt()).i32(op.step()).str(op.reason());
            }
        }

        List<AllocRecord> allocs = sorted(s.allocs(), Comparator.comparing(AllocRecord::id, NULLS));
        c.str("allocs").i32(allocs.size());
        for (AllocRecord a : allocs) {
            c.str(a.id()).str(a.jobId()).i64(a.jobVersion()).str(a.group()).i32(a.index()).i64(a.nodeId()).i32(a.cpu())
                    .i32(a.memoryMb()).bool(a.desiredRun()).str(a.desiredReason()).str(a.status().wire()).i32(a.exitCode())
                    .str(a.message()).i64(a.startedAt()).i64(a.finishedAt()).i32(a.attempt()).str(a.previousAllocId())
                    .i64(a.createIndex()).i64(a.modifyIndex()).str(a.output());
            AllocEvents ev = a.events();
            c.i64(ev.dropped()).i64(ev.workerSeq()).i32(ev.events().size());
            for (AllocEvents.Event e : ev.events()) c.i64(e.at()).str(e.type().wire()).str(e.message());
        }

        List<KvEntry> kv = sorted(s.kv(), Comparator.comparing(KvEntry::key, NULLS));
        c.str("kv").i32(kv.size());
        for (KvEntry e : kv) c.str(e.key()).bytes(e.value()).i64(e.index());

        List<SecretRecord> secrets = sorted(s.secrets(), Comparator.comparing(SecretRecord::name, NULLS));
        c.str("secrets").i32(secrets.size());
        for (SecretRecord x : secrets)
            c.str(x.name()).i64(x.version()).i32(x.keyId()).bytes(x.sealed()).i32(x.size()).i64(x.createdAt()).i64(x.updatedAt());

        return new StateDigest(c.finish());
    }

    /** Fields the encoding above covers, per record type; {@code StateDigestTest} checks them against the records. */
    static final Map<Class<? extends Record>, Integer> FIELDS = Map.ofEntries(
            Map.entry(ClusterIdentity.class, 5), Map.entry(ServerRecord.class, 5), Map.entry(AclTokenRecord.class, 5),
            Map.entry(JoinTokenRecord.class, 8), Map.entry(NodeRecord.class, 25), Map.entry(JobRecord.class, 10),
            Map.entry(GroupFailureRecord.class, 4), Map.entry(AllocRecord.class, 21), Map.entry(KvEntry.class, 3),
            Map.entry(OperationRecord.class, 8), Map.entry(ExcludedNode.class, 2), Map.entry(SecretRecord.class, 7),
            Map.entry(AllocEvents.class, 3), Map.entry(AllocEvents.Event.class, 3),
            // format, term and index are the image's metadata, not state: the ten others are above.
            Map.entry(StateImage.class, 13));

    private static final Comparator<String> NULLS = Comparator.nullsFirst(Comparator.naturalOrder());

    private static <T> List<T> sorted(Collection<T> in, Comparator<T> by) {
        List<T> out = new ArrayList<>(in == null ? List.of() : in);
        out.sort(by);
        return out;
    }

    /** The canonical encoding, streamed into SHA-256 through a small buffer. */
    private static final class Canon {
        private final MessageDigest md;
        private final byte[] buf = new byte[16 * 1024];
        private int pos;

        Canon() {
            try {
                md = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("every JVM has SHA-256", e);
            }
        }

        private void room(int n) {
            if (pos + n > buf.length) {
                md.update(buf, 0, pos);
                pos = 0;
            }
        }

        Canon i32(int v) {
            room(4);
            buf[pos++] = (byte) (v >>> 24);
            buf[pos++] = (byte) (v >>> 16);
            buf[pos++] = (byte) (v >>> 8);
            buf[pos++] = (byte) v;
            return this;
        }

        Canon i64(long v) {
            room(8);
            for (int shift = 56; shift >= 0; shift -= 8) buf[pos++] = (byte) (v >>> shift);
            return this;
        }

        Canon bool(boolean b) {
            room(1);
            buf[pos++] = (byte) (b ? 1 : 0);
            return this;
        }

        /** Length (-1 for null), then the bytes. */
        Canon bytes(byte[] b) {
            if (b == null) return i32(-1);
            i32(b.length);
            if (b.length <= buf.length) {
                room(b.length);
                System.arraycopy(b, 0, buf, pos, b.length);
                pos += b.length;
            } else {
                md.update(buf, 0, pos);
                pos = 0;
                md.update(b);
            }
            return this;
        }

        /** UTF-8, length-prefixed. ASCII (nearly every string here) is copied without an intermediate array. */
        @SuppressWarnings("deprecation") // String.getBytes(int, int, byte[], int): the low byte of each char, exactly UTF-8 for ASCII
        Canon str(String s) {
            if (s == null) return i32(-1);
            int n = s.length();
            if (n <= 1_024 && ascii(s, n)) {
                i32(n);
                room(n);
                s.getBytes(0, n, buf, pos);
                pos += n;
                return this;
            }
            return bytes(s.getBytes(StandardCharsets.UTF_8));
        }

        private static boolean ascii(String s, int n) {
            for (int i = 0; i < n; i++) if (s.charAt(i) >= 0x80) return false;
            return true;
        }

        Canon strList(List<String> l) {
            if (l == null) return i32(-1);
            i32(l.size());
            for (String s : l) str(s);
            return this;
        }

        Canon strMap(Map<String, String> m) {
            if (m == null) return i32(-1);
            i32(m.size());
            for (Map.Entry<String, String> e : byKey(m).entrySet()) str(e.getKey()).str(e.getValue());
            return this;
        }

        Canon intMap(Map<String, Integer> m) {
            if (m == null) return i32(-1);
            i32(m.size());
            for (Map.Entry<String, Integer> e : byKey(m).entrySet()) {
                str(e.getKey());
                // A snapshot read back may hold any Number here.
                Object v = e.getValue();
                bool(v != null);
                if (v != null) i64(((Number) v).longValue());
            }
            return this;
        }

        private static <V> Map<String, V> byKey(Map<String, V> m) {
            if (m instanceof TreeMap<String, V> t && t.comparator() == null) return t;
            TreeMap<String, V> t = new TreeMap<>(NULLS);
            t.putAll(m);
            return t;
        }

        byte[] finish() {
            md.update(buf, 0, pos);
            pos = 0;
            return md.digest();
        }
    }
}
