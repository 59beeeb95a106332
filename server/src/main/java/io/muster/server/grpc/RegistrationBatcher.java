package io.muster.server.grpc;

import io.muster.proto.raft.Command;
import io.muster.proto.raft.CommandResult;
import io.muster.proto.raft.RegisterNode;
import io.muster.proto.raft.RegisterNodeBatch;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;

/**
 * Group commit for registrations: what arrives while earlier batches are being committed goes into the
 * next Raft entry together. Idle, a registration is proposed at once (no timer, no added latency); under a
 * join storm each entry carries up to {@link #maxBatch} registrations, so the Raft cost per worker falls as
 * the load rises. Each caller gets its own item's result.
 */
final class RegistrationBatcher {
    private record Pending(RegisterNode item, CompletableFuture<CommandResult> done) {}

    private final Function<Command.Builder, CompletableFuture<CommandResult>> propose;
    private final int maxBatch;
    private final int maxInFlight;
    private final int maxQueued;
    private final ArrayDeque<Pending> queue = new ArrayDeque<>();
    private int inFlight;

    /**
     * @param propose     submits one command through Raft (the server's {@code Proposer::propose})
     * @param maxBatch    registrations per entry at most
     * @param maxInFlight entries being committed at once; more registrations wait for one of them
     * @param maxQueued   registrations waiting at most; beyond it, a registration is refused at once (while Raft is slow,
     *                    a join storm would otherwise pile up here without bound)
     */
    RegistrationBatcher(Function<Command.Builder, CompletableFuture<CommandResult>> propose, int maxBatch, int maxInFlight, int maxQueued) {
        if (maxBatch < 1 || maxInFlight < 1 || maxQueued < 1)
            throw new IllegalArgumentException("maxBatch, maxInFlight and maxQueued must be at least 1");
        this.propose = propose;
        this.maxBatch = maxBatch;
        this.maxInFlight = maxInFlight;
        this.maxQueued = maxQueued;
    }

    /**
     * Completes with this registration's own result (ok with the node id, or the refusal), or fails if the entry did not
     * commit — with {@link RejectedExecutionException} when {@code maxQueued} registrations are already waiting.
     */
    CompletableFuture<CommandResult> submit(RegisterNode registration) {
        CompletableFuture<CommandResult> done = new CompletableFuture<>();
        synchronized (this) {
            if (queue.size() >= maxQueued)
                return CompletableFuture.failedFuture(new RejectedExecutionException(queue.size() + " registrations are already waiting"));
            queue.add(new Pending(registration, done));
        }
        flush();
        return done;
    }

    private void flush() {
        List<Pending> batch;
        synchronized (this) {
            if (queue.isEmpty() || inFlight >= maxInFlight) return;
            batch = new ArrayList<>(Math.min(queue.size(), maxBatch));
            while (!queue.isEmpty() && batch.size() < maxBatch) batch.add(queue.poll());
            inFlight++;
        }
        RegisterNodeBatch.Builder b = RegisterNodeBatch.newBuilder();
        batch.forEach(p -> b.addNodes(p.item()));
        CompletableFuture<CommandResult> committed;
        try {
            committed = propose.apply(Command.newBuilder().setRegisterNodeBatch(b));
        } catch (RuntimeException e) {
            committed = CompletableFuture.failedFuture(e);
        }
        committed.whenComplete((r, e) -> {
            synchronized (this) {
                inFlight--;
            }
            for (int i = 0; i < batch.size(); i++) {
                CompletableFuture<CommandResult> done = batch.get(i).done();
                if (e != null) done.completeExceptionally(e);
                else if (!r.getOk()) done.complete(r); // the whole entry was refused: every item shares the reason
                else if (i < r.getItemsCount()) done.complete(r.getItems(i).toBuilder().setIndex(r.getIndex()).build());
                else done.completeExceptionally(new IllegalStateException("registration batch answered " + r.getItemsCount()
                        + " results for " + batch.size() + " registrations"));
            }
            flush();
        });
    }

    synchronized int queued() {
        return queue.size();
    }
}
