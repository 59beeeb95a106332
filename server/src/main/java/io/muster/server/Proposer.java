package io.muster.server;

import io.muster.proto.raft.Command;
import io.muster.proto.raft.CommandResult;
import io.muster.server.raft.RaftNode;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;

/** Stamps commands with the proposer's clock and submits them through Raft. */
public final class Proposer {
    private final RaftNode raft;
    private final Clock clock;

    public Proposer(RaftNode raft, Clock clock) {
        this.raft = raft;
        this.clock = clock;
    }

    public CompletableFuture<CommandResult> propose(Command.Builder command) {
        return raft.submit(command.setProposedUnixMs(clock.millis()).build());
    }

    /** Like {@link #propose}, completing only once this server has applied the entry, so it can read it back. */
    public CompletableFuture<CommandResult> proposeAndApply(Command.Builder command, io.muster.server.state.ClusterState state) {
        return propose(command).thenCompose(r -> state.awaitApplied(r.getIndex()).thenApply(v -> r));
    }
}
