package io.muster.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.muster.proto.LogsRequest;
import io.muster.server.service.JobViews;
import io.muster.server.service.JobsService;
import io.muster.server.state.ClusterSnapshot;
import io.muster.server.state.Records.AllocRecord;
import io.muster.server.state.Records.JobRecord;
import io.muster.server.state.Snapshots;
import io.muster.types.job.SpecFormat;
import io.muster.types.state.JobStatus;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Jobs over REST: submit (YAML/JSON spec or a one-shot command), status, list, stop, and task output. What each does is
 * {@link JobsService}'s (shared with the gRPC API); this class reads the request and writes the JSON answer.
 */
public final class JobApi implements Routes {
    private final Snapshots snapshots;
    private final BlockingQuery blocking;
    private final Clock clock;
    private final io.muster.server.TaskLogs grpc;
    private final JobsService jobs;

    public JobApi(JobsService jobs, Snapshots snapshots, io.muster.server.TaskLogs grpc) {
        this.jobs = jobs;
        this.snapshots = snapshots;
        this.blocking = new BlockingQuery(snapshots, BlockingQuery.DEFAULT_MAX_WAITING);
        this.clock = jobs.clock();
        this.grpc = grpc;
    }

    @Override
    public void mount(Router r) {
        r.post("/v1/jobs").handler(this::submit);
        r.post("/v1/jobs/oneshot").handler(this::oneshot);
        r.get("/v1/jobs").handler(this::list);
        r.get("/v1/jobs/:id").handler(this::status);
        r.delete("/v1/jobs/:id").handler(this::stop);
        r.post("/v1/jobs/:id/cancel").handler(this::cancel);
        r.get("/v1/jobs/:id/logs").handler(this::logs);
        r.get("/v1/allocations/:id").handler(this::alloc);
        r.get("/v1/allocations/:id/logs").handler(this::allocLogs);
    }

    private void submit(RoutingContext ctx) {
        String text = ctx.body() == null ? null : ctx.body().asString();
        String type = String.valueOf(ctx.request().getHeader("content-type"));
        SpecFormat format = type.contains("json") ? SpecFormat.JSON : null;
        created(ctx, jobs.submit(text, format, ctx.request().getHeader("x-muster-source")));
    }

    private void oneshot(RoutingContext ctx) {
        JsonNode b = Http.body(ctx);
        List<String> command = new ArrayList<>();
        b.path("command").forEach(n -> command.add(n.asText()));
        created(ctx, jobs.oneShot(b.path("target").asText("all"), command));
    }

    private static void created(RoutingContext ctx, CompletableFuture<io.muster.client.JobStatus> job) {
        job.whenComplete((j, e) -> {
            if (e != null) Http.failure(ctx, e);
            else Http.json(ctx, 201, j);
        });
    }

    private void list(RoutingContext ctx) {
        int offset = (int) Http.longParam(ctx, "offset", 0, 0, Integer.MAX_VALUE);
        int limit = (int) Http.longParam(ctx, "limit", 50, 1, 1000);
        blocking.answer(ctx, ClusterSnapshot::jobsIndex, (c, snap) -> Http.ok(c, JobViews.page(snap, offset, limit)));
    }

    private void status(RoutingContext ctx) {
        String id = ctx.pathParam("id");
        blocking.answer(ctx, snap -> snap.job(id).map(j -> JobViews.jobIndex(snap, j)).orElse(Long.MAX_VALUE), (c, snap) -> {
            JobRecord j = snap.job(id).orElseThrow(() -> new ApiException(404, "JOB_NOT_FOUND", "no job with id " + id));
            Http.ok(c, JobViews.job(snap, j, clock.millis()));
        });
    }

    private void stop(RoutingContext ctx) {
        jobs.job(ctx.pathParam("id")); // an unknown job is a 404 before anything else
        String purge = ctx.queryParams().get("purge");
        if (purge != null && !purge.equals("true") && !purge.equals("false"))
            throw new ApiException(400, "BAD_REQUEST", "purge must be true or false, got '" + purge + "'");
        jobs.stop(ctx.pathParam("id"), "true".equals(purge)).whenComplete((o, e) -> {
            if (e != null) {
                Http.failure(ctx, e);
                return;
            }
            switch (o) {
                case JobsService.StopOutcome.Stopped s -> Http.ok(ctx, s.job());
                case JobsService.StopOutcome.Purged p -> {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("id", p.id());
                    m.put("status", "purged");
                    m.put("allocations_removed", p.allocationsRemoved());
                    m.put("index", p.index());
                    Http.ok(ctx, m);
                }
            }
        });
    }

    /** {@code POST /v1/jobs/:id/cancel}: an operation's running tasks are stopped, pending ones never start. */
    private void cancel(RoutingContext ctx) {
        jobs.cancel(ctx.pathParam("id")).whenComplete((c, e) -> {
            if (e != null) Http.failure(ctx, e);
            else Http.ok(ctx, Map.of("id", c.id(), "status", "cancelled", "index", c.index()));
        });
    }

    private void alloc(RoutingContext ctx) {
        Http.ok(ctx, JobViews.alloc(jobs.alloc(ctx.pathParam("id")), Integer.MAX_VALUE));
    }

    /** {@code GET /v1/allocations/:id/logs}: always the streaming form (see {@link LogStreamHttp}). */
    private void allocLogs(RoutingContext ctx) {
        AllocRecord a = jobs.alloc(ctx.pathParam("id"));
        LogStreamHttp.serve(ctx, grpc, List.of(a), LogStreamHttp.options(ctx, clock));
    }

    private void logs(RoutingContext ctx) {
        String id = jobs.job(ctx.pathParam("id")).id(); // an unknown job is a 404 before the options are read
        String only = ctx.queryParams().get("alloc");
        if (LogStreamHttp.wanted(ctx)) {
            var options = LogStreamHttp.options(ctx, clock);
            LogStreamHttp.serve(ctx, grpc, jobs.logAllocations(id, only), options);
            return;
        }
        int maxBytes = (int) Http.longParam(ctx, "max_bytes", 64 * 1024, 1, 1024 * 1024);
        List<CompletableFuture<Map<String, Object>>> parts = new ArrayList<>();
        for (AllocRecord a : jobs.logAllocations(id, only)) {
            parts.add(grpc.fetchLogs(LogsRequest.newBuilder().setNodeId(a.nodeId()).setAllocId(a.id()).setMaxBytes(maxBytes).build())
                    .handle((r, e) -> {
                        Map<String, Object> m = new LinkedHashMap<>();
                        m.put("alloc_id", a.id());
                        m.put("node_id", a.nodeId());
                        if (e != null) m.put("error", "logs unavailable: " + e.getMessage());
                        else {
                            m.put("stdout", Base64.getEncoder().encodeToString(r.getStdout().toByteArray()));
                            m.put("stderr", Base64.getEncoder().encodeToString(r.getStderr().toByteArray()));
                            m.put("stdout_dropped", r.getStdoutDropped());
                            m.put("stderr_dropped", r.getStderrDropped());
                            if (!r.getError().isEmpty()) m.put("error", r.getError());
                        }
                        return m;
                    }));
        }
        CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new)).whenComplete((v, e) ->
                Http.ok(ctx, Map.of("allocations", parts.stream().map(CompletableFuture::join).toList())));
    }

    /** The job status the metrics and tests read (see {@link JobViews#status}). */
    static JobStatus status(ClusterSnapshot snap, JobRecord j) {
        return JobViews.status(snap, j);
    }
}
