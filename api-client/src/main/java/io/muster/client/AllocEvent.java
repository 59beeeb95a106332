package io.muster.client;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Something that happened to an allocation: {@code time} an ISO-8601 instant, {@code type} one of placed, received,
 * started, exited, timed-out, restarting, deadline, oom-killed, node-lost, rescheduled, stop-requested, stopped,
 * failed, completed, setup-failed; {@code message} one line.
 */
public record AllocEvent(String time, String type, String message) {
    static AllocEvent from(JsonNode n) {
        return new AllocEvent(J.str(n, "time"), J.str(n, "type"), J.str(n, "message"));
    }
}
