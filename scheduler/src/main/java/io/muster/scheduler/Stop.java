package io.muster.scheduler;

import java.util.Objects;

/** An allocation the plan stops, and why; {@code detail} replaces the reason's text when set (e.g. "job timed out after 3s"). */
public record Stop(String allocId, StopReason reason, String detail) {
    public Stop {
        Objects.requireNonNull(allocId, "allocId");
        Objects.requireNonNull(reason, "reason");
        if (detail == null) detail = "";
    }

    public Stop(String allocId, StopReason reason) {
        this(allocId, reason, "");
    }

    /** What the allocation's record says about why it was stopped. */
    public String text() {
        return detail.isEmpty() ? reason.text() : detail;
    }
}
