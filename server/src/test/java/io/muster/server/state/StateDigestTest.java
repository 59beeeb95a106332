package io.muster.server.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.muster.server.acl.AclPolicy;
import io.muster.server.state.Records.AclTokenRecord;
import io.muster.server.state.Records.AllocRecord;
import io.muster.server.state.Records.ClusterIdentity;
import io.muster.server.state.Records.GroupFailureRecord;
import io.muster.server.state.Records.ExcludedNode;
import io.muster.server.state.Records.JobRecord;
import io.muster.server.state.Records.OperationRecord;
import io.muster.types.state.OperationStatus;
import io.muster.server.state.Records.JoinTokenRecord;
import io.muster.server.state.Records.KvEntry;
import io.muster.server.state.Records.NodeRecord;
import io.muster.server.state.Records.SecretRecord;
import io.muster.server.state.Records.ServerRecord;
import io.muster.types.state.AllocStatus;
import io.muster.types.state.DrainState;
import io.muster.types.state.NodeStatus;
import java.lang.reflect.Constructor;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** {@link StateDigest}: every replicated field counts, nothing else does, and the encoding is stable. */
class StateDigestTest {

    static StateImage sample() {
        ClusterIdentity id = new ClusterIdentity("c-1", new byte[] {1, 2}, new byte[] {3}, new byte[] {4, 5, 6}, 7);
        List<ServerRecord> servers = List.of(new ServerRecord(1, "a:1", "a:2", "a:3", "v1"), new ServerRecord(2, "b:1", "b:2", "b:3", "v1"));
        List<AclTokenRecord> acl = List.of(new AclTokenRecord("acc-1", "ab".repeat(32), AclPolicy.OPERATOR, "ops", 11),
                new AclTokenRecord("acc-0", "cd".repeat(32), AclPolicy.MANAGEMENT, "boot", 10));
        List<JoinTokenRecord> join = List.of(new JoinTokenRecord("t1", 100, 3, 1, Map.of("a", "1", "b", "2"), 12, false, "desc"),
                new JoinTokenRecord("t0", 200, 0, 0, Map.of(), 13, true, ""));
        List<NodeRecord> nodes = List.of(
                new NodeRecord(2, NodeStatus.READY, true, "linux", "amd64", Map.of("k", "v", "z", "w"), 4, 16_000, 8_192, List.of("exec", "docker"),
                        "h2", "0.1", "t1", "abcd", 13, 14, DrainState.NONE, 0, "", "s2", 15, "s1", Map.of("ping", List.of("echo", "sleep"), "apt", List.of("install")),
                        true, "cgroup v1 at /sys/fs/cgroup/memory/muster (memory, cpu, cpuacct, pids)"),
                new NodeRecord(1, NodeStatus.DOWN, false, "linux", "arm64", Map.of(), 2, 8_000, 4_096, List.of("exec"),
                        "h1", "0.1", "t1", "ef01", 13, 16, DrainState.DRAINING, 99, "", "s9", 15, "", Map.of(), false, "not enforced: not root"));
        List<JobRecord> jobs = List.of(new JobRecord("j1", "service", "{\"id\":\"j1\"}", 2, 16, false,
                List.of(new GroupFailureRecord("g", 1, 3, Map.of("cpu", 2, "memory", 1))), 17, 18,
                        new OperationRecord(OperationStatus.RUNNING, List.of(1L, 2L), List.of(new ExcludedNode(3, "node is down")), 16, 17, 0, 1, "")),
                new JobRecord("j0", "batch", "{}", 1, 15, true, List.of(), 0, 9, null));
        List<AllocRecord> allocs = List.of(
                new AllocRecord("x1", "j1", 2, "g", 0, 1, 10, 20, true, "", AllocStatus.RUNNING, 0, "", 30, 0, 0, "", 19, 20, "out",
                        new AllocEvents(List.of(new AllocEvents.Event(31, io.muster.types.state.AllocEventType.TIMED_OUT, "timed out after 3s")), 4, 7)),
                new AllocRecord("x0", "j1", 1, "g", 0, 2, 10, 20, false, "job updated", AllocStatus.COMPLETE, 3, "done", 5, 6, 1, "x-1", 7, 8, "", null));
        List<KvEntry> kv = List.of(new KvEntry("k", new byte[] {9}, 21), new KvEntry("a", new byte[0], 22));
        List<SecretRecord> secrets = List.of(new SecretRecord("db", 2, 1, new byte[] {1, 2, 3}, 9, 23, 24),
                new SecretRecord("api", 1, 1, new byte[] {4}, 5, 25, 25));
        return new StateImage(StateImage.FORMAT, 3, 100, 5, id, servers, acl, join, nodes, jobs, allocs, kv, secrets);
    }

    static StateDigest digest(StateImage img) {
        return StateDigest.of(img);
    }

    @Test
    void theEncodingIsPinned() {
        // Any change to the encoding changes these; a deliberate one updates them (and StateDigest.VERSION). The empty
        // state's value was checked against an independent implementation of the encoding (Python, hashlib), again for version 4.
        assertEquals("5520b7ba8e1822f4a785c59aa29c4f742afb68149ccc9a9a0985b36a106c844e", StateDigest.of(new ClusterState()).hex());
        assertEquals("a294f6dae6e9835f31cfb0fe5e8047afc18a2961f92cad42315f4595f1fcbb84", digest(sample()).hex());
    }

    @Test
    void theLiveStateAndItsImageHaveOneDigest() {
        ClusterState s = new ClusterState();
        s.restore(sample());
        assertEquals(digest(sample()), StateDigest.of(s));
        assertEquals(digest(sample()), StateDigest.of(s.image()));
    }

    @Test
    void orderOfCollectionsAndMapsDoesNotCount() {
        StateImage a = sample();
        Random r = new Random(7);
        for (int round = 0; round < 20; round++) {
            StateImage b = new StateImage(a.format(), a.term(), a.index(), a.nextNodeId(), a.identity(), shuffled(a.servers(), r),
                    shuffled(a.aclTokens(), r), shuffled(a.joinTokens(), r).stream().map(t -> new JoinTokenRecord(t.id(), t.expiresAt(),
                    t.maxUses(), t.uses(), reordered(t.labels()), t.createdAt(), t.revoked(), t.description())).toList(),
                    shuffled(a.nodes(), r).stream().map(n -> n.withProfile(n.os(), n.arch(), reordered(n.labels()), n.cpuCores(), n.cpuMhz(),
                            n.memoryMb(), n.drivers(), n.hostname(), n.version(), reordered(n.backends()), n.limitsEnforced(), n.limitsDetail())).toList(),
                    shuffled(a.jobs(), r).stream().map(j -> new JobRecord(j.id(), j.type(), j.specJson(), j.version(), j.submittedAt(),
                            j.stopped(), j.failures().stream().map(f -> new GroupFailureRecord(f.group(), f.unplaced(), f.nodesEvaluated(),
                            reordered(f.filtered()))).toList(), j.nextEvalAt(), j.modifyIndex(), j.operation())).toList(),
                    shuffled(a.allocs(), r), shuffled(a.kv(), r), shuffled(a.secrets(), r));
            assertEquals(digest(a), digest(b));
            ClusterState s = new ClusterState();
            s.restore(b);
            assertEquals(digest(a), StateDigest.of(s));
        }
    }

    @Test
    void theIndexTermAndFormatAreNotState() {
        StateImage a = sample();
        StateImage b = new StateImage(a.format() + 1, a.term() + 5, a.index() + 1_000, a.nextNodeId(), a.identity(), a.servers(),
                a.aclTokens(), a.joinTokens(), a.nodes(), a.jobs(), a.allocs(), a.kv(), a.secrets());
        assertEquals(digest(a), digest(b));
    }

    /** Adding a field to a record without adding it to the digest fails here: the counts are the digest's own. */
    @Test
    void theDigestKnowsEveryFieldOfEveryRecord() {
        for (var e : StateDigest.FIELDS.entrySet())
            assertEquals(e.getKey().getRecordComponents().length, e.getValue(), e.getKey().getSimpleName() + ": a field was added or removed; "
                    + "add it to StateDigest.of (and StateDigest.FIELDS)");
        for (Class<?> c : Records.class.getDeclaredClasses())
            if (c.isRecord()) assertTrue(StateDigest.FIELDS.containsKey(c), c.getSimpleName() + " is replicated state the digest does not know");
    }

    /** Changing any one field of any record, or the next node id or identity, changes the digest. */
    @Test
    void everyFieldCounts() throws Exception {
        StateImage base = sample();
        StateDigest d0 = digest(base);
        int checked = 0;
        assertNotEquals(d0, digest(with(base, "nextNodeId", base.nextNodeId() + 1)));
        assertNotEquals(d0, digest(with(base, "identity", null)));
        for (int c = 0; c < ClusterIdentity.class.getRecordComponents().length; c++) {
            assertNotEquals(d0, digest(with(base, "identity", mutate(base.identity(), c))), "identity field " + c);
            checked++;
        }
        for (String list : List.of("servers", "aclTokens", "joinTokens", "nodes", "jobs", "allocs", "kv", "secrets")) {
            List<?> items = (List<?>) StateImage.class.getMethod(list).invoke(base);
            assertNotEquals(d0, digest(with(base, list, items.subList(1, items.size()))), list + ": one record fewer");
            Record first = (Record) items.getFirst();
            for (int c = 0; c < first.getClass().getRecordComponents().length; c++) {
                Record changed = mutate(first, c);
                List<Object> copy = new ArrayList<>(items);
                copy.set(0, changed);
                assertNotEquals(d0, digest(with(base, list, copy)), list + ": " + first.getClass().getRecordComponents()[c].getName());
                checked++;
            }
        }
        // The record inside a record: a job's placement failures.
        JobRecord j = base.jobs().getFirst();
        GroupFailureRecord f = j.failures().getFirst();
        for (int c = 0; c < GroupFailureRecord.class.getRecordComponents().length; c++) {
            JobRecord changed = new JobRecord(j.id(), j.type(), j.specJson(), j.version(), j.submittedAt(), j.stopped(), List.of(mutate(f, c)),
                    j.nextEvalAt(), j.modifyIndex(), j.operation());
            List<JobRecord> jobs = new ArrayList<>(base.jobs());
            jobs.set(0, changed);
            assertNotEquals(d0, digest(with(base, "jobs", jobs)), "group failure field " + c);
            checked++;
        }
        // The records inside an operation record: where it is, and its excluded nodes.
        OperationRecord op = j.operation();
        for (int c = 0; c < OperationRecord.class.getRecordComponents().length; c++) {
            List<JobRecord> jobs = new ArrayList<>(base.jobs());
            jobs.set(0, j.withOperation(mutate(op, c), j.modifyIndex()));
            assertNotEquals(d0, digest(with(base, "jobs", jobs)), "operation field " + c);
            checked++;
        }
        ExcludedNode x = op.excluded().getFirst();
        for (int c = 0; c < ExcludedNode.class.getRecordComponents().length; c++) {
            OperationRecord changedOp = new OperationRecord(op.status(), op.nodes(), List.of(mutate(x, c)), op.queuedAt(), op.startedAt(),
                    op.endedAt(), op.step(), op.reason());
            List<JobRecord> jobs = new ArrayList<>(base.jobs());
            jobs.set(0, j.withOperation(changedOp, j.modifyIndex()));
            assertNotEquals(d0, digest(with(base, "jobs", jobs)), "excluded node field " + c);
            checked++;
        }
        // The records inside an allocation: its history and each event of it.
        AllocRecord a = base.allocs().getFirst();
        for (int c = 0; c < AllocEvents.class.getRecordComponents().length; c++) {
            List<AllocRecord> allocs = new ArrayList<>(base.allocs());
            allocs.set(0, a.withEvents(mutate(a.events(), c), a.modifyIndex()));
            assertNotEquals(d0, digest(with(base, "allocs", allocs)), "allocation events field " + c);
            checked++;
        }
        AllocEvents.Event e = a.events().events().getFirst();
        for (int c = 0; c < AllocEvents.Event.class.getRecordComponents().length; c++) {
            List<AllocRecord> allocs = new ArrayList<>(base.allocs());
            allocs.set(0, a.withEvents(new AllocEvents(List.of(mutate(e, c)), a.events().dropped(), a.events().workerSeq()), a.modifyIndex()));
            assertNotEquals(d0, digest(with(base, "allocs", allocs)), "allocation event field " + c);
            checked++;
        }
        assertEquals(5 + 5 + 5 + 8 + 25 + 10 + 21 + 3 + 7 + 4 + 8 + 2 + 3 + 3, checked);
    }

    @Test
    void nullIsNotEmptyAndFieldsDoNotRunTogether() throws Exception {
        StateImage a = sample();
        KvEntry k = new KvEntry("ab", new byte[] {'c'}, 1);
        KvEntry k2 = new KvEntry("a", new byte[] {'b', 'c'}, 1);
        assertNotEquals(digest(with(a, "kv", List.of(k))), digest(with(a, "kv", List.of(k2))));
        ServerRecord s1 = new ServerRecord(1, "", "x", "y", "v");
        ServerRecord s2 = new ServerRecord(1, null, "x", "y", "v");
        assertNotEquals(digest(with(a, "servers", List.of(s1))), digest(with(a, "servers", List.of(s2))));
    }

    // ---- helpers ----

    static <T> List<T> shuffled(List<T> l, Random r) {
        List<T> c = new ArrayList<>(l);
        Collections.shuffle(c, r);
        return c;
    }

    /** The same entries in another iteration order (and map type). */
    static <V> Map<String, V> reordered(Map<String, V> m) {
        List<String> keys = new ArrayList<>(new TreeMap<>(m).keySet());
        Collections.reverse(keys);
        Map<String, V> out = new LinkedHashMap<>();
        for (String k : keys) out.put(k, m.get(k));
        return out.size() % 2 == 0 ? out : new HashMap<>(out);
    }

    static StateImage with(StateImage img, String component, Object value) throws Exception {
        RecordComponent[] rc = StateImage.class.getRecordComponents();
        Object[] args = new Object[rc.length];
        for (int i = 0; i < rc.length; i++) args[i] = rc[i].getName().equals(component) ? value : rc[i].getAccessor().invoke(img);
        return canonical(StateImage.class).newInstance(args);
    }

    @SuppressWarnings("unchecked")
    static <R extends Record> R mutate(R r, int component) throws Exception {
        RecordComponent[] rc = r.getClass().getRecordComponents();
        Object[] args = new Object[rc.length];
        for (int i = 0; i < rc.length; i++) args[i] = rc[i].getAccessor().invoke(r);
        args[component] = changed(args[component]);
        R out = (R) canonical(r.getClass()).newInstance(args);
        assertNotEquals(r, out, r.getClass().getSimpleName() + "." + rc[component].getName() + " did not change");
        return out;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    static Object changed(Object v) {
        return switch (v) {
            case String s -> s + "x";
            case Long l -> l + 1;
            case Integer i -> i + 1;
            case Boolean b -> !b;
            case byte[] b -> {
                byte[] c = java.util.Arrays.copyOf(b, b.length + 1);
                c[b.length] = 42;
                yield c;
            }
            case AclPolicy p -> p == AclPolicy.READ_ONLY ? AclPolicy.OPERATOR : AclPolicy.READ_ONLY;
            case Map m -> {
                Map c = new TreeMap(m);
                c.put("added-key", m.isEmpty() ? "v" : m.values().iterator().next());
                yield c;
            }
            case List l -> {
                List c = new ArrayList(l);
                c.add(l.isEmpty() ? "added" : l.getFirst());
                yield c;
            }
            case null -> throw new IllegalArgumentException("the sample has a null field: give it a value so its mutation counts");
            case OperationRecord o -> o.atStep(o.step() + 1);
            case AllocEvents e -> e.append(new AllocEvents.Event(1, io.muster.types.state.AllocEventType.PLACED, "x"));
            case Enum<?> e -> { // a state: the next one
                Object[] all = e.getDeclaringClass().getEnumConstants();
                yield all[(e.ordinal() + 1) % all.length];
            }
            default -> throw new IllegalArgumentException("no mutation for " + v.getClass());
        };
    }

    @SuppressWarnings("unchecked")
    static <R> Constructor<R> canonical(Class<R> c) throws NoSuchMethodException {
        Class<?>[] types = java.util.Arrays.stream(c.getRecordComponents()).map(RecordComponent::getType).toArray(Class<?>[]::new);
        Constructor<R> k = c.getDeclaredConstructor(types);
        k.setAccessible(true);
        return k;
    }
}
