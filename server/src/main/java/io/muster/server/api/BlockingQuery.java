package io.muster.server.api;

import io.muster.server.state.ClusterSnapshot;
import io.muster.server.state.Snapshots;
import io.vertx.core.Context;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import java.util.function.ToLongFunction;

/**
 * Nomad's blocking query. Every answer carries the index of what it shows in {@code X-Muster-Index}; a GET that
 * passes it back as {@code ?index=N} is answered once that index passes N, or when {@code ?wait=} (default 5m, at
 * most 10m) runs out, with the state as it is then. A client watches a job without polling, and the server wakes
 * it on the applied entry that changed it. Waiting costs a timer and a shared per-index future, no thread; the
 * number waiting at once is capped (a client holding thousands of queries open gets 429, not the server's memory).
 */
final class BlockingQuery {
    static final String INDEX_HEADER = "X-Muster-Index";
    static final Duration DEFAULT_WAIT = Duration.ofMinutes(5);
    static final Duration MAX_WAIT = Duration.ofMinutes(10);
    static final int DEFAULT_MAX_WAITING = 4096;

    private final Snapshots snapshots;
    private final int maxWaiting;
    private final java.util.concurrent.atomic.AtomicInteger waiting = new java.util.concurrent.atomic.AtomicInteger();

    BlockingQuery(Snapshots snapshots, int maxWaiting) {
        this.snapshots = snapshots;
        this.maxWaiting = maxWaiting;
    }

    int waiting() {
        return waiting.get();
    }

    /**
     * Answers {@code ctx} with {@code respond} on a snapshot whose {@code indexOf} is above the asked index (at once
     * without {@code ?index=}). {@code indexOf} of a part that is gone should be {@code Long.MAX_VALUE}: the answer
     * (a 404) is due at once.
     */
    void answer(RoutingContext ctx, ToLongFunction<ClusterSnapshot> indexOf, BiConsumer<RoutingContext, ClusterSnapshot> respond) {
        boolean blocking = ctx.queryParams().get("index") != null;
        long after = Http.longParam(ctx, "index", 0, 0, Long.MAX_VALUE);
        Duration wait = wait(ctx.queryParams().get("wait"));
        ClusterSnapshot now = snapshots.snapshot();
        if (!blocking || indexOf.applyAsLong(now) > after) {
            send(ctx, now, indexOf, respond);
            return;
        }
        if (waiting.incrementAndGet() > maxWaiting) {
            waiting.decrementAndGet();
            throw new ApiException(429, "TOO_MANY_WAITING", "this server already holds " + maxWaiting
                    + " blocking queries; retry later or without ?index=");
        }
        new Waiter(ctx, ctx.vertx().getOrCreateContext(), indexOf, respond, after).start(wait, now.index());
    }

    /** {@code 30s}, {@code 5m}, {@code 1500ms}, or whole seconds. */
    static Duration wait(String text) {
        if (text == null || text.isBlank()) return DEFAULT_WAIT;
        String t = text.strip();
        Duration d;
        try {
            if (t.endsWith("ms")) d = Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
            else if (t.endsWith("s")) d = Duration.ofSeconds(Long.parseLong(t.substring(0, t.length() - 1)));
            else if (t.endsWith("m")) d = Duration.ofMinutes(Long.parseLong(t.substring(0, t.length() - 1)));
            else d = Duration.ofSeconds(Long.parseLong(t));
        } catch (NumberFormatException e) {
            throw new ApiException(400, "BAD_REQUEST", "wait must be a duration such as 30s, 5m or 1500ms, got '" + text + "'");
        }
        if (d.isNegative() || d.isZero()) throw new ApiException(400, "BAD_REQUEST", "wait must be positive, got '" + text + "'");
        return d.compareTo(MAX_WAIT) > 0 ? MAX_WAIT : d;
    }

    private static void send(RoutingContext ctx, ClusterSnapshot s, ToLongFunction<ClusterSnapshot> indexOf,
                             BiConsumer<RoutingContext, ClusterSnapshot> respond) {
        long index = indexOf.applyAsLong(s);
        ctx.response().putHeader(INDEX_HEADER, Long.toString(index == Long.MAX_VALUE ? s.index() : index));
        respond.accept(ctx, s);
    }

    private final class Waiter {
        private final RoutingContext ctx;
        private final Context vertx;
        private final ToLongFunction<ClusterSnapshot> indexOf;
        private final BiConsumer<RoutingContext, ClusterSnapshot> respond;
        private final long after;
        private final AtomicBoolean done = new AtomicBoolean();
        private long timer = -1;

        Waiter(RoutingContext ctx, Context vertx, ToLongFunction<ClusterSnapshot> indexOf,
               BiConsumer<RoutingContext, ClusterSnapshot> respond, long after) {
            this.ctx = ctx;
            this.vertx = vertx;
            this.indexOf = indexOf;
            this.respond = respond;
            this.after = after;
        }

        void start(Duration wait, long seen) {
            timer = ctx.vertx().setTimer(wait.toMillis(), t -> finish(snapshots.snapshot()));
            ctx.response().closeHandler(v -> { // the client left: stop re-arming
                if (done.compareAndSet(false, true)) {
                    ctx.vertx().cancelTimer(timer);
                    waiting.decrementAndGet();
                }
            });
            arm(seen);
        }

        /** Looks again after the next applied entry; most entries change something else, so this loops. */
        private void arm(long seen) {
            snapshots.awaitApplied(seen + 1).whenComplete((v, e) -> vertx.runOnContext(x -> {
                if (done.get()) return;
                ClusterSnapshot s = snapshots.snapshot();
                if (indexOf.applyAsLong(s) > after) finish(s);
                else arm(s.index());
            }));
        }

        private void finish(ClusterSnapshot s) {
            if (!done.compareAndSet(false, true)) return;
            ctx.vertx().cancelTimer(timer);
            waiting.decrementAndGet();
            if (ctx.response().ended() || ctx.response().closed()) return;
            try {
                send(ctx, s, indexOf, respond);
            } catch (RuntimeException e) {
                Http.failure(ctx, e);
            }
        }
    }
}
