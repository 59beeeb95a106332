package io.muster.client;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * An open {@code GET /v1/events} stream: lines read one at a time. {@link #close()} (from any thread) ends it, which
 * is how a caller with a deadline stops a read that is waiting for the next line.
 */
public final class EventStream implements AutoCloseable {
    private final InputStream in;
    private final BufferedReader lines;
    private final String origin;

    EventStream(InputStream in, String origin) {
        this.in = in;
        this.origin = origin;
        this.lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    }

    /** The query of a stream: every argument may be null (no index: from now on; no topics: every topic the token may read). */
    public static String query(Long index, List<String> topics, String jobId, String nodeId) {
        StringBuilder q = new StringBuilder("/v1/events");
        char sep = '?';
        if (index != null) {
            q.append(sep).append("index=").append(index);
            sep = '&';
        }
        if (topics != null && !topics.isEmpty()) {
            q.append(sep).append("topic=").append(MusterClient.seg(String.join(",", topics)));
            sep = '&';
        }
        if (jobId != null) {
            q.append(sep).append("job=").append(MusterClient.seg(jobId));
            sep = '&';
        }
        if (nodeId != null) q.append(sep).append("node=").append(MusterClient.seg(nodeId));
        return q.toString();
    }

    /** The next line; null when the server ended the stream. */
    public ClusterEvent next() {
        try {
            for (String line; (line = lines.readLine()) != null; ) {
                if (!line.isBlank()) return ClusterEvent.from(J.MAPPER.readTree(line));
            }
            return null;
        } catch (IOException e) {
            throw new MusterApiException(0, MusterApiException.UNREACHABLE, "the event stream from " + origin + " broke off: " + e.getMessage(), e);
        }
    }

    /** Whether another line is already here (read without waiting). */
    public boolean hasBuffered() {
        try {
            return lines.ready();
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() {
        try {
            in.close();
        } catch (IOException e) {
            // already closed
        }
    }
}
