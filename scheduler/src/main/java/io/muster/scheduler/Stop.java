package io.muster.scheduler;

import java.util.Objects;

/** An allocation the plan stops, and why. */
public record Stop(String allocId, StopReason reason) {
    public Stop {
        Objects.requireNonNull(allocId, "allocId");
        Objects.requireNonNull(reason, "reason");
    }
}
