package io.muster.server.raft;

import io.muster.proto.raft.Command;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;

/** One-line descriptions of Raft log entries for `muster raft log list`; never prints secrets. */
final class LogSummaries {
    private LogSummaries() {}

    static RaftLogView.LogEntry describe(LogEntryProto e) {
        if (e.hasConfigurationEntry()) {
            var peers = e.getConfigurationEntry().getPeersList().stream().map(p -> p.getId().toStringUtf8() + "@" + p.getAddress()).toList();
            return new RaftLogView.LogEntry(e.getIndex(), e.getTerm(), "configuration", "members " + peers);
        }
        if (e.hasMetadataEntry()) return new RaftLogView.LogEntry(e.getIndex(), e.getTerm(), "metadata", "commit index " + e.getMetadataEntry().getCommitIndex());
        if (!e.hasStateMachineLogEntry()) return new RaftLogView.LogEntry(e.getIndex(), e.getTerm(), "noop", "leader no-op");
        try {
            Command c = Command.parseFrom(e.getStateMachineLogEntry().getLogData().toByteArray());
            return new RaftLogView.LogEntry(e.getIndex(), e.getTerm(), c.getKindCase().name().toLowerCase(), summary(c));
        } catch (com.google.protobuf.InvalidProtocolBufferException ex) {
            return new RaftLogView.LogEntry(e.getIndex(), e.getTerm(), "unknown", "undecodable entry");
        }
    }

    /** Counts only: ids are not secrets, but a listing of 10,000 of them is no summary. */
    private static String gc(io.muster.proto.raft.CollectGarbage g) {
        String what = g.getReason().isEmpty() ? "collect garbage" : "collect garbage (" + g.getReason() + ")";
        StringBuilder sb = new StringBuilder(what).append(": ").append(g.getJobIdsCount()).append(" job(s), ")
                .append(g.getAllocIdsCount()).append(" allocation(s), ").append(g.getNodeIdsCount()).append(" node(s), ")
                .append(g.getTokenIdsCount()).append(" token(s)");
        if (g.getPurgeJobIdsCount() > 0) sb.append(", purge ").append(g.getPurgeJobIdsCount()).append(" job(s)");
        return sb.toString();
    }

    private static String operation(io.muster.proto.raft.AdvanceOperation a) {
        StringBuilder sb = new StringBuilder("operation ").append(a.getJobId()).append(" step ").append(a.getStep());
        if (a.getPlaceCount() > 0) sb.append(": start ").append(a.getPlaceCount()).append(" task(s)");
        if (a.getStopCount() > 0) sb.append(", stop ").append(a.getStopCount());
        if (!a.getStatus().isEmpty()) sb.append(", ").append(a.getStatus());
        return sb.toString();
    }

    static String summary(Command c) {
        return switch (c.getKindCase()) {
            case KV_PUT -> "put " + c.getKvPut().getKey() + " (" + c.getKvPut().getValue().size() + " bytes)";
            case INIT_CLUSTER -> "initialize cluster " + c.getInitCluster().getClusterId() + " (CA material, keys not shown)";
            case ANNOUNCE_SERVER -> "server " + c.getAnnounceServer().getServerId() + " api " + c.getAnnounceServer().getApiAddr()
                    + " worker-grpc " + c.getAnnounceServer().getWorkerGrpcAddr();
            case ACL_BOOTSTRAP -> "ACL bootstrap, management token " + c.getAclBootstrap().getAccessorId();
            // Accessor and policy only: never the secret's hash, nor the free-text description.
            case CREATE_ACL_TOKEN -> "ACL token " + c.getCreateAclToken().getAccessorId() + " policy " + c.getCreateAclToken().getPolicy();
            case REVOKE_ACL_TOKEN -> "revoke ACL token " + c.getRevokeAclToken().getAccessorId();
            // Name, key id and size: the sealed value is not shown either.
            case PUT_SECRET -> "put secret " + c.getPutSecret().getName() + " (" + c.getPutSecret().getSize() + " bytes, sealed under keyring key "
                    + c.getPutSecret().getKeyId() + ")";
            case DELETE_SECRET -> "delete secret " + c.getDeleteSecret().getName();
            case CREATE_JOIN_TOKEN -> "join token " + c.getCreateJoinToken().getTokenId() + " max uses " + c.getCreateJoinToken().getMaxUses();
            case REVOKE_JOIN_TOKEN -> "revoke join token " + c.getRevokeJoinToken().getTokenId();
            case REGISTER_NODE -> "register node (token " + c.getRegisterNode().getTokenId() + ", " + c.getRegisterNode().getProfile().getHostname() + ")";
            case REGISTER_NODE_BATCH -> c.getRegisterNodeBatch().getNodesCount() + " node registration(s)";
            case REVOKE_NODE -> "revoke node " + c.getRevokeNode().getNodeId();
            case RECORD_CERTIFICATE -> "certificate for node " + c.getRecordCertificate().getNodeId();
            case NODE_STATE_BATCH -> c.getNodeStateBatch().getChangesCount() + " node state change(s)";
            case SET_NODE_DRAIN -> "node " + c.getSetNodeDrain().getNodeId() + (c.getSetNodeDrain().getComplete() ? " drained" : c.getSetNodeDrain().getEnabled() ? " drain" : " drain cancelled");
            case SET_NODE_ELIGIBILITY -> "node " + c.getSetNodeEligibility().getNodeId() + (c.getSetNodeEligibility().getEligible() ? " eligible" : " ineligible");
            case REGISTER_JOB -> "register job " + c.getRegisterJob().getJobId();
            case STOP_JOB -> "stop job " + c.getStopJob().getJobId();
            case APPLY_PLAN -> "plan for job " + c.getApplyPlan().getJobId() + ": place " + c.getApplyPlan().getPlaceCount() + ", stop " + c.getApplyPlan().getStopCount();
            case ADVANCE_OPERATION -> operation(c.getAdvanceOperation());
            case CANCEL_OPERATION -> "cancel operation " + c.getCancelOperation().getJobId();
            case ALLOC_STATUS_BATCH -> c.getAllocStatusBatch().getUpdatesCount() + " allocation status update(s)";
            case COLLECT_GARBAGE -> gc(c.getCollectGarbage());
            case KIND_NOT_SET -> "empty";
        };
    }
}
