package io.muster.types.state;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** Where an operation job is: recorded in its job record, changed only by the leader's decisions and by cancel. */
public enum OperationStatus {
    /** Committed, waiting for one of the server's {@code max_running} operation places. */
    QUEUED("queued", JobStatus.PENDING),
    RUNNING("running", JobStatus.RUNNING),
    COMPLETE("complete", JobStatus.COMPLETE),
    /** A task failed (after its retries) or the job's timeout passed. */
    FAILED("failed", JobStatus.FAILED),
    CANCELLED("cancelled", JobStatus.CANCELLED);

    private static final WireNames<OperationStatus> NAMES = new WireNames<>("operation status", values(), OperationStatus::wire);

    private final String wire;
    private final JobStatus jobStatus;

    OperationStatus(String wire, JobStatus jobStatus) {
        this.wire = wire;
        this.jobStatus = jobStatus;
    }

    @JsonValue
    public String wire() {
        return wire;
    }

    /** The job status the API reports for an operation in this state. */
    public JobStatus jobStatus() {
        return jobStatus;
    }

    public boolean isTerminal() {
        return this == COMPLETE || this == FAILED || this == CANCELLED;
    }

    @JsonCreator
    public static OperationStatus fromWire(String wire) {
        return NAMES.parse(wire);
    }

    @Override
    public String toString() {
        return wire;
    }
}
