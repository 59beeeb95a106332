package io.muster.types.state;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Optional;

/**
 * Lifecycle of a worker node as the servers see it: initializing → ready → draining → down, and revoked (for
 * good). The wire name ({@link #wire()}) is what the API ({@code node list}'s {@code state}), the CLI, the Raft
 * log's node state changes, snapshots and the state digest carry.
 */
public enum NodeStatus {
    /** Registered, not yet reporting healthy: receives nothing yet; its allocations (if any) are kept. */
    INITIALIZING("initializing"),
    /** Healthy: may receive allocations when also eligible. */
    READY("ready"),
    /** Being emptied: receives nothing; service/batch allocations migrate, system allocations stop. */
    DRAINING("draining"),
    /** Missed its heartbeats: its allocations are lost and replaced elsewhere. */
    DOWN("down"),
    /** Credentials revoked: treated like DOWN, for good. */
    REVOKED("revoked");

    private static final WireNames<NodeStatus> NAMES = new WireNames<>("node state", values(), NodeStatus::wire);

    private final String wire;

    NodeStatus(String wire) {
        this.wire = wire;
    }

    /** The name in JSON, CLI output, the Raft log and snapshots, e.g. {@code ready}. */
    @JsonValue
    public String wire() {
        return wire;
    }

    /** The state named {@code wire}; an unknown name is an {@link IllegalArgumentException} that lists the known ones. */
    @JsonCreator
    public static NodeStatus fromWire(String wire) {
        return NAMES.parse(wire);
    }

    /** The state named {@code wire}, or empty if there is none. */
    public static Optional<NodeStatus> findWire(String wire) {
        return NAMES.find(wire);
    }

    /** Whether allocations on a node in this state are gone (the node is unreachable or untrusted): down or revoked. */
    public boolean isLost() {
        return this == DOWN || this == REVOKED;
    }

    /** Revoked is final: nothing changes a revoked node's state again. */
    public boolean isTerminal() {
        return this == REVOKED;
    }

    /** The wire name, so that text built from a state reads as it always has. */
    @Override
    public String toString() {
        return wire;
    }
}
