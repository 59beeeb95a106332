package io.muster.server.state;

import static io.muster.server.state.CommandApplier.fail;
import static io.muster.server.state.CommandApplier.ok;

import io.muster.proto.NodeProfile;
import io.muster.proto.raft.Command;
import io.muster.proto.raft.CommandResult;
import io.muster.proto.raft.NodeStateChange;
import io.muster.proto.raft.RegisterNode;
import io.muster.server.state.NodeEventLog.Event;
import io.muster.server.state.NodeEventLog.Kind;
import io.muster.server.state.Records.AllocRecord;
import io.muster.server.state.Records.JoinTokenRecord;
import io.muster.server.state.Records.NodeRecord;
import io.muster.types.state.DrainState;
import io.muster.types.state.NodeStatus;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeMap;

/** Worker nodes: registration (with its certificate), state changes, drain, eligibility, revocation. */
final class NodeCommands {
    private final JobCommands jobs;

    NodeCommands(JobCommands jobs) {
        this.jobs = jobs;
    }

    CommandResult registerNodes(StateTx s, Command c) {
        CommandResult.Builder all = ok().toBuilder();
        for (RegisterNode r : c.getRegisterNodeBatch().getNodesList()) all.addItems(registerNode(s, c, r));
        return all.build();
    }

    CommandResult registerNode(StateTx s, Command c, RegisterNode r) {
        String keyHash = HexFormat.of().formatHex(r.getPublicKeySha256().toByteArray());
        JoinTokenRecord t = s.joinTokens.get(r.getTokenId());
        if (t == null) return fail("TOKEN_UNKNOWN", "join token " + r.getTokenId() + " is not known to this cluster");
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
        NodeRecord n = new NodeRecord(id, NodeStatus.INITIALIZING, true, p.getOs(), p.getArch(), new TreeMap<>(p.getLabelsMap()),
                p.getCpuCores(), p.getCpuMhz(), p.getMemoryMb(), List.copyOf(p.getDriversList()), p.getHostname(), p.getVersion(),
                t.id(), keyHash, r.getRegisteredUnixMs(), r.getRegisteredUnixMs(), DrainState.NONE, 0, "", r.getCertSerialHex(), r.getCertNotAfterUnixMs(), "", backends(p),
                p.getLimitsEnforced(), p.getLimitsDetail());
        s.putNode(n);
        s.notifyNode(null, n);
        return ok().toBuilder().setNodeId(id).build();
    }

    CommandResult revokeNode(StateTx s, Command c, long index) {
        var r = c.getRevokeNode();
        NodeRecord n = s.nodes.get(r.getNodeId());
        if (n == null) return fail("NODE_NOT_FOUND", "no node with id " + r.getNodeId());
        if (n.state() == NodeStatus.REVOKED) return ok();
        NodeRecord after = n.withRevoked(r.getReason(), c.getProposedUnixMs());
        s.putNode(after);
        jobs.loseAllocs(s, n.id(), "node revoked", index);
        s.notifyNode(n, after);
        s.afterCommit(st -> st.listeners.forEach(l -> l.nodeRevoked(n.id())));
        return ok();
    }

    CommandResult recordCertificate(StateTx s, Command c) {
        var r = c.getRecordCertificate();
        NodeRecord n = s.nodes.get(r.getNodeId());
        if (n == null) return fail("NODE_NOT_FOUND", "no node with id " + r.getNodeId());
        if (n.state() == NodeStatus.REVOKED) return fail("NODE_REVOKED", "node " + n.id() + " is revoked");
        s.putNode(n.withCert(r.getSerialHex(), r.getNotAfterUnixMs()));
        return ok();
    }

    CommandResult nodeStates(StateTx s, Command c, long index) {
        for (NodeStateChange ch : c.getNodeStateBatch().getChangesList()) {
            NodeRecord n = s.nodes.get(ch.getNodeId());
            if (n == null || n.state() == NodeStatus.REVOKED) continue;
            NodeRecord after = n;
            if (ch.hasProfile()) {
                NodeProfile p = ch.getProfile();
                after = after.withProfile(p.getOs(), p.getArch(), new TreeMap<>(p.getLabelsMap()), p.getCpuCores(), p.getCpuMhz(),
                        p.getMemoryMb(), List.copyOf(p.getDriversList()), p.getHostname(), p.getVersion(), backends(p),
                        p.getLimitsEnforced(), p.getLimitsDetail());
            }
            // Empty: only the profile changed. (A name this server does not know changes nothing either.)
            NodeStatus target = ProtoStates.nodeStatus(ch.getState()).orElse(null);
            // A node that comes back while a drain is still in force is draining, not ready.
            if (target == NodeStatus.READY && after.drain() == DrainState.DRAINING) target = NodeStatus.DRAINING;
            if (target != null && target != after.state()) after = after.withState(target, ch.getAtUnixMs());
            if (after.equals(n)) continue;
            s.putNode(after);
            if (after.state() == NodeStatus.DOWN && n.state() != NodeStatus.DOWN) jobs.loseAllocs(s, n.id(), "node down", index);
            s.notifyNode(n, after);
        }
        return ok();
    }

    CommandResult setDrain(StateTx s, Command c, long index) {
        var d = c.getSetNodeDrain();
        NodeRecord n = s.nodes.get(d.getNodeId());
        if (n == null) return fail("NODE_NOT_FOUND", "no node with id " + d.getNodeId());
        if (n.state() == NodeStatus.REVOKED) return fail("NODE_REVOKED", "node " + n.id() + " is revoked");
        NodeRecord after;
        if (d.getComplete()) {
            if (n.drain() != DrainState.DRAINING) return ok();
            // Drained means nothing of ours is left there, whatever the worker believes.
            if (s.allocsOnNode(n.id()).stream().anyMatch(AllocRecord::holdsResources))
                return fail("NODE_STILL_RUNNING", "node " + n.id() + " still runs allocations; the drain completes when they have stopped");
            after = n.withDrain(DrainState.COMPLETE, 0).withEligible(false);
            if (n.state() == NodeStatus.DRAINING) after = after.withState(NodeStatus.READY, c.getProposedUnixMs());
        } else if (d.getEnabled()) {
            after = n.withDrain(DrainState.DRAINING, d.getDeadlineUnixMs()).withEligible(false);
            if (n.state() == NodeStatus.READY || n.state() == NodeStatus.INITIALIZING)
                after = after.withState(NodeStatus.DRAINING, c.getProposedUnixMs());
            s.event(n.id(), new Event(index, Kind.DRAIN, "", true, d.getDeadlineUnixMs()));
        } else {
            after = n.withDrain(DrainState.NONE, 0).withEligible(true);
            if (n.state() == NodeStatus.DRAINING) after = after.withState(NodeStatus.READY, c.getProposedUnixMs());
            s.event(n.id(), new Event(index, Kind.DRAIN, "", false, 0));
        }
        s.putNode(after);
        s.notifyNode(n, after);
        return ok();
    }

    CommandResult setEligibility(StateTx s, Command c) {
        var e = c.getSetNodeEligibility();
        NodeRecord n = s.nodes.get(e.getNodeId());
        if (n == null) return fail("NODE_NOT_FOUND", "no node with id " + e.getNodeId());
        if (n.state() == NodeStatus.REVOKED) return fail("NODE_REVOKED", "node " + n.id() + " is revoked");
        if (e.getEligible() && n.drain() == DrainState.DRAINING)
            return fail("NODE_DRAINING", "node " + n.id() + " is draining; cancel the drain first");
        NodeRecord after = n.withEligible(e.getEligible());
        s.putNode(after);
        s.notifyNode(n, after);
        return ok();
    }


    /** The profile's action backends, sorted by name (a worker may send them in any order). */
    static java.util.Map<String, List<String>> backends(io.muster.proto.NodeProfile p) {
        java.util.Map<String, List<String>> out = new TreeMap<>();
        for (io.muster.proto.BackendInfo b : p.getBackendsList()) out.put(b.getName(), List.copyOf(b.getActionsList()));
        return java.util.Collections.unmodifiableMap(out);
    }
}
