package io.muster.server.state;

import io.muster.proto.AllocStatus;
import io.muster.proto.NodeProfile;
import io.muster.proto.raft.AllocStatusUpdate;
import io.muster.proto.raft.Command;
import io.muster.proto.raft.CommandResult;
import io.muster.proto.raft.GroupFailure;
import io.muster.proto.raft.NodeStateChange;
import io.muster.proto.raft.PlannedAlloc;
import io.muster.proto.raft.RegisterNode;
import io.muster.proto.raft.StoppedAlloc;
import io.muster.server.state.NodeEventLog.Event;
import io.muster.server.state.NodeEventLog.Kind;
import io.muster.server.state.Records.AllocRecord;
import io.muster.server.state.Records.ClusterIdentity;
import io.muster.server.state.Records.GroupFailureRecord;
import io.muster.server.state.Records.JobRecord;
import io.muster.server.state.Records.JoinTokenRecord;
import io.muster.server.state.Records.KvEntry;
import io.muster.server.state.Records.NodeRecord;
import io.muster.server.state.Records.ServerRecord;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Applies one committed command to {@link ClusterState}. A pure function of (state, command, index):
 * no clock, no randomness, no I/O — the proposer put every such value into the command. A command that
 * cannot apply returns a failed {@link CommandResult} and leaves the state untouched.
 */
public final class CommandApplier {
    private final ClusterState s;
    private final AclCommands acl;

    public CommandApplier(ClusterState state) {
        this.s = state;
        this.acl = new AclCommands(state);
    }

    public CommandResult apply(Command cmd, long index, long term) {
        CommandResult r;
        try {
            r = switch (cmd.getKindCase()) {
                case KV_PUT -> kvPut(cmd, index);
                case INIT_CLUSTER -> initCluster(cmd);
                case ANNOUNCE_SERVER -> announce(cmd);
                case ACL_BOOTSTRAP -> acl.bootstrap(cmd);
                case CREATE_ACL_TOKEN -> acl.create(cmd);
                case REVOKE_ACL_TOKEN -> acl.revoke(cmd);
                case CREATE_JOIN_TOKEN -> createJoinToken(cmd);
                case REVOKE_JOIN_TOKEN -> revokeJoinToken(cmd);
                case REGISTER_NODE -> registerNode(cmd, cmd.getRegisterNode());
                case REGISTER_NODE_BATCH -> registerNodes(cmd);
                case REVOKE_NODE -> revokeNode(cmd, index);
                case RECORD_CERTIFICATE -> recordCertificate(cmd);
                case NODE_STATE_BATCH -> nodeStates(cmd, index);
                case SET_NODE_DRAIN -> setDrain(cmd, index);
                case SET_NODE_ELIGIBILITY -> setEligibility(cmd);
                case REGISTER_JOB -> registerJob(cmd, index);
                case STOP_JOB -> stopJob(cmd, index);
                case APPLY_PLAN -> applyPlan(cmd, index);
                case ALLOC_STATUS_BATCH -> allocStatuses(cmd, index);
                case COLLECT_GARBAGE -> GcApplier.apply(s, cmd, index);
                case KIND_NOT_SET -> fail("EMPTY_COMMAND", "command has no kind");
            };
        } finally {
            s.appliedIndex = index;
            s.appliedTerm = term;
        }
        for (StateListener l : s.listeners) l.applied(index);
        s.releaseApplied(index);
        s.releaseNodeIds();
        return r.toBuilder().setIndex(index).build();
    }

    /** Records the index of an entry that is not a state-machine command (configuration, no-op). */
    public void skip(long index, long term) {
        s.appliedIndex = index;
        s.appliedTerm = term;
        for (StateListener l : s.listeners) l.applied(index);
        s.releaseApplied(index);
    }

    static CommandResult ok() {
        return CommandResult.newBuilder().setOk(true).build();
    }

    static CommandResult fail(String code, String message) {
        return CommandResult.newBuilder().setOk(false).setErrorCode(code).setError(message).build();
    }

    private CommandResult kvPut(Command c, long index) {
        s.kv.put(c.getKvPut().getKey(), new KvEntry(c.getKvPut().getKey(), c.getKvPut().getValue().toByteArray(), index));
        return ok();
    }

    private CommandResult initCluster(Command c) {
        if (s.identity != null) return fail("ALREADY_INITIALIZED", "cluster " + s.identity.clusterId() + " is already initialized");
        var i = c.getInitCluster();
        if (InitClusters.carriesPlaintextKeys(i)) return fail("PLAINTEXT_KEYS", "InitCluster must carry its keys sealed");
        if (i.getSealedKeys().isEmpty()) return fail("NO_KEYS", "InitCluster carries no sealed CA keys");
        s.identity = new ClusterIdentity(i.getClusterId(), i.getClusterCaCertDer().toByteArray(), i.getWorkerCaCertDer().toByteArray(),
                i.getSealedKeys().toByteArray(), i.getCreatedUnixMs());
        return ok().toBuilder().setValue(i.getClusterId()).build();
    }

    private CommandResult announce(Command c) {
        var a = c.getAnnounceServer();
        s.servers.put(a.getServerId(), new ServerRecord(a.getServerId(), a.getApiAddr(), a.getWorkerGrpcAddr(), a.getRaftAddr(), a.getVersion()));
        return ok();
    }

    private CommandResult createJoinToken(Command c) {
        var t = c.getCreateJoinToken();
        if (s.joinTokens.containsKey(t.getTokenId())) return fail("TOKEN_EXISTS", "token id " + t.getTokenId() + " already exists");
        s.joinTokens.put(t.getTokenId(), new JoinTokenRecord(t.getTokenId(), t.getExpiresUnixMs(), t.getMaxUses(), 0,
                Map.copyOf(t.getLabelsMap()), t.getCreatedUnixMs(), false, t.getDescription()));
        return ok();
    }

    private CommandResult revokeJoinToken(Command c) {
        String id = c.getRevokeJoinToken().getTokenId();
        JoinTokenRecord t = s.joinTokens.get(id);
        if (t == null) return fail("TOKEN_NOT_FOUND", "no bootstrap token with id " + id);
        s.joinTokens.put(id, new JoinTokenRecord(t.id(), t.expiresAt(), t.maxUses(), t.uses(), t.labels(), t.createdAt(), true, t.description()));
        return ok();
    }

    private CommandResult registerNodes(Command c) {
        CommandResult.Builder all = ok().toBuilder();
        for (RegisterNode r : c.getRegisterNodeBatch().getNodesList()) all.addItems(registerNode(c, r));
        return all.build();
    }

    private CommandResult registerNode(Command c, RegisterNode r) {
        String keyHash = HexFormat.of().formatHex(r.getPublicKeySha256().toByteArray());
        JoinTokenRecord t = s.joinTokens.get(r.getTokenId());
        if (t == null) return fail("TOKEN_UNKNOWN", "bootstrap token " + r.getTokenId() + " is not known to this cluster");
        // A retry of a registration that committed (the worker never saw the answer) is the same registration;
        // the proposer issues a new leaf for it, so that leaf is the one on record.
        NodeRecord known = s.nodeByPublicKey(keyHash).orElse(null);
        if (JoinRules.isRetry(t, known)) {
            if (!r.getCertSerialHex().isEmpty()) s.putNode(known.withCert(r.getCertSerialHex(), r.getCertNotAfterUnixMs()));
            return ok().toBuilder().setNodeId(known.id()).build();
        }
        var refusal = JoinRules.refusal(t, c.getProposedUnixMs());
        if (refusal.isPresent()) return fail(refusal.get().code(), refusal.get().message());
        long id = s.nextNodeId++;
        s.joinTokens.put(t.id(), new JoinTokenRecord(t.id(), t.expiresAt(), t.maxUses(), t.uses() + 1, t.labels(), t.createdAt(), t.revoked(), t.description()));
        NodeProfile p = r.getProfile();
        NodeRecord n = new NodeRecord(id, NodeStates.INITIALIZING, true, p.getOs(), p.getArch(), new TreeMap<>(p.getLabelsMap()),
                p.getCpuCores(), p.getCpuMhz(), p.getMemoryMb(), List.copyOf(p.getDriversList()), p.getHostname(), p.getVersion(),
                t.id(), keyHash, r.getRegisteredUnixMs(), r.getRegisteredUnixMs(), "none", 0, "", r.getCertSerialHex(), r.getCertNotAfterUnixMs(), "");
        s.putNode(n);
        notifyNode(null, n);
        return ok().toBuilder().setNodeId(id).build();
    }

    private CommandResult revokeNode(Command c, long index) {
        var r = c.getRevokeNode();
        NodeRecord n = s.nodes.get(r.getNodeId());
        if (n == null) return fail("NODE_NOT_FOUND", "no node with id " + r.getNodeId());
        if (NodeStates.REVOKED.equals(n.state())) return ok();
        NodeRecord after = n.withRevoked(r.getReason(), c.getProposedUnixMs());
        s.putNode(after);
        loseAllocs(n.id(), "node revoked", index);
        notifyNode(n, after);
        for (StateListener l : s.listeners) l.nodeRevoked(n.id());
        return ok();
    }

    private CommandResult recordCertificate(Command c) {
        var r = c.getRecordCertificate();
        NodeRecord n = s.nodes.get(r.getNodeId());
        if (n == null) return fail("NODE_NOT_FOUND", "no node with id " + r.getNodeId());
        if (NodeStates.REVOKED.equals(n.state())) return fail("NODE_REVOKED", "node " + n.id() + " is revoked");
        s.putNode(n.withCert(r.getSerialHex(), r.getNotAfterUnixMs()));
        return ok();
    }

    private CommandResult nodeStates(Command c, long index) {
        for (NodeStateChange ch : c.getNodeStateBatch().getChangesList()) {
            NodeRecord n = s.nodes.get(ch.getNodeId());
            if (n == null || NodeStates.REVOKED.equals(n.state())) continue;
            NodeRecord after = n;
            if (ch.hasProfile()) {
                NodeProfile p = ch.getProfile();
                after = after.withProfile(p.getOs(), p.getArch(), new TreeMap<>(p.getLabelsMap()), p.getCpuCores(), p.getCpuMhz(),
                        p.getMemoryMb(), List.copyOf(p.getDriversList()), p.getHostname(), p.getVersion());
            }
            String target = ch.getState();
            // A node that comes back while a drain is still in force is draining, not ready.
            if (NodeStates.READY.equals(target) && "draining".equals(after.drain())) target = NodeStates.DRAINING;
            if (!target.isEmpty() && !target.equals(after.state())) after = after.withState(target, ch.getAtUnixMs());
            if (after.equals(n)) continue;
            s.putNode(after);
            if (NodeStates.DOWN.equals(after.state()) && !NodeStates.DOWN.equals(n.state())) loseAllocs(n.id(), "node down", index);
            notifyNode(n, after);
        }
        return ok();
    }

    /** Allocations on a lost node: marked lost and no longer wanted there, so the scheduler replaces them. */
    private void loseAllocs(long nodeId, String reason, long index) {
        for (AllocRecord a : s.allocsOnNode(nodeId)) {
            if (a.terminal() && !a.desiredRun()) continue;
            AllocRecord after = a.withDesiredStop(reason, index);
            if (!a.terminal()) after = after.withClientStatus(AllocStates.LOST, a.exitCode(), reason, a.startedAt(), 0, index);
            s.allocs.put(a.id(), after);
            if (a.desiredRun()) event(nodeId, new Event(index, Kind.DELETE, a.id(), false, 0));
            notifyAlloc(a, after);
        }
    }

    private CommandResult setDrain(Command c, long index) {
        var d = c.getSetNodeDrain();
        NodeRecord n = s.nodes.get(d.getNodeId());
        if (n == null) return fail("NODE_NOT_FOUND", "no node with id " + d.getNodeId());
        if (NodeStates.REVOKED.equals(n.state())) return fail("NODE_REVOKED", "node " + n.id() + " is revoked");
        NodeRecord after;
        if (d.getComplete()) {
            if (!"draining".equals(n.drain())) return ok();
            // Drained means nothing of ours is left there, whatever the worker believes.
            if (s.allocsOnNode(n.id()).stream().anyMatch(AllocRecord::holdsResources))
                return fail("NODE_STILL_RUNNING", "node " + n.id() + " still runs allocations; the drain completes when they have stopped");
            after = n.withDrain("complete", 0).withEligible(false);
            if (NodeStates.DRAINING.equals(n.state())) after = after.withState(NodeStates.READY, c.getProposedUnixMs());
        } else if (d.getEnabled()) {
            after = n.withDrain("draining", d.getDeadlineUnixMs()).withEligible(false);
            if (NodeStates.READY.equals(n.state()) || NodeStates.INITIALIZING.equals(n.state()))
                after = after.withState(NodeStates.DRAINING, c.getProposedUnixMs());
            event(n.id(), new Event(index, Kind.DRAIN, "", true, d.getDeadlineUnixMs()));
        } else {
            after = n.withDrain("none", 0).withEligible(true);
            if (NodeStates.DRAINING.equals(n.state())) after = after.withState(NodeStates.READY, c.getProposedUnixMs());
            event(n.id(), new Event(index, Kind.DRAIN, "", false, 0));
        }
        s.putNode(after);
        notifyNode(n, after);
        return ok();
    }

    private CommandResult setEligibility(Command c) {
        var e = c.getSetNodeEligibility();
        NodeRecord n = s.nodes.get(e.getNodeId());
        if (n == null) return fail("NODE_NOT_FOUND", "no node with id " + e.getNodeId());
        if (NodeStates.REVOKED.equals(n.state())) return fail("NODE_REVOKED", "node " + n.id() + " is revoked");
        if (e.getEligible() && "draining".equals(n.drain()))
            return fail("NODE_DRAINING", "node " + n.id() + " is draining; cancel the drain first");
        NodeRecord after = n.withEligible(e.getEligible());
        s.putNode(after);
        notifyNode(n, after);
        return ok();
    }

    private CommandResult registerJob(Command c, long index) {
        var r = c.getRegisterJob();
        JobRecord old = s.jobs.get(r.getJobId());
        String spec = r.getSpecJson().toStringUtf8();
        String type = JobSpecFacts.type(spec);
        if (old == null || old.stopped()) {
            long pending = s.jobs.values().stream().filter(j -> !j.stopped() && j.modifyIndex() == 0).count();
            if (r.getMaxPendingJobs() > 0 && pending >= r.getMaxPendingJobs())
                return fail("TOO_MANY_PENDING_JOBS", "the cluster already has " + pending + " jobs waiting to be placed (limit "
                        + r.getMaxPendingJobs() + "); try again when they are placed, or raise max_pending_jobs");
        }
        if (old != null && !old.stopped() && old.specJson().equals(spec))
            return ok().toBuilder().setValue(Long.toString(old.version())).build();
        long version = old == null ? 1 : old.version() + 1;
        if (old != null) {
            // A changed spec replaces every allocation of the old version.
            for (AllocRecord a : s.allocsOfJob(old.id())) stopAlloc(a, "job updated", index);
        }
        s.jobs.put(r.getJobId(), new JobRecord(r.getJobId(), type, spec, version, r.getSubmittedUnixMs(), false, List.of(), 0, 0));
        for (StateListener l : s.listeners) l.jobChanged(r.getJobId());
        return ok().toBuilder().setValue(Long.toString(version)).build();
    }

    private CommandResult stopJob(Command c, long index) {
        String id = c.getStopJob().getJobId();
        JobRecord j = s.jobs.get(id);
        if (j == null) return fail("JOB_NOT_FOUND", "no job with id " + id);
        s.jobs.put(id, j.withStopped(index));
        for (AllocRecord a : s.allocsOfJob(id)) stopAlloc(a, "job stopped", index);
        for (StateListener l : s.listeners) l.jobChanged(id);
        return ok();
    }

    private void stopAlloc(AllocRecord a, String reason, long index) {
        if (!a.desiredRun()) return;
        AllocRecord after = a.withDesiredStop(reason, index);
        // Never started anywhere: nothing will report it stopped, so it is stopped now.
        if (AllocStates.PENDING.equals(a.status())) after = after.withClientStatus(AllocStates.STOPPED, 0, reason, 0, 0, index);
        s.allocs.put(a.id(), after);
        event(a.nodeId(), new Event(index, Kind.DELETE, a.id(), false, 0));
        notifyAlloc(a, after);
    }

    private CommandResult applyPlan(Command c, long index) {
        var p = c.getApplyPlan();
        JobRecord j = s.jobs.get(p.getJobId());
        if (j == null) return fail("JOB_NOT_FOUND", "no job with id " + p.getJobId());
        if (j.version() != p.getJobVersion()) return fail("STALE_PLAN", "plan for version " + p.getJobVersion() + " but job is at " + j.version());
        for (StoppedAlloc st : p.getStopList()) {
            AllocRecord a = s.allocs.get(st.getAllocId());
            if (a != null) stopAlloc(a, st.getReason(), index);
        }
        int skipped = 0;
        if (!j.stopped()) {
            boolean perNode = perNode(j);
            java.util.Set<Slot> live = liveSlots(j, perNode);
            for (PlannedAlloc pa : p.getPlaceList()) {
                NodeRecord n = s.nodes.get(pa.getNodeId());
                if (n == null || !n.schedulable() || s.allocs.containsKey(pa.getAllocId())) {
                    skipped++; // the node changed since the plan was made: the next evaluation places it
                    continue;
                }
                if (!live.add(slot(pa.getGroup(), pa.getIndex(), pa.getNodeId(), perNode))) {
                    skipped++; // the slot already has a live allocation (a plan made before another one committed)
                    continue;
                }
                AllocRecord a = new AllocRecord(pa.getAllocId(), pa.getJobId(), j.version(), pa.getGroup(), pa.getIndex(), pa.getNodeId(),
                        pa.getCpu(), pa.getMemoryMb(), true, "", AllocStates.PENDING, 0, "", 0, 0, pa.getAttempt(),
                        pa.getPreviousAllocId(), index, index);
                s.indexAlloc(a);
                event(pa.getNodeId(), new Event(index, Kind.SET, a.id(), false, 0));
                notifyAlloc(null, a);
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
    private java.util.Set<Slot> liveSlots(JobRecord j, boolean perNode) {
        java.util.Set<Slot> live = new java.util.HashSet<>();
        for (AllocRecord a : s.allocsOfJob(j.id())) {
            if (a.jobVersion() == j.version() && a.desiredRun() && !a.terminal())
                live.add(slot(a.group(), a.index(), a.nodeId(), perNode));
        }
        return live;
    }

    private CommandResult allocStatuses(Command c, long index) {
        int applied = 0;
        for (AllocStatusUpdate u : c.getAllocStatusBatch().getUpdatesList()) {
            AllocStatus st = u.getStatus();
            AllocRecord a = s.allocs.get(st.getAllocId());
            if (a == null || a.nodeId() != u.getNodeId()) continue; // a worker speaks only for its own allocations
            String status = AllocStates.of(st.getState());
            if (a.terminal() && !AllocStates.LOST.equals(a.status())) continue; // terminal is final
            if (a.terminal() && !AllocStates.isTerminal(status)) continue;
            AllocRecord after = a.withClientStatus(status, st.getExitCode(), st.getMessage(), st.getStartedUnixMs(), st.getFinishedUnixMs(), index);
            if (after.equals(a)) continue;
            s.allocs.put(a.id(), after);
            notifyAlloc(a, after);
            applied++;
        }
        return ok().toBuilder().setValue(Integer.toString(applied)).build();
    }

    private void event(long nodeId, Event e) {
        s.eventLog(nodeId).append(e);
        for (StateListener l : s.listeners) l.nodeEvents(nodeId, e.revision());
    }

    private void notifyNode(NodeRecord before, NodeRecord after) {
        for (StateListener l : s.listeners) l.nodeChanged(before, after);
    }

    private void notifyAlloc(AllocRecord before, AllocRecord after) {
        for (StateListener l : s.listeners) l.allocChanged(before, after);
    }
}
