package io.muster.server.api;

import io.muster.server.state.ClusterSnapshot;
import io.muster.server.state.Records.JobRecord;
import io.muster.types.state.JobStatus;
import io.vertx.ext.web.Router;
import java.util.function.Supplier;

/**
 * {@code GET /v1/metrics}: this server's metrics in the Prometheus text format. Answered by every server itself (never
 * proxied to the leader: each server has its own). Needs {@code metrics:read} unless the config says
 * {@code metrics: {public: true}} (see {@link AclGuard}).
 */
public final class MetricsApi implements Routes {
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    private final Supplier<String> scrape;

    /** @param scrape renders every meter (ServerMetrics::scrape); run off the event loop */
    public MetricsApi(Supplier<String> scrape) {
        this.scrape = scrape;
    }

    @Override
    public void mount(Router router) {
        router.get("/v1/metrics").handler(ctx -> ctx.vertx().executeBlocking(scrape::get, false).onComplete(ar -> {
            if (ar.failed()) {
                Http.failure(ctx, ar.cause());
                return;
            }
            if (!ctx.response().ended()) ctx.response().setStatusCode(200).putHeader("content-type", CONTENT_TYPE).end(ar.result());
        }));
    }

    /** A job's status exactly as the job list reports it: what the {@code muster_jobs} gauges count. */
    public static JobStatus jobStatus(ClusterSnapshot snapshot, JobRecord job) {
        return JobApi.status(snapshot, job);
    }
}
