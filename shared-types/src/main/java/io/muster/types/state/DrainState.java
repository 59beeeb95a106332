package io.muster.types.state;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Optional;

/**
 * Where a node is in a drain: none → draining → complete (or back to none when the drain is cancelled). The wire
 * name ({@link #wire()}) is the {@code drain} field of the node API and what snapshots and the state digest carry.
 */
public enum DrainState {
    /** Not draining: the node takes work when it is ready and eligible. */
    NONE("none"),
    /** Being emptied: ineligible, its allocations migrate or stop. */
    DRAINING("draining"),
    /** Drained: nothing of the cluster's runs there any more; it stays ineligible until re-enabled. */
    COMPLETE("complete");

    private static final WireNames<DrainState> NAMES = new WireNames<>("drain state", values(), DrainState::wire);

    private final String wire;

    DrainState(String wire) {
        this.wire = wire;
    }

    /** The name in JSON and snapshots, e.g. {@code draining}. */
    @JsonValue
    public String wire() {
        return wire;
    }

    /** The drain state named {@code wire}; an unknown name is an {@link IllegalArgumentException} that lists the known ones. */
    @JsonCreator
    public static DrainState fromWire(String wire) {
        return NAMES.parse(wire);
    }

    /** The drain state named {@code wire}, or empty if there is none. */
    public static Optional<DrainState> findWire(String wire) {
        return NAMES.find(wire);
    }

    /** The wire name, so that text built from a drain state reads as it always has. */
    @Override
    public String toString() {
        return wire;
    }
}
