package io.muster.server;

import io.muster.proto.raft.Command;
import io.muster.proto.raft.CommandResult;
import io.muster.server.state.Snapshots;
import java.util.concurrent.CompletableFuture;

/** Submits commands through Raft, stamped with the proposer's clock; the future completes with the applied result. */
@FunctionalInterface
public interface Proposer {
    CompletableFuture<CommandResult> propose(Command.Builder command);

    /** Like {@link #propose}, completing only once this server has applied the entry, so it can read it back. */
    default CompletableFuture<CommandResult> proposeAndApply(Command.Builder command, Snapshots snapshots) {
        return propose(command).thenCompose(r -> snapshots.awaitApplied(r.getIndex()).thenApply(v -> r));
    }
}
