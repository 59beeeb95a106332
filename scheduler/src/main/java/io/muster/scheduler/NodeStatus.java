package io.muster.scheduler;

/** Lifecycle of a worker node as the servers see it. */
public enum NodeStatus {
    /** Registered, not yet reporting healthy: receives nothing yet; its allocations (if any) are kept. */
    INITIALIZING,
    /** Healthy: may receive allocations when also eligible. */
    READY,
    /** Being emptied: receives nothing; service/batch allocations migrate, system allocations stop. */
    DRAINING,
    /** Missed its heartbeats: its allocations are lost and replaced elsewhere. */
    DOWN,
    /** Credentials revoked: treated like DOWN, for good. */
    REVOKED;

    /** Whether allocations on a node in this state are gone (the node is unreachable or untrusted). */
    public boolean lost() {
        return this == DOWN || this == REVOKED;
    }
}
