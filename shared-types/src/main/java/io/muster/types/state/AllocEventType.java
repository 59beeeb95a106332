package io.muster.types.state;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * What happened to an allocation (worker.proto {@code AllocEventType}): servers record {@link #PLACED},
 * {@link #NODE_LOST}, {@link #RESCHEDULED} and {@link #STOP_REQUESTED}; workers report the rest.
 */
public enum AllocEventType {
    PLACED("placed"),
    RECEIVED("received"),
    TASK_STARTED("started"),
    TASK_EXITED("exited"),
    TIMED_OUT("timed-out"),
    RESTARTING("restarting"),
    DEADLINE("deadline"),
    OOM_KILLED("oom-killed"),
    NODE_LOST("node-lost"),
    RESCHEDULED("rescheduled"),
    STOP_REQUESTED("stop-requested"),
    STOPPED("stopped"),
    FAILED("failed"),
    COMPLETED("completed"),
    SETUP_FAILED("setup-failed");

    private static final WireNames<AllocEventType> NAMES = new WireNames<>("allocation event type", values(), AllocEventType::wire);

    private final String wire;

    AllocEventType(String wire) {
        this.wire = wire;
    }

    /** The name in JSON, CLI output and snapshots, e.g. {@code timed-out}. */
    @JsonValue
    public String wire() {
        return wire;
    }

    @JsonCreator
    public static AllocEventType fromWire(String wire) {
        return NAMES.parse(wire);
    }
}
