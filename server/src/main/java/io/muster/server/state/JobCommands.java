package io.muster.server.state;

import static io.muster.server.state.CommandApplier.fail;
import static io.muster.server.state.CommandApplier.ok;

import io.muster.proto.raft.AllocStatusUpdate;
import io.muster.proto.raft.Command;
import io.muster.proto.raft.CommandResult;
import io.muster.proto.raft.GroupFailure;
import io.muster.proto.raft.PlannedAlloc;
import io.muster.proto.raft.StoppedAlloc;
import io.muster.server.state.NodeEventLog.Event;
import io.muster.server.state.NodeEventLog.Kind;
import io.muster.server.state.Records.AllocRecord;
import io.muster.server.state.Records.GroupFailureRecord;
import io.muster.server.state.Records.JobRecord;
import io.muster.server.state.Records.NodeRecord;
import io.muster.types.state.AllocEventType;
import io.muster.types.state.AllocStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/** Jobs and their allocations: registration, stop, placement plans, status reports, and allocations lost with their node. */
final class JobCommands {
    private final OperationCommands operations = new OperationCommands(this);

    CommandResult registerJob(StateTx s, Command c, long index) {
        var r = c.getRegisterJob();
        JobRecord old = s.jobs.get(r.getJobId());
        String spec = r.getSpecJson().toStringUtf8();
        String type = JobSpecFacts.type(spec);
        if ("operation".equals(type)) return operations.register(s, r, spec, index);
        if (old != null && old.hasOperation() && !old.stopped())
            return fail("OPERATION_IN_PROGRESS", "job " + old.id() + " is an operation still " + old.operation().status().wire()
                    + "; cancel it first (muster job cancel " + old.id() + ") or use another id");
        if (old == null || old.stopped()) {
            long pending = s.jobs.values().stream().filter(j -> !j.stopped() && j.modifyIndex() == 0 && !j.hasOperation()).count();
            if (r.getMaxPendingJobs() > 0 && pending >= r.getMaxPendingJobs())
                return fail("TOO_MANY_PENDING_JOBS", "the cluster already has " + pending + " jobs waiting to be placed (limit "
                        + r.getMaxPendingJobs() + "); try again when they are placed, or raise max_pending_jobs");
        }
        if (old != null && !old.stopped() && old.specJson().equals(spec))
            return ok().toBuilder().setValue(Long.toString(old.version())).build();
        long version = old == null ? 1 : old.version() + 1;
        if (old != null) {
            // A changed spec replaces every allocation of the old version.
            for (AllocRecord a : s.allocsOfJob(old.id())) stopAlloc(s, a, "job updated", index);
        }
        s.jobs.put(r.getJobId(), new JobRecord(r.getJobId(), type, spec, version, r.getSubmittedUnixMs(), false, List.of(), 0, 0, null));
        s.afterCommit(st -> st.listeners.forEach(l -> l.jobChanged(r.getJobId())));
        return ok().toBuilder().setValue(Long.toString(version)).build();
    }

    CommandResult stopJob(StateTx s, Command c, long index) {
        String id = c.getStopJob().getJobId();
        JobRecord j = s.jobs.get(id);
        if (j == null) return fail("JOB_NOT_FOUND", "no job with id " + id);
        if (j.hasOperation()) {
            // Stopping an operation cancels it; one that already ended stays as it ended.
            if (j.operation().status().isTerminal()) return ok();
            return operations.cancel(s, id, c.getProposedUnixMs(), "stopped", index);
        }
        s.jobs.put(id, j.withStopped(index));
        for (AllocRecord a : s.allocsOfJob(id)) stopAlloc(s, a, "job stopped", index);
        s.afterCommit(st -> st.listeners.forEach(l -> l.jobChanged(id)));
        return ok();
    }

    void stopAlloc(StateTx s, AllocRecord a, String reason, long index) {
        if (!a.desiredRun()) return;
        AllocRecord after = a.withDesiredStop(reason, index)
                .withEvent(new AllocEvents.Event(s.commandTime, AllocEventType.STOP_REQUESTED, "stop requested: " + reason), index);
        // Never started anywhere: nothing will report it stopped, so it is stopped now.
        if (a.status() == AllocStatus.PENDING) after = after.withClientStatus(AllocStatus.STOPPED, 0, reason, 0, 0, index);
        s.indexAlloc(after);
        s.event(a.nodeId(), new Event(index, Kind.DELETE, a.id(), false, 0));
        s.notifyAlloc(a, after);
    }

    CommandResult advanceOperation(StateTx s, Command c, long index) {
        return operations.advance(s, c, index);
    }

    CommandResult cancelOperation(StateTx s, Command c, long index) {
        return operations.cancel(s, c, index);
    }

    CommandResult applyPlan(StateTx s, Command c, long index) {
        var p = c.getApplyPlan();
        JobRecord j = s.jobs.get(p.getJobId());
        if (j == null) return fail("JOB_NOT_FOUND", "no job with id " + p.getJobId());
        if (j.hasOperation()) return fail("NOT_A_PLAN_JOB", "job " + j.id() + " is an operation: its tasks are placed by the operation service");
        if (j.version() != p.getJobVersion()) return fail("STALE_PLAN", "plan for version " + p.getJobVersion() + " but job is at " + j.version());
        for (StoppedAlloc st : p.getStopList()) {
            AllocRecord a = s.alloc(st.getAllocId());
            if (a != null) stopAlloc(s, a, st.getReason(), index);
        }
        int skipped = 0;
        if (!j.stopped()) {
            boolean perNode = perNode(j);
            java.util.Set<Slot> live = liveSlots(s, j, perNode);
            java.util.Map<Long, String> names = new java.util.HashMap<>();
            for (PlannedAlloc pa : p.getPlaceList()) {
                NodeRecord n = s.nodes.get(pa.getNodeId());
                if (n == null || !n.schedulable() || s.hasAlloc(pa.getAllocId())) {
                    skipped++; // the node changed since the plan was made: the next evaluation places it
                    continue;
                }
                if (!live.add(slot(pa.getGroup(), pa.getIndex(), pa.getNodeId(), perNode))) {
                    skipped++; // the slot already has a live allocation (a plan made before another one committed)
                    continue;
                }
                String where = names.computeIfAbsent(n.id(), id -> OperationReads.name(n) + " (node " + id + ")"); // once per node per plan
                AllocRecord previous = pa.getPreviousAllocId().isEmpty() ? null : s.alloc(pa.getPreviousAllocId());
                String placed = "placed on " + where + (previous == null ? "" : ", replacing " + previous.id()
                        + (pa.getAttempt() > 0 ? " (reschedule " + pa.getAttempt() + ")" : ""));
                AllocRecord a = new AllocRecord(pa.getAllocId(), pa.getJobId(), j.version(), pa.getGroup(), pa.getIndex(), pa.getNodeId(),
                        pa.getCpu(), pa.getMemoryMb(), true, "", AllocStatus.PENDING, 0, "", 0, 0, pa.getAttempt(),
                        pa.getPreviousAllocId(), index, index, "",
                        AllocEvents.EMPTY.append(new AllocEvents.Event(s.commandTime, AllocEventType.PLACED, placed)));
                if (previous != null) {
                    AllocRecord before = previous;
                    previous = previous.withEvent(new AllocEvents.Event(s.commandTime, AllocEventType.RESCHEDULED,
                            "rescheduled as " + a.id() + " on " + where), index);
                    s.indexAlloc(previous);
                    s.notifyAlloc(before, previous);
                }
                s.indexAlloc(a);
                s.event(pa.getNodeId(), new Event(index, Kind.SET, a.id(), false, 0));
                s.notifyAlloc(null, a);
            }
        }
        List<GroupFailureRecord> failures = new ArrayList<>();
        for (GroupFailure f : p.getFailuresList())
            failures.add(new GroupFailureRecord(f.getGroup(), f.getUnplaced(), f.getNodesEvaluated(), new TreeMap<>(f.getFilteredMap())));
        long nextEval = p.getNextEvalUnixMs();
        if (skipped > 0) nextEval = p.getPlannedUnixMs();
        s.jobs.put(j.id(), j.withPlanOutcome(List.copyOf(failures), nextEval, index));
        return ok().toBuilder().setValue(Integer.toString(p.getPlaceCount() - skipped)).build();
    }

    /**
     * A slot of a job: what one live allocation stands for. Service and batch groups have slots 0 … count-1 by
     * {@code index} (a replacement keeps its predecessor's); system and sysbatch groups have one slot per node,
     * and their indices only number allocations, so the node is the slot.
     */
    private record Slot(String group, long key) {}

    private static boolean perNode(JobRecord j) {
        return "system".equals(j.type()) || "sysbatch".equals(j.type());
    }

    private static Slot slot(String group, int index, long nodeId, boolean perNode) {
        return new Slot(group, perNode ? nodeId : index);
    }

    /**
     * The slots of {@code j} taken by a live allocation of its current version (wanted and not finished). A
     * placement into one of them is a duplicate; one replacing a failed, lost or stopped allocation is not.
     */
    private java.util.Set<Slot> liveSlots(StateTx s, JobRecord j, boolean perNode) {
        java.util.Set<Slot> live = new java.util.HashSet<>();
        for (AllocRecord a : s.allocsOfJob(j.id())) {
            if (a.jobVersion() == j.version() && a.desiredRun() && !a.terminal())
                live.add(slot(a.group(), a.index(), a.nodeId(), perNode));
        }
        return live;
    }

    CommandResult allocStatuses(StateTx s, Command c, long index) {
        int applied = 0;
        for (AllocStatusUpdate u : c.getAllocStatusBatch().getUpdatesList()) {
            var st = u.getStatus();
            AllocRecord a = s.alloc(st.getAllocId());
            if (a == null || a.nodeId() != u.getNodeId()) continue; // a worker speaks only for its own allocations
            AllocStatus status = ProtoStates.allocStatus(st.getState());
            if (a.terminal() && a.status() != AllocStatus.LOST) continue; // terminal is final
            if (a.terminal() && !status.isTerminal()) continue;
            // Only an operation's tasks carry an output excerpt into the state (its results matrix); at most 1 KiB.
            String output = st.getOutput().isEmpty() || !isOperation(s, a) ? a.output() : cap(st.getOutput(), 1024);
            AllocRecord after = a.withClientStatus(status, st.getExitCode(), st.getMessage(), st.getStartedUnixMs(), st.getFinishedUnixMs(), index, output)
                    .withEvents(workerEvents(a.events(), st.getEventsList()), index);
            if (after.equals(a)) continue;
            s.indexAlloc(after);
            s.notifyAlloc(a, after);
            applied++;
        }
        return ok().toBuilder().setValue(Integer.toString(applied)).build();
    }

    /** Appends a worker's events newer than the ones applied (a resent report repeats some), at most the bound's tail. */
    static AllocEvents workerEvents(AllocEvents have, List<io.muster.proto.AllocEvent> reported) {
        if (reported.isEmpty()) return have; // most reports (the load test's, a heartbeat's re-send) carry none
        List<AllocEvents.Event> added = new ArrayList<>();
        long seq = have.workerSeq();
        for (io.muster.proto.AllocEvent e : reported) {
            if (e.getSeq() <= seq) continue; // already applied, or out of order: a worker numbers them ascending
            seq = e.getSeq();
            AllocEventType type = ProtoStates.allocEventType(e.getType());
            if (type != null) added.add(new AllocEvents.Event(e.getTimeUnixMs(), type, e.getMessage()));
        }
        int cut = Math.max(0, added.size() - AllocEvents.LAST); // more than the bound keeps: only the newest can stay anyway
        return have.append(added.subList(cut, added.size()), seq, cut);
    }

    private static boolean isOperation(StateTx s, AllocRecord a) {
        JobRecord j = s.jobs.get(a.jobId());
        return j != null && j.hasOperation();
    }

    /** The last {@code max} chars of {@code text} (a worker sending more is cut here, deterministically). */
    private static String cap(String text, int max) {
        return text.length() <= max ? text : text.substring(text.length() - max);
    }

    /** Allocations on a lost node: marked lost and no longer wanted there, so the scheduler replaces them. */
    void loseAllocs(StateTx s, long nodeId, String reason, long index) {
        for (AllocRecord a : s.allocsOnNode(nodeId)) {
            if (a.terminal() && !a.desiredRun()) continue;
            AllocRecord after = a.withDesiredStop(reason, index);
            if (!a.terminal()) after = after.withClientStatus(AllocStatus.LOST, a.exitCode(), reason, a.startedAt(), 0, index)
                    .withEvent(new AllocEvents.Event(s.commandTime, AllocEventType.NODE_LOST, "lost with node " + nodeId + ": " + reason), index);
            s.indexAlloc(after);
            if (a.desiredRun()) s.event(nodeId, new Event(index, Kind.DELETE, a.id(), false, 0));
            s.notifyAlloc(a, after);
        }
    }

}
