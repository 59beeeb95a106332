package io.muster.server.api;

import io.muster.server.acl.AclPolicy;
import io.muster.server.acl.Permission;
import io.muster.server.events.EventBroker;
import io.muster.server.events.EventFilter;
import io.muster.server.events.EventSink;
import io.muster.server.events.EventTopics;
import io.muster.server.events.StreamItem;
import io.muster.server.events.Subscription;
import io.muster.server.events.Topic;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;

/**
 * {@code GET /v1/events?index=N&topic=Job,Node,...&job=ID&node=ID}: the REST adapter of {@link EventBroker}, answering
 * chunked {@code application/x-ndjson} ({@link EventLines}). Any server answers from its own journal, follower
 * included. The access table asks {@code job:read} for the route; the Node topic also needs {@code node:read}, and
 * without {@code topic} a caller gets every topic its policy may read.
 */
public final class EventApi implements Routes {
    /** Write queue bound of one stream: past it the subscription waits for the client (and ends if it never reads). */
    static final int WRITE_QUEUE_BYTES = 256 * 1024;
    static final int MAX_JOB_ID = 256;
    private final EventBroker broker;

    public EventApi(EventBroker broker) {
        this.broker = broker;
    }

    @Override
    public void mount(Router router) {
        router.get("/v1/events").handler(this::stream);
    }

    static Permission permission(Topic t) {
        return EventTopics.permission(t);
    }

    private void stream(RoutingContext ctx) {
        var q = ctx.queryParams();
        OptionalLong from = q.contains("index") ? OptionalLong.of(Http.longParam(ctx, "index", 0, 0, Long.MAX_VALUE)) : OptionalLong.empty();
        AclPolicy policy = AclGuard.policy(ctx); // null in dev mode: no ACL
        Set<Topic> topics = topics(q.getAll("topic"), policy);
        String job = q.get("job");
        if (job != null && (job.isBlank() || job.length() > MAX_JOB_ID))
            throw new ApiException(400, "BAD_REQUEST", "job must be a job id of 1 to " + MAX_JOB_ID + " characters");
        long node = Http.longParam(ctx, "node", 0, 1, Long.MAX_VALUE);
        HttpServerResponse resp = ctx.response();
        // The response is chunked before the subscription exists: its thread may write at once.
        resp.setChunked(true).putHeader("content-type", "application/x-ndjson").putHeader("cache-control", "no-store")
                .putHeader("x-content-type-options", "nosniff").putHeader("x-accel-buffering", "no");
        resp.setWriteQueueMaxSize(WRITE_QUEUE_BYTES);
        Subscription sub;
        try {
            sub = broker.subscribe(from, new EventFilter(topics, job, node), new VertxSink(resp, Vertx.currentContext()));
        } catch (EventBroker.TooManySubscribers e) {
            resp.setChunked(false).putHeader("retry-after", "5");
            Http.error(ctx, 429, "TOO_MANY_SUBSCRIBERS", e.getMessage());
            return;
        }
        resp.closeHandler(v -> sub.cancel());
        resp.drainHandler(v -> sub.resume());
        if (resp.closed()) sub.cancel(); // gone before the handler was set
        resp.write(""); // headers out now: the client knows the stream is open before the first event
    }

    /** The topics asked for (repeated or comma-separated), each allowed to the caller ({@link EventTopics}). */
    static Set<Topic> topics(List<String> asked, AclPolicy policy) {
        return EventTopics.resolve(asked, policy);
    }

    /** Writes items to the response; the subscription waits while Vert.x's write queue is over its bound. */
    private static final class VertxSink implements EventSink {
        private final HttpServerResponse resp;
        private final Context vctx;
        private volatile boolean gone;

        VertxSink(HttpServerResponse resp, Context vctx) {
            this.resp = resp;
            this.vctx = vctx;
        }

        @Override
        public boolean send(List<StreamItem> items) {
            if (gone) return true;
            Buffer b = Buffer.buffer(EventLines.encode(items)); // encoded here, on the subscription's thread
            try {
                resp.write(b);
                return !resp.writeQueueFull();
            } catch (IllegalStateException closed) {
                gone = true; // the client went away; the close handler cancels the subscription
                return true;
            }
        }

        @Override
        public void end() {
            vctx.runOnContext(v -> {
                if (!resp.ended() && !resp.closed()) resp.end();
            });
        }
    }
}
