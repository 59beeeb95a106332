package io.muster.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/** {@code GET /v1/raft/log}: a page of log entries; {@code nextIndex} is null when the page was empty. */
public record RaftLog(long commitIndex, long lastIndex, long startIndex, List<Entry> entries, Long nextIndex, JsonNode json) {

    public record Entry(long index, long term, String type, String summary) {
        static Entry from(JsonNode n) {
            return new Entry(J.lng(n, "index", 0), J.lng(n, "term", 0), J.str(n, "type"), J.str(n, "summary"));
        }
    }

    public static RaftLog from(JsonNode n) {
        return new RaftLog(J.lng(n, "commit_index", 0), J.lng(n, "last_index", 0), J.lng(n, "start_index", 0),
                List.copyOf(J.list(n, "entries", Entry::from)), J.lngOrNull(n, "next_index"), n);
    }
}
