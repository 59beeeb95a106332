package io.muster.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Base64;
import java.util.List;

/** {@code GET /v1/jobs/{id}/logs}: captured output per allocation, decoded from base64. */
public record JobLogs(List<AllocLogs> allocations, JsonNode json) {

    /** {@code *Dropped} count bytes the worker discarded (output beyond its buffer); {@code error} is set when logs could not be fetched. */
    public record AllocLogs(String allocId, String nodeId, byte[] stdout, byte[] stderr, long stdoutDropped, long stderrDropped, String error) {
        static AllocLogs from(JsonNode n) {
            return new AllocLogs(J.str(n, "alloc_id"), J.str(n, "node_id"), decode(J.str(n, "stdout")), decode(J.str(n, "stderr")),
                    J.lng(n, "stdout_dropped", 0), J.lng(n, "stderr_dropped", 0), J.str(n, "error"));
        }

        private static byte[] decode(String b64) {
            if (b64 == null || b64.isEmpty()) return new byte[0];
            try {
                return Base64.getMimeDecoder().decode(b64);
            } catch (IllegalArgumentException e) {
                throw new MusterApiException(0, MusterApiException.BAD_RESPONSE, "the server sent log output that is not base64");
            }
        }
    }

    public static JobLogs from(JsonNode n) {
        return new JobLogs(List.copyOf(J.list(n, "allocations", AllocLogs::from)), n);
    }
}
