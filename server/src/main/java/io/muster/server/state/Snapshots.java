package io.muster.server.state;

import java.util.concurrent.CompletableFuture;

/**
 * What readers of the replicated state need: the newest immutable {@link ClusterSnapshot} (one index, safe to keep)
 * and a wait for an index to be applied here (reading one's own write back on a follower).
 */
public interface Snapshots {
    /** The state as of the newest applied entry. */
    ClusterSnapshot snapshot();

    /** The index of {@link #snapshot()}. */
    default long appliedIndex() {
        return snapshot().index();
    }

    /** Completes once this server has applied {@code index}. */
    CompletableFuture<Void> awaitApplied(long index);
}
