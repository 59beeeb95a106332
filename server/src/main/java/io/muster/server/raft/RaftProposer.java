package io.muster.server.raft;

import io.muster.proto.raft.Command;
import io.muster.proto.raft.CommandResult;
import io.muster.server.Failures;
import io.muster.server.Proposer;
import java.io.IOException;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Proposes commands through a Ratis client (Ratis routes it to the leader, so any server accepts writes), stamped
 * with this server's clock. Replaces the client when Ratis has closed its request window.
 */
public final class RaftProposer implements Proposer, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RaftProposer.class);
    private final Clock clock;
    private final Function<List<RaftPeer>, RaftClient> clients;
    private final Supplier<List<RaftPeer>> currentPeers;
    private volatile RaftClient client;

    /**
     * @param clients      builds a client of the given peers
     * @param initialPeers the peers the first client starts with
     * @param currentPeers the current configuration's peers (a replacement client's group, the quorum in errors)
     */
    RaftProposer(Clock clock, Function<List<RaftPeer>, RaftClient> clients, List<RaftPeer> initialPeers, Supplier<List<RaftPeer>> currentPeers) {
        this.clock = clock;
        this.clients = clients;
        this.currentPeers = currentPeers;
        this.client = clients.apply(initialPeers);
    }

    @Override
    public CompletableFuture<CommandResult> propose(Command.Builder command) {
        return submit(command.setProposedUnixMs(clock.millis()).build());
    }

    /** Proposes a command as it is (no clock stamp); completes with the applied result or a {@link RaftUnavailableException}. */
    public CompletableFuture<CommandResult> submit(Command command) {
        RaftClient c = client;
        return c.async().send(Message.valueOf(UnsafeByteOperations.unsafeWrap(command.toByteArray())))
                .handle((reply, err) -> {
                    if (err != null) {
                        if (windowClosed(err)) replaceClient(c);
                        throw new CompletionException(unavailable(err));
                    }
                    if (!reply.isSuccess()) throw new CompletionException(unavailable(reply.getException()));
                    try {
                        return CommandResult.parseFrom(reply.getMessage().getContent().toByteArray());
                    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                        throw new CompletionException(e);
                    }
                });
    }

    /** The client proposals go through now (snapshots are requested through it too). */
    RaftClient client() {
        return client;
    }

    /**
     * Ratis fails an ordered client's whole sliding window when one request runs out of retries, and every
     * later send through that client fails with AlreadyClosedException: this server could never propose again.
     */
    private static boolean windowClosed(Throwable err) {
        for (Throwable t = err; t != null; t = t.getCause()) {
            if (t instanceof org.apache.ratis.protocol.exceptions.AlreadyClosedException
                    || t instanceof org.apache.ratis.protocol.exceptions.RaftRetryFailureException) return true;
        }
        return false;
    }

    private synchronized void replaceClient(RaftClient broken) {
        if (client != broken) return;
        LOG.warn("the Raft client's request window was closed after a failed request; replacing the client");
        client = clients.apply(currentPeers.get());
        try {
            broken.close();
        } catch (IOException e) {
            LOG.debug("closing the replaced raft client", e);
        }
    }

    private RaftUnavailableException unavailable(Throwable err) {
        Throwable cause = Failures.cause(err);
        String detail = cause == null ? "unknown" : cause.getClass().getSimpleName() + (cause.getMessage() != null ? ": " + firstLine(cause.getMessage()) : "");
        int members = currentPeers.get().size();
        return new RaftUnavailableException("the write was not committed: no leader with a quorum of " + (members / 2 + 1) + " of "
                + members + " servers could be reached (" + detail + ")", cause);
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    @Override
    public void close() {
        try {
            client.close();
        } catch (IOException e) {
            LOG.debug("closing raft client", e);
        }
    }
}
