package io.muster.server.state;

import io.muster.proto.raft.Command;
import io.muster.proto.raft.CommandResult;
import java.util.List;

/**
 * Applies one committed command to {@link ClusterState}: a short dispatcher to the applier of the command's domain
 * (cluster, join tokens, nodes, jobs, ACLs). A pure function of (state, command, index):
 * no clock, no randomness, no I/O — the proposer put every such value into the command. A command that
 * cannot apply returns a failed {@link CommandResult} and leaves the state untouched.
 */
public final class CommandApplier {
    private final ClusterState state;
    private final AclCommands acl = new AclCommands();
    private final ClusterCommands cluster = new ClusterCommands();
    private final JoinTokenCommands tokens = new JoinTokenCommands();
    private final JobCommands jobs = new JobCommands();
    private final NodeCommands nodes = new NodeCommands(jobs);
    private final SecretCommands secrets = new SecretCommands();
    /** The command being applied (apply thread only). */
    private StateTx s;

    public CommandApplier(ClusterState state) {
        this.state = state;
    }

    /**
     * Applies one command as a whole or not at all: its writes go to a transaction over the newest snapshot and are
     * published together, with the index, once the command succeeded; a rejection publishes only the new index. An
     * exception is a bug: it propagates, nothing of the command is visible, and the caller must stop the server.
     */
    public CommandResult apply(Command cmd, long index, long term) {
        ClusterSnapshot before = state.snapshot();
        s = new StateTx(before);
        s.commandTime = cmd.getProposedUnixMs();
        try {
            CommandResult r = switch (cmd.getKindCase()) {
                case KV_PUT -> cluster.kvPut(s, cmd, index);
                case INIT_CLUSTER -> cluster.initCluster(s, cmd);
                case ANNOUNCE_SERVER -> cluster.announce(s, cmd);
                case ACL_BOOTSTRAP -> acl.bootstrap(s, cmd);
                case CREATE_ACL_TOKEN -> acl.create(s, cmd);
                case REVOKE_ACL_TOKEN -> acl.revoke(s, cmd);
                case PUT_SECRET -> secrets.put(s, cmd);
                case DELETE_SECRET -> secrets.delete(s, cmd);
                case CREATE_JOIN_TOKEN -> tokens.createJoinToken(s, cmd);
                case REVOKE_JOIN_TOKEN -> tokens.revokeJoinToken(s, cmd);
                case REGISTER_NODE -> nodes.registerNode(s, cmd, cmd.getRegisterNode());
                case REGISTER_NODE_BATCH -> nodes.registerNodes(s, cmd);
                case REVOKE_NODE -> nodes.revokeNode(s, cmd, index);
                case RECORD_CERTIFICATE -> nodes.recordCertificate(s, cmd);
                case NODE_STATE_BATCH -> nodes.nodeStates(s, cmd, index);
                case SET_NODE_DRAIN -> nodes.setDrain(s, cmd, index);
                case SET_NODE_ELIGIBILITY -> nodes.setEligibility(s, cmd);
                case REGISTER_JOB -> jobs.registerJob(s, cmd, index);
                case STOP_JOB -> jobs.stopJob(s, cmd, index);
                case APPLY_PLAN -> jobs.applyPlan(s, cmd, index);
                case ADVANCE_OPERATION -> jobs.advanceOperation(s, cmd, index);
                case CANCEL_OPERATION -> jobs.cancelOperation(s, cmd, index);
                case ALLOC_STATUS_BATCH -> jobs.allocStatuses(s, cmd, index);
                case COLLECT_GARBAGE -> GcApplier.apply(s, cmd, index);
                case KIND_NOT_SET -> fail("EMPTY_COMMAND", "command has no kind");
            };
            if (r.getOk()) state.publish(s.commit(index, term), s.events(), s.effects());
            else state.publish(before.at(index, term), List.of(), List.of()); // a rejection changes nothing, whatever it wrote first
            return r.toBuilder().setIndex(index).build();
        } finally {
            s = null;
        }
    }

    /** Records the index of an entry that is not a state-machine command (configuration, no-op, undecodable). */
    public void skip(long index, long term) {
        state.publish(state.snapshot().at(index, term), List.of(), List.of());
    }

    static CommandResult ok() {
        return CommandResult.newBuilder().setOk(true).build();
    }

    static CommandResult fail(String code, String message) {
        return CommandResult.newBuilder().setOk(false).setErrorCode(code).setError(message).build();
    }
}
