package io.muster.types.state;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Optional;

/**
 * Client-side state of an allocation: pending → running → complete | failed | lost | stopped. The wire name
 * ({@link #wire()}) is what the API, the CLI, snapshots and the state digest carry.
 */
public enum AllocStatus {
    PENDING("pending"),
    RUNNING("running"),
    /** Exited successfully (or was stopped cleanly). */
    COMPLETE("complete"),
    /** Exited unsuccessfully after its restarts. */
    FAILED("failed"),
    /** Its node went down before it finished. */
    LOST("lost"),
    /** Stopped on request before it finished. */
    STOPPED("stopped");

    private static final WireNames<AllocStatus> NAMES = new WireNames<>("allocation status", values(), AllocStatus::wire);

    private final String wire;

    AllocStatus(String wire) {
        this.wire = wire;
    }

    /** The name in JSON, CLI output and snapshots, e.g. {@code running}. */
    @JsonValue
    public String wire() {
        return wire;
    }

    /** The status named {@code wire}; an unknown name is an {@link IllegalArgumentException} that lists the known ones. */
    @JsonCreator
    public static AllocStatus fromWire(String wire) {
        return NAMES.parse(wire);
    }

    /** The status named {@code wire}, or empty if there is none. */
    public static Optional<AllocStatus> findWire(String wire) {
        return NAMES.find(wire);
    }

    /** Whether the allocation has finished and no longer holds resources. */
    public boolean isTerminal() {
        return this != PENDING && this != RUNNING;
    }

    /** The wire name, so that text built from a status reads as it always has. */
    @Override
    public String toString() {
        return wire;
    }
}
