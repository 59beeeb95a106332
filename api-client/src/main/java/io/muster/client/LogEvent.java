package io.muster.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Base64;

/**
 * One line of a log stream ({@code GET .../logs?follow=true}, {@code application/x-ndjson}): output of an allocation's
 * task ({@code data}, after {@code dropped} bytes were lost if the reader fell behind), the end of an allocation's
 * stream ({@code end}, with {@code error} when it could not be followed), or the end of the whole answer ({@code done}).
 */
public record LogEvent(String allocId, String nodeId, String task, String stream, byte[] data, long dropped, boolean end,
                       String error, boolean done) {

    public boolean stderr() {
        return "stderr".equals(stream);
    }

    static LogEvent from(JsonNode n) {
        String b64 = J.str(n, "data");
        byte[] data;
        try {
            data = b64 == null || b64.isEmpty() ? new byte[0] : Base64.getDecoder().decode(b64);
        } catch (IllegalArgumentException e) {
            throw new MusterApiException(0, MusterApiException.BAD_RESPONSE, "the server sent log output that is not base64");
        }
        return new LogEvent(J.str(n, "alloc_id"), J.str(n, "node_id"), J.str(n, "task"), J.str(n, "stream"), data,
                J.lng(n, "dropped", 0), n.path("end").asBoolean(false), J.str(n, "error"), n.path("done").asBoolean(false));
    }
}
