package io.muster.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/** {@code GET /v1/jobs}: one page of jobs; {@code nextOffset} is null on the last page. */
public record JobList(List<Summary> jobs, long total, Long nextOffset, JsonNode json) {

    /** A job with its allocation counts per status (pending, running, complete, failed, lost, stopped). */
    public record Summary(String id, String type, String status, long version, Map<String, Long> allocations) {
        static Summary from(JsonNode n) {
            return new Summary(J.str(n, "id"), J.str(n, "type"), J.str(n, "status"), J.lng(n, "version", 0), Map.copyOf(J.longMap(n, "allocations")));
        }

        public long count(String allocStatus) {
            return allocations.getOrDefault(allocStatus, 0L);
        }
    }

    public static JobList from(JsonNode n) {
        return new JobList(List.copyOf(J.list(n, "jobs", Summary::from)), J.lng(n, "total", 0), J.lngOrNull(n, "next_offset"), n);
    }
}
