package io.muster.server.state;

import io.muster.proto.raft.CollectGarbage;
import io.muster.proto.raft.Command;
import io.muster.proto.raft.CommandResult;
import io.muster.server.state.NodeEventLog.Event;
import io.muster.server.state.NodeEventLog.Kind;
import io.muster.server.state.Records.AllocRecord;
import io.muster.server.state.Records.JobRecord;
import io.muster.server.state.Records.JoinTokenRecord;
import io.muster.server.state.Records.NodeRecord;
import io.muster.types.state.AllocStatus;
import io.muster.types.state.NodeStatus;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Applies {@code CollectGarbage}: removes whole records (jobs, allocations, nodes, join tokens) and their indexes.
 * Deterministic like the rest of the applier: every id is re-checked against the state and the command's own
 * time, thresholds and index cutoffs (never the wall clock), ids that are no longer collectable are skipped, and
 * everything is validated before anything is removed.
 *
 * <p>What is collectable ({@link Check}, shared with the leader's {@code GcService}, which decides the same way):
 * <ul>
 *   <li>an allocation: terminal and last modified at or below {@code alloc_index_cutoff}, and either its job is
 *       stopped or gone, or it is superseded in its slot — a newer allocation is the slot's latest, or a live one of
 *       at least its attempt runs there — or it is a system/sysbatch allocation on a down, revoked or gone node.
 *       The reconciler reads only a slot's live allocation, else its latest one, and for batch jobs whether one
 *       completed: a complete allocation of a live batch job is never collected on its own;</li>
 *   <li>a job: stopped, or a batch/sysbatch job with nothing left to do (no delayed reschedule, no unplaced
 *       work; the leader also ran the reconciler), with every allocation terminal, and it and all of them last
 *       modified at or below {@code job_index_cutoff}; it goes with all its allocations;</li>
 *   <li>a node: {@code down} since at least {@code node_after} before {@code now}, with no allocation left that is
 *       not collected in the same entry. Never a {@code ready}/{@code draining}/{@code initializing} node and never
 *       a {@code revoked} one: a revoked node's record is what makes its certificates answer "revoked"; its id is
 *       never reused either way ({@code nextNodeId} only grows);</li>
 *   <li>a join token: expired more than {@code token_after} before {@code now}, or revoked or used up (when that
 *       happened is not in the record; the leader measures it).</li>
 * </ul>
 * {@code purge_job_ids} ({@code job stop --purge}) remove a job with every allocation now, whatever its state:
 * allocations still wanted get a Delete event first, so their workers stop them (the scheduler already ignores
 * the resources of allocations that are no longer wanted, as after a normal stop).
 *
 * <p>Workers: a collected allocation its worker may still hold (still wanted: a finished batch run, a failed
 * attempt) gets a Delete event on its node's log; one no longer wanted had its Delete when it was stopped. A Set
 * event left in a log for a collected allocation is skipped by the poll hub, and a full snapshot lists only live
 * allocations, so a worker polling with an old revision, or from below the log's floor, sees a correct picture.
 * Events at or below {@code alloc_index_cutoff} are dropped from every node's log (a worker that has not polled
 * since gets a full snapshot), so the logs shrink with the state.
 */
public final class GcApplier {
    /** The reconciler's "latest allocation of a slot": highest reschedule attempt, then latest finish, then id. */
    static final Comparator<AllocRecord> LATEST = Comparator.comparingInt(AllocRecord::attempt)
            .thenComparingLong(AllocRecord::finishedAt).thenComparing(AllocRecord::id);

    private GcApplier() {}

    /** What one entry removed; {@code skipped} counts listed ids that were gone or no longer collectable. */
    public record Counts(int jobs, int allocs, int nodes, int tokens, int skipped) {
        public static final Counts NONE = new Counts(0, 0, 0, 0, 0);

        public Counts plus(Counts o) {
            return new Counts(jobs + o.jobs, allocs + o.allocs, nodes + o.nodes, tokens + o.tokens, skipped + o.skipped);
        }

        /** The command result's value: {@code jobs=J allocs=A nodes=N tokens=T skipped=S}. */
        public String value() {
            return "jobs=" + jobs + " allocs=" + allocs + " nodes=" + nodes + " tokens=" + tokens + " skipped=" + skipped;
        }

        public static Counts parse(String value) {
            Map<String, Integer> m = new HashMap<>();
            for (String kv : value.trim().split("\\s+")) {
                int eq = kv.indexOf('=');
                if (eq > 0) m.put(kv.substring(0, eq), Integer.parseInt(kv.substring(eq + 1)));
            }
            return new Counts(m.getOrDefault("jobs", 0), m.getOrDefault("allocs", 0), m.getOrDefault("nodes", 0),
                    m.getOrDefault("tokens", 0), m.getOrDefault("skipped", 0));
        }
    }

    /** The dispatcher's entry point ({@code CommandApplier}, case {@code COLLECT_GARBAGE}). */
    static CommandResult apply(StateTx s, Command c, long index) {
        CollectGarbage g = c.getCollectGarbage();
        Check check = new Check(Reads.of(s));
        long now = g.getNowUnixMs();

        // 1. Validate everything against the state as it is before this entry.
        Map<String, AllocRecord> allocs = new LinkedHashMap<>();
        List<JobRecord> jobs = new ArrayList<>();
        List<NodeRecord> nodes = new ArrayList<>();
        List<String> tokens = new ArrayList<>();
        int skipped = 0;
        for (String id : g.getAllocIdsList()) {
            AllocRecord a = s.alloc(id);
            if (a != null && !allocs.containsKey(id) && check.alloc(a, g.getAllocIndexCutoff())) allocs.put(id, a);
            else skipped++;
        }
        Set<String> jobIds = new HashSet<>();
        for (String id : g.getJobIdsList()) {
            JobRecord j = s.jobs.get(id);
            if (j != null && !jobIds.contains(id) && check.job(j, g.getJobIndexCutoff())) {
                jobIds.add(id);
                jobs.add(j);
                for (AllocRecord a : s.allocsOfJob(id)) allocs.put(a.id(), a);
            } else {
                skipped++;
            }
        }
        for (String id : g.getPurgeJobIdsList()) {
            JobRecord j = s.jobs.get(id);
            if (j != null && !jobIds.contains(id)) {
                jobIds.add(id);
                jobs.add(j);
                for (AllocRecord a : s.allocsOfJob(id)) allocs.put(a.id(), a);
            } else {
                skipped++;
            }
        }
        Set<Long> nodeIds = new HashSet<>();
        for (long id : g.getNodeIdsList()) {
            NodeRecord n = s.nodes.get(id);
            if (n != null && !nodeIds.contains(id) && check.node(n, now, g.getNodeAfterMs(), allocs.keySet())) {
                nodeIds.add(id);
                nodes.add(n);
            } else {
                skipped++;
            }
        }
        for (String id : g.getTokenIdsList()) {
            JoinTokenRecord t = s.joinTokens.get(id);
            if (t != null && !tokens.contains(id) && Check.token(t, now, g.getTokenAfterMs())) tokens.add(id);
            else skipped++;
        }

        // 2. Remove.
        for (AllocRecord a : allocs.values()) {
            // Still wanted, so its worker may hold it: tell the worker it is gone (unless the node goes too).
            if (a.desiredRun() && !nodeIds.contains(a.nodeId())) {
                s.event(a.nodeId(), new Event(index, Kind.DELETE, a.id(), false, 0));
            }
            s.removeAlloc(a);
        }
        for (JobRecord j : jobs) s.jobs.remove(j.id());
        for (NodeRecord n : nodes) s.removeNode(n);
        for (String id : tokens) s.joinTokens.remove(id);
        // Assignment events as old as the allocations collected: a worker that has not polled since gets a full
        // snapshot instead (each node keeps up to 4,096 events otherwise, ~2 GB at 10,000 nodes).
        long cutoff = g.getAllocIndexCutoff();
        List<Long> goneNodes = nodes.stream().map(NodeRecord::id).toList();
        s.afterCommit(st -> st.collectedEvents(cutoff, goneNodes));
        s.afterCommit(st -> st.listeners.forEach(l -> {
            for (AllocRecord a : allocs.values()) l.allocChanged(a, null);
            for (JobRecord j : jobs) l.jobChanged(j.id());
        }));
        Counts counts = new Counts(jobs.size(), allocs.size(), nodes.size(), tokens.size(), skipped);
        return CommandApplier.ok().toBuilder().setValue(counts.value()).build();
    }

    /**
     * The collectability rules, over one state that does not change while a {@code Check} is used (one command's
     * validation, or one leader decision). Caches each job's latest allocation per slot.
     */
    /** What the rules read: one command's transaction, or one snapshot for a leader decision. */
    interface Reads {
        JobRecord job(String id);

        NodeRecord node(long id);

        List<AllocRecord> allocsOfJob(String jobId);

        List<AllocRecord> allocsOnNode(long nodeId);

        static Reads of(StateTx t) {
            return new Reads() {
                public JobRecord job(String id) {
                    return t.jobs.get(id);
                }

                public NodeRecord node(long id) {
                    return t.nodes.get(id);
                }

                public List<AllocRecord> allocsOfJob(String jobId) {
                    return t.allocsOfJob(jobId);
                }

                public List<AllocRecord> allocsOnNode(long nodeId) {
                    return t.allocsOnNode(nodeId);
                }
            };
        }

        static Reads of(ClusterSnapshot snap) {
            return new Reads() {
                public JobRecord job(String id) {
                    return snap.job(id).orElse(null);
                }

                public NodeRecord node(long id) {
                    return snap.node(id).orElse(null);
                }

                public List<AllocRecord> allocsOfJob(String jobId) {
                    return snap.allocsOfJob(jobId);
                }

                public List<AllocRecord> allocsOnNode(long nodeId) {
                    return snap.allocsOnNode(nodeId);
                }
            };
        }
    }

    public static final class Check {
        private final Reads s;
        private final Map<String, Map<Slot, SlotInfo>> slots = new HashMap<>();

        /** For a leader decision: the rules over one snapshot of the state. */
        public Check(ClusterState state) {
            this(Reads.of(state.snapshot()));
        }

        Check(Reads s) {
            this.s = s;
        }

        /** A terminal allocation, last modified at or below {@code cutoff}, of a stopped or gone job, or superseded in its slot. */
        public boolean alloc(AllocRecord a, long cutoff) {
            if (!a.terminal() || a.modifyIndex() > cutoff) return false;
            JobRecord j = s.job(a.jobId());
            if (j == null || j.stopped()) return true;
            // An operation's attempts are its history (and what its next step is decided from): they go with the job.
            if (j.hasOperation()) return false;
            // A live batch job's slot is done for good once one of its allocations completed: keep that one.
            if (runsToCompletion(j) && a.status() == AllocStatus.COMPLETE) return false;
            // A per-node slot whose node is gone or down: the reconciler places nothing there while it is, and
            // starts afresh if it comes back.
            if (perNode(j) && lost(s.node(a.nodeId()))) return true;
            SlotInfo slot = slotsOf(j).get(slot(j, a));
            // Superseded: a newer allocation is the slot's latest (the only one the reconciler reads once nothing
            // runs there), or a live one of at least the same attempt runs in it (when that one ends, it outranks
            // this one, or ties as another lost allocation would).
            return slot != null && (!slot.latest.id().equals(a.id()) || slot.maxLiveAttempt >= a.attempt());
        }

        /**
         * A job with nothing left to run: stopped, or a batch/sysbatch job with allocations, no delayed reschedule
         * and no unplaced work; every allocation terminal; it and they last modified at or below {@code cutoff}.
         */
        public boolean job(JobRecord j, long cutoff) {
            if (j.modifyIndex() == 0 || j.modifyIndex() > cutoff) return false; // 0: registered, never planned
            if (!j.stopped() && (!runsToCompletion(j) || j.nextEvalAt() != 0 || !j.failures().isEmpty())) return false;
            List<AllocRecord> allocs = s.allocsOfJob(j.id());
            if (!j.stopped() && allocs.isEmpty()) return false;
            for (AllocRecord a : allocs) if (!a.terminal() || a.modifyIndex() > cutoff) return false;
            return true;
        }

        /** Down since {@code afterMs} before {@code now}, and every allocation on it collected with it. Never revoked. */
        public boolean node(NodeRecord n, long now, long afterMs, Set<String> collectedAllocs) {
            if (n.state() != NodeStatus.DOWN || now - n.stateChangedAt() < afterMs) return false;
            for (AllocRecord a : s.allocsOnNode(n.id())) if (!collectedAllocs.contains(a.id())) return false;
            return true;
        }

        /** Revoked, used up, or expired at least {@code afterMs} before {@code now}. */
        public static boolean token(JoinTokenRecord t, long now, long afterMs) {
            return t.revoked() || t.exhausted() || now - afterMs >= t.expiresAt();
        }

        private Map<Slot, SlotInfo> slotsOf(JobRecord j) {
            return slots.computeIfAbsent(j.id(), id -> {
                Map<Slot, SlotInfo> m = new HashMap<>();
                for (AllocRecord a : s.allocsOfJob(id)) {
                    SlotInfo info = m.computeIfAbsent(slot(j, a), k -> new SlotInfo());
                    if (info.latest == null || LATEST.compare(a, info.latest) > 0) info.latest = a;
                    if (a.desiredRun() && !a.terminal()) info.maxLiveAttempt = Math.max(info.maxLiveAttempt, a.attempt());
                }
                return m;
            });
        }
    }

    private static final class SlotInfo {
        AllocRecord latest;
        int maxLiveAttempt = -1;
    }

    private static boolean lost(NodeRecord n) {
        return n == null || n.state().isLost();
    }

    /** Batch and sysbatch jobs run to completion: a complete allocation ends its slot (or node) for good. */
    public static boolean runsToCompletion(JobRecord j) {
        return "batch".equals(j.type()) || "sysbatch".equals(j.type());
    }

    /** A slot as the reconciler sees it: (group, index), or (group, node) for system and sysbatch jobs. */
    private record Slot(String group, long key) {}

    private static boolean perNode(JobRecord j) {
        return "system".equals(j.type()) || "sysbatch".equals(j.type());
    }

    private static Slot slot(JobRecord j, AllocRecord a) {
        return new Slot(a.group(), perNode(j) ? a.nodeId() : a.index());
    }
}
