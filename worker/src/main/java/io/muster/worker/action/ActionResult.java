package io.muster.worker.action;

import java.time.Duration;
import java.util.Objects;

/**
 * How an action ended.
 *
 * @param output the end of what the action printed (at most {@link #MAX_OUTPUT_BYTES} of UTF-8); filled in by
 *     {@link ActionBackends#invoke}, empty when a backend makes the result
 * @param message one line for people: what was done, or what went wrong
 * @param duration how long it ran; filled in by {@link ActionBackends#invoke}
 */
public record ActionResult(Status status, String output, String message, Duration duration) {
    public static final int MAX_OUTPUT_BYTES = 1024;

    public enum Status { SUCCESS, FAILED }

    public ActionResult {
        Objects.requireNonNull(status, "status");
        output = output == null ? "" : output;
        message = message == null ? "" : message;
        duration = duration == null ? Duration.ZERO : duration;
    }

    public static ActionResult success(String message) {
        return new ActionResult(Status.SUCCESS, "", message, Duration.ZERO);
    }

    public static ActionResult failed(String message) {
        return new ActionResult(Status.FAILED, "", message, Duration.ZERO);
    }

    public boolean succeeded() {
        return status == Status.SUCCESS;
    }

    ActionResult with(String newOutput, Duration newDuration) {
        return new ActionResult(status, newOutput, message, newDuration);
    }
}
