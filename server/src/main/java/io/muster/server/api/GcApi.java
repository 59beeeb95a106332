package io.muster.server.api;

import io.muster.server.leader.GarbageCollection;
import io.muster.server.state.Snapshots;
import io.muster.types.config.ServerConfig;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code POST /v1/system/gc}: a garbage collection now, every threshold at zero (everything finished goes). It runs
 * on the server that receives it: the applier re-checks every id, so a follower's slightly older view is safe.
 * Management only ({@code cluster:admin}, as Nomad's {@code system gc} needs a management token): it also removes
 * down nodes and used-up join tokens, which an operator token cannot otherwise touch.
 */
public final class GcApi implements Routes {
    private final ServerConfig config;
    private final Snapshots snapshots;
    private final GarbageCollection gc;

    public GcApi(ServerConfig config, Snapshots snapshots, GarbageCollection gc) {
        this.config = config;
        this.snapshots = snapshots;
        this.gc = gc;
    }

    @Override
    public void mount(Router r) {
        r.post("/v1/system/gc").handler(this::collect);
    }

    private void collect(RoutingContext ctx) {
        if (snapshots.snapshot().identity().isEmpty() && !config.dev())
            throw new ApiException(503, "NOT_READY", "the cluster is not initialized yet");
        gc.collectNow().whenComplete((o, e) -> {
            if (e != null) Http.failure(ctx, e);
            else Http.ok(ctx, o.toMap());
        });
    }
}
