package io.muster.client;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /v1/jobs}: one page of jobs; {@code nextOffset} is null on the last page (and written as null).
 *
 * <p>The server writes its answer from this record, so the client and the server share one shape; {@code json} is the
 * answer as received and never written.
 */
public record JobList(List<Summary> jobs, long total, @JsonProperty("next_offset") Long nextOffset, @JsonIgnore JsonNode json) {

    public JobList {
        jobs = jobs == null ? List.of() : List.copyOf(jobs);
    }

    /** A job with its allocation counts per status (pending, running, complete, failed, lost, stopped), in the server's order. */
    /**
     * One job of the list. {@code runs}: what it runs, for people (the first task's command and arguments or image, an
     * operation's first actions), cut to 60 characters; {@code submitted_at}: when this version was submitted.
     */
    public record Summary(String id, String type, String status, long version, Map<String, Long> allocations, String runs,
                          @com.fasterxml.jackson.annotation.JsonProperty("submitted_at") String submittedAt) {
        public Summary {
            allocations = allocations == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(allocations));
        }

        static Summary from(JsonNode n) {
            return new Summary(J.str(n, "id"), J.str(n, "type"), J.str(n, "status"), J.lng(n, "version", 0), J.longMap(n, "allocations"),
                    J.str(n, "runs"), J.str(n, "submitted_at"));
        }

        public long count(String allocStatus) {
            return allocations.getOrDefault(allocStatus, 0L);
        }
    }

    public static JobList from(JsonNode n) {
        return new JobList(List.copyOf(J.list(n, "jobs", Summary::from)), J.lng(n, "total", 0), J.lngOrNull(n, "next_offset"), n);
    }
}
