package io.muster.server.state;

import static io.muster.server.state.CommandApplier.fail;
import static io.muster.server.state.CommandApplier.ok;

import io.muster.proto.raft.AdvanceOperation;
import io.muster.proto.raft.CancelOperation;
import io.muster.proto.raft.Command;
import io.muster.proto.raft.CommandResult;
import io.muster.proto.raft.PlannedAlloc;
import io.muster.proto.raft.RegisterJob;
import io.muster.proto.raft.StoppedAlloc;
import io.muster.scheduler.NodeView;
import io.muster.scheduler.OperationPlanner;
import io.muster.scheduler.OperationTargets;
import io.muster.scheduler.Resources;
import io.muster.server.state.NodeEventLog.Event;
import io.muster.server.state.NodeEventLog.Kind;
import io.muster.server.state.Records.AllocRecord;
import io.muster.server.state.Records.ExcludedNode;
import io.muster.server.state.Records.JobRecord;
import io.muster.server.state.Records.NodeRecord;
import io.muster.server.state.Records.OperationRecord;
import io.muster.types.job.ActionCatalog;
import io.muster.types.job.JobSpec;
import io.muster.types.job.JobSpecJson;
import io.muster.types.job.OperationSpec;
import io.muster.types.job.OperationStep;
import io.muster.types.job.OperationTask;
import io.muster.types.state.AllocStatus;
import io.muster.types.state.DrainState;
import io.muster.types.state.OperationStatus;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Operation jobs: registration (the target resolved against the nodes as of this entry, backends and actions checked,
 * the queue limit), the leader's decisions ({@link AdvanceOperation}) and cancellation. Every check is against the
 * state and the command alone, so each server decides alike.
 */
final class OperationCommands {
    private final JobCommands jobs;

    OperationCommands(JobCommands jobs) {
        this.jobs = jobs;
    }

    CommandResult register(StateTx s, RegisterJob r, String specJson, long index) {
        JobRecord old = s.jobs.get(r.getJobId());
        if (old != null && !old.stopped()) {
            if (old.specJson().equals(specJson)) return ok().toBuilder().setValue(Long.toString(old.version())).build();
            return fail("OPERATION_IN_PROGRESS", "job " + old.id() + " is " + (old.hasOperation() ? "an operation still "
                    + old.operation().status().wire() : "a running " + old.type() + " job") + "; cancel it first (muster job cancel "
                    + old.id() + ") or use another id");
        }
        OperationSpec op;
        JobSpec spec;
        try {
            spec = JobSpecJson.fromJson(specJson.getBytes(StandardCharsets.UTF_8));
            op = spec.operation();
        } catch (IllegalArgumentException e) { // JobSpecException too
            return fail("INVALID_SPEC", e.getMessage());
        }
        if (op == null) return fail("INVALID_SPEC", "not an operation spec");
        String unknown = unknownAction(op, s);
        if (unknown != null) return fail("UNKNOWN_ACTION", unknown);
        int waiting = 0;
        int running = 0;
        for (JobRecord j : s.jobs.values()) {
            if (!j.hasOperation()) continue;
            if (j.operation().status() == OperationStatus.QUEUED) waiting++;
            else if (j.operation().status() == OperationStatus.RUNNING) running++;
        }
        int maxQueued = r.getMaxQueuedOperations();
        int free = Math.max(0, r.getMaxRunningOperations() - running);
        if (maxQueued > 0 && waiting >= maxQueued + free)
            return fail("TOO_MANY_OPERATIONS", running + " operations are running and " + waiting + " are queued (limits: max_running "
                    + r.getMaxRunningOperations() + ", max_queued " + maxQueued + "); try again when one has ended");
        OperationTargets.Resolution target;
        try {
            target = OperationTargets.resolve(op, spec.constraints(), candidates(s));
        } catch (IllegalArgumentException e) {
            return fail("NO_SUCH_NODE", e.getMessage());
        }
        if (target.nodes().isEmpty()) {
            StringBuilder why = new StringBuilder("no node of target " + op.target() + " can run this operation");
            if (target.excluded().isEmpty()) why.append(" (the target names no node)");
            else {
                List<String> reasons = new ArrayList<>();
                for (var x : target.excluded().subList(0, Math.min(5, target.excluded().size()))) {
                    NodeRecord n = s.nodes.get(x.nodeId());
                    reasons.add((n == null ? "node " + x.nodeId() : OperationReads.name(n) + " (node " + x.nodeId() + ")") + ": " + x.reason());
                }
                why.append(": ").append(String.join("; ", reasons));
                if (target.excluded().size() > 5) why.append("; and ").append(target.excluded().size() - 5).append(" more");
            }
            return fail("NO_TARGET_NODES", why.toString());
        }
        long version = old == null ? 1 : old.version() + 1;
        List<ExcludedNode> excluded = target.excluded().stream().map(x -> new ExcludedNode(x.nodeId(), x.reason())).toList();
        OperationRecord rec = new OperationRecord(OperationStatus.QUEUED, target.nodes(), excluded, r.getSubmittedUnixMs(), 0, 0, 0, "");
        s.jobs.put(r.getJobId(), new JobRecord(r.getJobId(), "operation", specJson, version, r.getSubmittedUnixMs(), false, List.of(), 0,
                index, rec));
        s.afterCommit(st -> st.listeners.forEach(l -> l.jobChanged(r.getJobId())));
        return ok().toBuilder().setValue(Long.toString(version)).build();
    }

    /** Names an action no built-in backend and no node offers, with the valid ones; null when all are known. */
    private static String unknownAction(OperationSpec op, StateTx s) {
        Map<String, Set<String>> known = new TreeMap<>();
        ActionCatalog.builtIn().forEach((name, b) -> known.put(name, new TreeSet<>(b.actions())));
        for (NodeRecord n : s.nodes.values()) n.backends().forEach((name, actions) -> known.computeIfAbsent(name, k -> new TreeSet<>()).addAll(actions));
        for (int i = 0; i < op.steps().size(); i++) {
            OperationStep step = op.steps().get(i);
            for (int j = 0; j < step.tasks().size(); j++) {
                OperationTask t = step.tasks().get(j);
                if (t.action() == null) continue;
                String where = "steps[" + i + "]" + (step.pipeline() ? ".tasks[" + j + "]" : "");
                Set<String> actions = known.get(t.action().backend());
                if (actions == null)
                    return where + ".backend: unknown backend '" + t.action().backend() + "'; valid: " + String.join(", ", known.keySet());
                if (!actions.contains(t.action().action()))
                    return where + ".action: backend " + t.action().backend() + " has no action '" + t.action().action() + "'; valid: "
                            + String.join(", ", actions);
            }
        }
        return null;
    }

    private static List<OperationTargets.Candidate> candidates(StateTx s) {
        List<OperationTargets.Candidate> out = new ArrayList<>();
        for (NodeRecord n : s.nodes.values()) {
            NodeView v = new NodeView(n.id(), n.state(), n.eligible() && n.drain() == DrainState.NONE, n.os(), n.arch(), n.labels(),
                    new HashSet<>(n.drivers()), new Resources((int) Math.min(Integer.MAX_VALUE, n.cpuMhz()), (int) Math.min(Integer.MAX_VALUE, n.memoryMb())),
                n.limitsEnforced());
            out.add(new OperationTargets.Candidate(v, n.hostname(), n.backends()));
        }
        return out;
    }

    CommandResult advance(StateTx s, Command c, long index) {
        AdvanceOperation a = c.getAdvanceOperation();
        JobRecord j = s.jobs.get(a.getJobId());
        if (j == null) return fail("JOB_NOT_FOUND", "no job with id " + a.getJobId());
        if (!j.hasOperation()) return fail("NOT_AN_OPERATION", "job " + j.id() + " is a " + j.type() + " job");
        if (j.version() != a.getJobVersion()) return fail("STALE_PLAN", "decision for version " + a.getJobVersion() + " but job is at " + j.version());
        OperationRecord op = j.operation();
        if (op.status().isTerminal()) return fail("OPERATION_ENDED", "operation " + j.id() + " already ended " + op.status().wire());
        OperationStatus next = a.getStatus().isEmpty() ? op.status() : OperationStatus.fromWire(a.getStatus());
        if (next == OperationStatus.QUEUED || next == OperationStatus.CANCELLED)
            return fail("INVALID_DECISION", "a decision cannot make an operation " + next.wire());
        if (op.status() == OperationStatus.QUEUED && next != OperationStatus.RUNNING && !a.getPlaceList().isEmpty())
            return fail("INVALID_DECISION", "operation " + j.id() + " is queued: start it before placing tasks");
        // Check every placement before writing anything: the entry applies whole or not at all.
        Set<Long> target = new HashSet<>(op.nodes());
        Set<String> placing = new HashSet<>();
        for (PlannedAlloc p : a.getPlaceList()) {
            String expected = OperationPlanner.allocId(j.id(), j.version(), p.getGroup(), p.getNodeId(), (int) p.getAttempt());
            if (!expected.equals(p.getAllocId())) return fail("INVALID_DECISION", "allocation id " + p.getAllocId() + " should be " + expected);
            if (!target.contains(p.getNodeId())) return fail("INVALID_DECISION", "node " + p.getNodeId() + " is not in the target of " + j.id());
            if (p.getAttempt() > 1) {
                AllocRecord prev = s.alloc(OperationPlanner.allocId(j.id(), j.version(), p.getGroup(), p.getNodeId(), (int) p.getAttempt() - 1));
                if (prev == null || !prev.terminal() || prev.status() == AllocStatus.COMPLETE)
                    return fail("INVALID_DECISION", "attempt " + p.getAttempt() + " of " + p.getGroup() + " on node " + p.getNodeId()
                            + " follows no failed attempt");
            }
            placing.add(p.getAllocId());
        }
        for (StoppedAlloc st : a.getStopList()) {
            AllocRecord x = s.alloc(st.getAllocId());
            if (x != null && x.jobId().equals(j.id())) jobs.stopAlloc(s, x, st.getReason(), index);
        }
        OperationRecord after = op;
        if (op.status() == OperationStatus.QUEUED && next == OperationStatus.RUNNING) after = after.started(a.getDecidedUnixMs());
        after = after.atStep((int) a.getStep());
        int placed = 0;
        for (PlannedAlloc p : a.getPlaceList()) {
            // Already placed (the same decision proposed again, or by an earlier leader): never a second run.
            if (s.hasAlloc(p.getAllocId())) continue;
            AllocRecord x = new AllocRecord(p.getAllocId(), j.id(), j.version(), p.getGroup(), 0, p.getNodeId(), 0, 0, true, "",
                    AllocStatus.PENDING, 0, "", 0, 0, (int) p.getAttempt(), "", index, index, "",
                    AllocEvents.EMPTY.append(new AllocEvents.Event(s.commandTime, io.muster.types.state.AllocEventType.PLACED,
                            placedOn(s.nodes.get(p.getNodeId()), p.getNodeId()))));
            s.indexAlloc(x);
            s.event(p.getNodeId(), new Event(index, Kind.SET, x.id(), false, 0));
            s.notifyAlloc(null, x);
            placed++;
        }
        if (next.isTerminal()) {
            after = after.ended(next, a.getDecidedUnixMs(), a.getReason());
            // Nothing of an ended operation runs on: whatever the decision did not stop is stopped now.
            for (AllocRecord x : s.allocsOfJob(j.id())) if (x.desiredRun() && !x.terminal()) jobs.stopAlloc(s, x, "operation " + next.wire(), index);
        }
        s.jobs.put(j.id(), j.withOperation(after, index));
        s.afterCommit(st -> st.listeners.forEach(l -> l.jobChanged(j.id())));
        return ok().toBuilder().setValue(Integer.toString(placed)).build();
    }

    CommandResult cancel(StateTx s, Command c, long index) {
        CancelOperation cancel = c.getCancelOperation();
        return cancel(s, cancel.getJobId(), cancel.getCancelledUnixMs(), cancel.getReason().isEmpty() ? "cancelled" : cancel.getReason(), index);
    }

    CommandResult cancel(StateTx s, String jobId, long at, String reason, long index) {
        JobRecord j = s.jobs.get(jobId);
        if (j == null) return fail("JOB_NOT_FOUND", "no job with id " + jobId);
        if (!j.hasOperation()) return fail("NOT_AN_OPERATION", "job " + jobId + " is a " + j.type() + " job: stop it with muster job stop " + jobId);
        if (j.operation().status().isTerminal())
            return fail("OPERATION_ENDED", "operation " + jobId + " already ended " + j.operation().status().wire());
        for (AllocRecord x : s.allocsOfJob(jobId)) jobs.stopAlloc(s, x, reason, index);
        s.jobs.put(jobId, j.withOperation(j.operation().ended(OperationStatus.CANCELLED, at, reason), index));
        s.afterCommit(st -> st.listeners.forEach(l -> l.jobChanged(jobId)));
        return ok();
    }

    private static String placedOn(Records.NodeRecord n, long nodeId) {
        return "placed on " + (n == null ? "node " + nodeId : OperationReads.name(n) + " (node " + nodeId + ")");
    }
}
