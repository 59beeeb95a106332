package io.muster.server.api;

import io.muster.proto.LogChunk;
import io.muster.proto.LogFollowRequest;
import io.muster.proto.LogStreamFrame;
import io.muster.server.TaskLogs;
import io.muster.server.state.Records.AllocRecord;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code GET .../logs?follow=true} (and the other stream options): the output of one or more allocations as chunked
 * {@code application/x-ndjson}, one JSON object per line:
 * <ul>
 *   <li>{@code {"alloc_id","node_id","task","stream":"stdout"|"stderr","data":base64}}, with {@code "dropped":N} when
 *       N bytes were lost before it (the reader fell behind the worker's buffer);</li>
 *   <li>{@code {"alloc_id","end":true}} (with {@code "error"} if it could not be followed) when an allocation's stream
 *       ended: its task ended and its last bytes were sent;</li>
 *   <li>{@code {"done":true}} last.</li>
 * </ul>
 * A frame becomes one write; it is reported delivered (the worker gets its credit back) only while Vert.x's write
 * queue is under its bound, otherwise when the queue drains: the server holds at most one window per allocation
 * followed, however slowly the client reads. A client that goes away cancels every follow (worker side included).
 */
final class LogStreamHttp {
    /** Write queue bound of a following response: past it, frames wait on the worker, not here. */
    static final int WRITE_QUEUE_BYTES = 256 * 1024;

    private LogStreamHttp() {}

    /** True when the request asks for the streaming form (any of its options), false for the snapshot answer. */
    static boolean wanted(RoutingContext ctx) {
        var q = ctx.queryParams();
        return q.contains("follow") || q.contains("task") || q.contains("stream") || q.contains("since") || q.contains("tail");
    }

    /** Parses the options into a request template (node and allocation filled per allocation). */
    static LogFollowRequest options(RoutingContext ctx, Clock clock) {
        var q = ctx.queryParams();
        boolean follow = bool(q.get("follow"), "follow");
        String stream = q.get("stream") == null ? "stdout" : q.get("stream");
        if (!List.of("stdout", "stderr", "both").contains(stream))
            throw new ApiException(400, "BAD_REQUEST", "stream must be stdout, stderr or both, got '" + stream + "'");
        String tail = q.get("tail");
        Integer tailLines = tail == null || tail.equals("all") ? null : (int) Http.longParam(ctx, "tail", 0, 0, 1_000_000);
        String since = q.get("since");
        Duration d = null;
        if (since != null) {
            try {
                d = parseDuration(since);
            } catch (IllegalArgumentException e) {
                throw new ApiException(400, "BAD_REQUEST", "since must be a duration such as 30s, 5m or 2h, got '" + since + "'");
            }
        }
        return new io.muster.server.service.LogSelection(follow, !stream.equals("stderr"), !stream.equals("stdout"), q.get("task"),
                tailLines, "all".equals(tail), d).request(clock);
    }

    static Duration parseDuration(String s) {
        var m = java.util.regex.Pattern.compile("(\\d{1,9})(ms|s|m|h|d)").matcher(s.strip());
        if (!m.matches()) throw new IllegalArgumentException(s);
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }

    private static boolean bool(String v, String name) {
        if (v == null || v.equals("false")) return false;
        if (v.equals("true")) return true;
        throw new ApiException(400, "BAD_REQUEST", name + " must be true or false, got '" + v + "'");
    }

    /** Streams the allocations' output into the response until each has ended (or the client goes away). */
    static void serve(RoutingContext ctx, TaskLogs logs, List<AllocRecord> allocs, LogFollowRequest template) {
        HttpServerResponse resp = ctx.response();
        resp.setChunked(true).putHeader("content-type", "application/x-ndjson").putHeader("cache-control", "no-store")
                .putHeader("x-content-type-options", "nosniff");
        resp.setWriteQueueMaxSize(WRITE_QUEUE_BYTES);
        Context vctx = Vertx.currentContext();
        State st = new State(resp, allocs.size());
        resp.closeHandler(v -> st.cancelAll());
        resp.drainHandler(v -> st.release());
        resp.write(""); // headers out now: a client sees the stream is open before the first output
        for (AllocRecord a : allocs) {
            LogFollowRequest req = template.toBuilder().setNodeId(a.nodeId()).setAllocId(a.id()).build();
            TaskLogs.Follow[] self = new TaskLogs.Follow[1];
            TaskLogs.Follow f = logs.followLogs(req, frame -> vctx.runOnContext(v -> st.frame(a, self[0], frame)));
            self[0] = f;
            st.follows.add(f);
        }
    }

    /** The response's side, touched only on its Vert.x context. */
    private static final class State {
        final HttpServerResponse resp;
        final List<TaskLogs.Follow> follows = new ArrayList<>();
        /** Bytes written but not yet given back as credit, per follow, while the write queue is full. */
        final Map<TaskLogs.Follow, Integer> owed = new LinkedHashMap<>();
        int open;
        boolean closed;

        State(HttpServerResponse resp, int open) {
            this.resp = resp;
            this.open = open;
        }

        void frame(AllocRecord a, TaskLogs.Follow f, LogStreamFrame frame) {
            if (closed) return;
            StringBuilder out = new StringBuilder();
            for (LogChunk c : frame.getChunksList()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("alloc_id", a.id());
                m.put("node_id", a.nodeId());
                m.put("task", c.getTask());
                m.put("stream", c.getStderr() ? "stderr" : "stdout");
                if (c.getDroppedBytes() > 0) m.put("dropped", c.getDroppedBytes());
                m.put("data", Base64.getEncoder().encodeToString(c.getData().toByteArray()));
                line(out, m);
            }
            if (frame.getEnd()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("alloc_id", a.id());
                m.put("end", true);
                if (!frame.getError().isEmpty()) m.put("error", frame.getError());
                line(out, m);
            }
            if (!out.isEmpty()) resp.write(Buffer.buffer(out.toString()));
            if (f != null) {
                owed.merge(f, TaskLogs.dataBytes(frame), Integer::sum);
                if (!resp.writeQueueFull()) release();
            }
            if (frame.getEnd() && --open == 0) {
                closed = true;
                resp.end("{\"done\":true}\n");
            }
        }

        void release() {
            var each = List.copyOf(owed.entrySet());
            owed.clear();
            for (var e : each) e.getKey().delivered(e.getValue());
        }

        void cancelAll() {
            closed = true;
            follows.forEach(TaskLogs.Follow::cancel);
        }

        private static void line(StringBuilder out, Map<String, Object> m) {
            try {
                out.append(Http.JSON.writeValueAsString(m)).append('\n');
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
