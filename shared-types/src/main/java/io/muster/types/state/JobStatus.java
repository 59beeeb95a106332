package io.muster.types.state;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Optional;

/**
 * A job's status as the API reports it ({@code job status}'s {@code status}): derived from the job and its
 * allocations, never stored. The wire name ({@link #wire()}) is what JSON and the CLI show.
 */
public enum JobStatus {
    /** Nothing runs yet: allocations are waiting to be placed or to start. */
    PENDING("pending"),
    /** At least one allocation runs. */
    RUNNING("running"),
    /** Ran to completion (batch and sysbatch jobs). */
    COMPLETE("complete"),
    /** Every allocation failed or was lost and nothing will be tried again. */
    FAILED("failed"),
    /** Stopped by request. */
    STOPPED("stopped"),
    /** An operation cancelled by request ({@code muster job cancel}): running tasks stopped, pending ones never started. */
    CANCELLED("cancelled");

    private static final WireNames<JobStatus> NAMES = new WireNames<>("job status", values(), JobStatus::wire);

    private final String wire;

    JobStatus(String wire) {
        this.wire = wire;
    }

    /** The name in JSON and CLI output, e.g. {@code running}. */
    @JsonValue
    public String wire() {
        return wire;
    }

    /** The status named {@code wire}; an unknown name is an {@link IllegalArgumentException} that lists the known ones. */
    @JsonCreator
    public static JobStatus fromWire(String wire) {
        return NAMES.parse(wire);
    }

    /** The status named {@code wire}, or empty if there is none. */
    public static Optional<JobStatus> findWire(String wire) {
        return NAMES.find(wire);
    }

    /** Whether the job is finished: complete, failed, stopped or cancelled. */
    public boolean isTerminal() {
        return this == COMPLETE || this == FAILED || this == STOPPED || this == CANCELLED;
    }

    /** The wire name, so that text built from a status reads as it always has. */
    @Override
    public String toString() {
        return wire;
    }
}
