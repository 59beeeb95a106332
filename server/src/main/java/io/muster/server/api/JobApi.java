package io.muster.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import io.muster.client.JobList;
import io.muster.client.JobStatus.Allocation;
import io.muster.client.JobStatus.Failure;
import io.muster.proto.LogsRequest;
import io.muster.proto.raft.CancelOperation;
import io.muster.proto.raft.Command;
import io.muster.proto.raft.RegisterJob;
import io.muster.proto.raft.StopJob;
import io.muster.server.Proposer;
import io.muster.server.leader.GcService;
import io.muster.server.state.GcApplier;
import io.muster.server.state.AllocCounts;
import io.muster.server.state.ClusterSnapshot;
import io.muster.server.state.AllocEvents;
import io.muster.server.state.Records.AllocRecord;
import io.muster.server.state.Records.GroupFailureRecord;
import io.muster.server.state.Records.JobRecord;
import io.muster.server.state.Snapshots;
import io.muster.types.config.ServerConfig;
import io.muster.types.job.JobSpec;
import io.muster.types.job.JobSpecException;
import io.muster.types.job.JobSpecJson;
import io.muster.types.job.JobSpecParser;
import io.muster.types.job.OneShotJobs;
import io.muster.types.job.SpecFormat;
import io.muster.types.job.TaskGroup;
import io.muster.types.state.AllocStatus;
import io.muster.types.state.JobStatus;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;

/** Jobs: submit (YAML/JSON spec or a one-shot command), status, list, stop, and task output. */
public final class JobApi implements Routes {
    private final ServerConfig config;
    private final Snapshots snapshots;
    private final BlockingQuery blocking;
    private final Proposer proposer;
    private final Clock clock;
    private final io.muster.server.TaskLogs grpc;
    private final JobSpecParser parser = JobSpecParser.withIdGenerator(JobApi::newJobId);

    public JobApi(ServerConfig config, Snapshots snapshots, Proposer proposer, Clock clock, io.muster.server.TaskLogs grpc) {
        this.config = config;
        this.snapshots = snapshots;
        this.blocking = new BlockingQuery(snapshots, BlockingQuery.DEFAULT_MAX_WAITING);
        this.proposer = proposer;
        this.clock = clock;
        this.grpc = grpc;
    }

    static String newJobId() {
        byte[] b = new byte[4];
        ThreadLocalRandom.current().nextBytes(b);
        return "job-" + HexFormat.of().formatHex(b);
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
        if (text == null || text.isBlank()) throw new ApiException(400, "BAD_REQUEST", "the request body must be a job spec (YAML or JSON)");
        String type = String.valueOf(ctx.request().getHeader("content-type"));
        SpecFormat format = type.contains("json") || text.stripLeading().startsWith("{") ? SpecFormat.JSON : SpecFormat.YAML;
        String source = ctx.request().getHeader("x-muster-source");
        JobSpec spec;
        try {
            spec = parser.parse(text, format, source == null ? "job spec" : source);
        } catch (JobSpecException e) {
            Http.error(ctx, 400, "INVALID_JOB_SPEC", e.getMessage());
            return;
        }
        register(ctx, spec);
    }

    private void oneshot(RoutingContext ctx) {
        JsonNode b = Http.body(ctx);
        List<String> command = new ArrayList<>();
        b.path("command").forEach(n -> command.add(n.asText()));
        if (command.isEmpty()) throw new ApiException(400, "BAD_REQUEST", "command: at least one word is required");
        JobSpec spec;
        String target = b.path("target").asText("all");
        try {
            spec = OneShotJobs.forTarget(target, command, newJobId());
        } catch (IllegalArgumentException e) {
            throw new ApiException(400, "BAD_REQUEST", e.getMessage());
        }
        checkTargetExists(target);
        register(ctx, spec);
    }

    /**
     * A one-shot target that names no node fails now, with the reason, rather than leaving a job pending forever (a
     * node id that does not exist) or "complete" with nothing run (a group no node is in).
     */
    private void checkTargetExists(String target) {
        var nodes = snapshots.snapshot().nodes();
        if (target.startsWith("node:")) {
            long id = Long.parseLong(target.substring("node:".length()));
            var n = nodes.stream().filter(x -> x.id() == id).findFirst();
            if (n.isEmpty()) throw new ApiException(409, "NO_TARGET_NODES", "no node " + id + " in the cluster (see muster node list)");
            if (n.get().state() == io.muster.types.state.NodeStatus.REVOKED)
                throw new ApiException(409, "NO_TARGET_NODES", "node " + id + " is revoked");
        } else if (target.startsWith("group:")) {
            String group = target.substring("group:".length());
            if (nodes.stream().noneMatch(x -> group.equals(x.labels().get("group")) && x.state() != io.muster.types.state.NodeStatus.REVOKED))
                throw new ApiException(409, "NO_TARGET_NODES", "no node is in group " + group + " (label group=" + group + ")");
        }
    }

    private void register(RoutingContext ctx, JobSpec submitted) {
        requireSecrets(submitted);
        JobSpec spec = submitted.type() == io.muster.types.job.JobType.SYSBATCH ? pinToCurrentNodes(submitted) : submitted;
        byte[] json = JobSpecJson.toJson(spec);
        proposer.proposeAndApply(Command.newBuilder().setRegisterJob(RegisterJob.newBuilder().setJobId(spec.id())
                .setSpecJson(ByteString.copyFrom(json)).setSubmittedUnixMs(clock.millis()).setMaxPendingJobs(config.maxPendingJobs())
                .setMaxQueuedOperations(config.operations().maxPending()).setMaxRunningOperations(config.operations().maxConcurrent())), snapshots)
                .whenComplete((r, e) -> {
                    if (e != null) Http.failure(ctx, e);
                    else if (!r.getOk()) Http.rejected(ctx, r);
                    else snapshots.snapshot().job(spec.id()).ifPresentOrElse(j -> Http.json(ctx, 201, jobView(j)),
                            () -> Http.error(ctx, 500, "INTERNAL", "job " + spec.id() + " committed but not visible"));
                });
    }

    /** A job naming a secret that does not exist is refused now, not failed later on a worker. */
    private void requireSecrets(JobSpec spec) {
        var snap = snapshots.snapshot();
        for (var g : spec.groups())
            for (var t : g.tasks())
                for (var s : t.secrets())
                    if (snap.secret(s.name()).isEmpty())
                        throw new ApiException(422, "UNKNOWN_SECRET", "groups." + g.name() + ".tasks." + t.name() + ": secret '" + s.name()
                                + "' does not exist (create it with 'muster secret put " + s.name() + "')");
    }

    /**
     * A sysbatch job runs once on each node eligible when it is submitted; nodes that join later must not
     * run it. Pinning the node set into the spec keeps that decision in the committed job itself.
     */
    private JobSpec pinToCurrentNodes(JobSpec spec) {
        List<String> ids = snapshots.snapshot().nodesSorted().stream().filter(n -> n.schedulable()).map(n -> Long.toString(n.id())).toList();
        if (ids.isEmpty()) throw new ApiException(409, "NO_ELIGIBLE_NODES", "no eligible node is ready to run job " + spec.id());
        List<io.muster.types.job.Constraint> cs = new ArrayList<>(spec.constraints());
        cs.add(io.muster.types.job.Constraint.of("node.id", "in", String.join(",", ids)));
        return spec.withConstraints(cs);
    }

    private void list(RoutingContext ctx) {
        int offset = (int) Http.longParam(ctx, "offset", 0, 0, Integer.MAX_VALUE);
        int limit = (int) Http.longParam(ctx, "limit", 50, 1, 1000);
        blocking.answer(ctx, ClusterSnapshot::jobsIndex, (c, snap) -> list(c, snap, offset, limit));
    }

    static long jobIndex(ClusterSnapshot snap, JobRecord j) {
        return Math.max(j.modifyIndex(), snap.allocCounts(j.id()).modifyIndex());
    }

    /** One snapshot for the whole page: jobs and their allocations agree. */
    private void list(RoutingContext ctx, ClusterSnapshot snap, int offset, int limit) {
        List<JobRecord> all = snap.jobs().stream().sorted(Comparator.comparingLong(JobRecord::submittedAt).thenComparing(JobRecord::id)).toList();
        List<JobList.Summary> jobs = new ArrayList<>();
        for (JobRecord j : all.subList(Math.min(offset, all.size()), Math.min(all.size(), offset + limit))) {
            Map<String, Long> counts = new LinkedHashMap<>();
            snap.allocCounts(j.id()).byStatus().forEach((st, n) -> counts.put(st, (long) n));
            jobs.add(new JobList.Summary(j.id(), j.type(), status(snap, j).wire(), j.version(), counts,
                    RUNS.get(j.id() + "@" + j.version(), k -> runs(j)), instant(j.submittedAt())));
        }
        int next = offset + jobs.size();
        Http.ok(ctx, new JobList(jobs, all.size(), next < all.size() ? Long.valueOf(next) : null, null));
    }

    /** What each job version runs, for the list: parsed once per version, not on every list call. */
    private static final com.github.benmanes.caffeine.cache.Cache<String, String> RUNS =
            com.github.benmanes.caffeine.cache.Caffeine.newBuilder().maximumSize(10_000).build();

    static String runs(JobRecord j) {
        String text;
        try {
            JobSpec spec = JobSpecJson.fromJson(j.specJson().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            if (spec.operation() != null) {
                List<String> tasks = spec.operation().allTasks().stream().map(io.muster.types.job.OperationTask::describe).toList();
                text = String.join(", ", tasks.subList(0, Math.min(2, tasks.size()))) + (tasks.size() > 2 ? " (+" + (tasks.size() - 2) + ")" : "");
            } else {
                io.muster.types.job.TaskSpec t = spec.groups().getFirst().tasks().getFirst();
                text = t.command() != null ? String.join(" ", java.util.stream.Stream.concat(java.util.stream.Stream.of(t.command()), t.args().stream()).toList())
                        : t.image();
                if (t.command() != null && t.image() != null) text = t.image() + ": " + text;
            }
        } catch (RuntimeException e) {
            text = "";
        }
        return text.length() <= 60 ? text : text.substring(0, 57) + "...";
    }

    private JobRecord job(RoutingContext ctx) {
        String id = ctx.pathParam("id");
        return snapshots.snapshot().job(id).orElseThrow(() -> new ApiException(404, "JOB_NOT_FOUND", "no job with id " + id));
    }

    private void status(RoutingContext ctx) {
        String id = ctx.pathParam("id");
        blocking.answer(ctx, snap -> snap.job(id).map(j -> jobIndex(snap, j)).orElse(Long.MAX_VALUE), (c, snap) -> {
            JobRecord j = snap.job(id).orElseThrow(() -> new ApiException(404, "JOB_NOT_FOUND", "no job with id " + id));
            Http.ok(c, jobView(snap, j));
        });
    }

    private void stop(RoutingContext ctx) {
        JobRecord j = job(ctx);
        String purge = ctx.queryParams().get("purge");
        if (purge != null && !purge.equals("true") && !purge.equals("false"))
            throw new ApiException(400, "BAD_REQUEST", "purge must be true or false, got '" + purge + "'");
        if ("true".equals(purge)) {
            purge(ctx, j);
            return;
        }
        proposer.proposeAndApply(Command.newBuilder().setStopJob(StopJob.newBuilder().setJobId(j.id())), snapshots).whenComplete((r, e) -> {
            if (e != null) Http.failure(ctx, e);
            else if (!r.getOk()) Http.rejected(ctx, r);
            else Http.ok(ctx, jobView(snapshots.snapshot().job(j.id()).orElse(j)));
        });
    }

    /** {@code POST /v1/jobs/:id/cancel}: an operation's running tasks are stopped, pending ones never start. */
    private void cancel(RoutingContext ctx) {
        JobRecord j = job(ctx);
        proposer.proposeAndApply(Command.newBuilder().setCancelOperation(CancelOperation.newBuilder().setJobId(j.id())
                .setCancelledUnixMs(clock.millis()).setReason("cancelled by request")), snapshots).whenComplete((r, e) -> {
            if (e != null) Http.failure(ctx, e);
            else if (!r.getOk()) Http.rejected(ctx, r);
            else Http.ok(ctx, Map.of("id", j.id(), "status", "cancelled", "index", r.getIndex()));
        });
    }

    /**
     * {@code DELETE /v1/jobs/:id?purge=true}: one CollectGarbage entry removes the job and every allocation of it
     * now, thresholds ignored. Allocations still wanted get a Delete event, so their workers stop them (see GcApplier).
     */
    private void purge(RoutingContext ctx, JobRecord j) {
        proposer.proposeAndApply(GcService.purgeCommand(j.id(), clock.millis()), snapshots).whenComplete((r, e) -> {
            if (e != null) Http.failure(ctx, e);
            else if (!r.getOk()) Http.rejected(ctx, r);
            else {
                GcApplier.Counts c = GcApplier.Counts.parse(r.getValue());
                if (c.jobs() == 0) {
                    Http.error(ctx, 404, "JOB_NOT_FOUND", "no job with id " + j.id());
                    return;
                }
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("id", j.id());
                m.put("status", "purged");
                m.put("allocations_removed", c.allocs());
                m.put("index", r.getIndex());
                Http.ok(ctx, m);
            }
        });
    }

    private void alloc(RoutingContext ctx) {
        String id = ctx.pathParam("id");
        AllocRecord a = snapshots.snapshot().alloc(id).orElseThrow(() -> new ApiException(404, "ALLOC_NOT_FOUND", "no allocation with id " + id));
        Http.ok(ctx, allocView(a, Integer.MAX_VALUE));
    }

    /** {@code GET /v1/allocations/:id/logs}: always the streaming form (see {@link LogStreamHttp}). */
    private void allocLogs(RoutingContext ctx) {
        String id = ctx.pathParam("id");
        AllocRecord a = snapshots.snapshot().alloc(id).orElseThrow(() -> new ApiException(404, "ALLOC_NOT_FOUND", "no allocation with id " + id));
        LogStreamHttp.serve(ctx, grpc, List.of(a), LogStreamHttp.options(ctx, clock));
    }

    private void logs(RoutingContext ctx) {
        JobRecord j = job(ctx);
        String only = ctx.queryParams().get("alloc");
        if (LogStreamHttp.wanted(ctx)) {
            var options = LogStreamHttp.options(ctx, clock);
            List<AllocRecord> picked = snapshots.snapshot().allocsOfJob(j.id()).stream().filter(a -> only == null || a.id().equals(only) || a.id().startsWith(only))
                    .sorted(Comparator.comparingLong(AllocRecord::createIndex)).toList();
            if (picked.isEmpty()) throw new ApiException(404, "ALLOC_NOT_FOUND", only == null ? "job " + j.id() + " has no allocations yet" : "no allocation " + only + " in job " + j.id());
            LogStreamHttp.serve(ctx, grpc, picked, options);
            return;
        }
        int maxBytes = (int) Http.longParam(ctx, "max_bytes", 64 * 1024, 1, 1024 * 1024);
        List<AllocRecord> allocs = snapshots.snapshot().allocsOfJob(j.id()).stream().filter(a -> only == null || a.id().equals(only) || a.id().startsWith(only))
                .sorted(Comparator.comparingLong(AllocRecord::createIndex)).toList();
        if (allocs.isEmpty()) throw new ApiException(404, "ALLOC_NOT_FOUND", only == null ? "job " + j.id() + " has no allocations yet" : "no allocation " + only + " in job " + j.id());
        List<CompletableFuture<Map<String, Object>>> parts = new ArrayList<>();
        for (AllocRecord a : allocs) {
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

    /** The job as of the newest snapshot, with that snapshot's allocations (never a job from one index and allocations from another). */
    io.muster.client.JobStatus jobView(JobRecord asked) {
        var snap = snapshots.snapshot();
        return jobView(snap, snap.job(asked.id()).orElse(asked));
    }

    /** {@code GET /v1/jobs/:id}, also the submit and stop answers: the API client's record, so both sides share one shape. */
    io.muster.client.JobStatus jobView(ClusterSnapshot snap, JobRecord j) {
        List<Allocation> allocs = snap.allocsOfJob(j.id()).stream().sorted(Comparator.comparingLong(AllocRecord::createIndex)).map(JobApi::allocView).toList();
        List<Failure> failures = new ArrayList<>();
        for (GroupFailureRecord f : j.failures()) {
            Map<String, Long> filtered = new LinkedHashMap<>();
            f.filtered().forEach((reason, n) -> filtered.put(reason, (long) n));
            failures.add(new Failure(f.group(), f.unplaced(), f.nodesEvaluated(), filtered));
        }
        OperationViews.View op = j.hasOperation() ? OperationViews.of(snap, j, clock.millis()) : null;
        return new io.muster.client.JobStatus(j.id(), j.type(), j.version(), status(snap, j).wire(), instant(j.submittedAt()),
                j.nextEvalAt() > 0 ? instant(j.nextEvalAt()) : null, allocs, failures, op == null ? null : op.operation(),
                op == null ? null : op.results(), null);
    }

    /** An allocation as the job, allocation and node detail answers show it. */
    static Allocation allocView(AllocRecord a) {
        return allocView(a, RECENT_EVENTS);
    }

    /** Events per allocation in job and node answers: enough for --wait to see each one as it comes, bounded for big jobs. */
    static final int RECENT_EVENTS = 3;

    /** @param maxEvents the newest events to include (the allocation answer includes all it keeps) */
    static Allocation allocView(AllocRecord a, int maxEvents) {
        // Only a task that ended by itself has an exit code; lost or stopped ones never exited on their own.
        Integer exitCode = a.status() == AllocStatus.COMPLETE || a.status() == AllocStatus.FAILED ? a.exitCode() : null;
        List<AllocEvents.Event> kept = a.events().events();
        List<io.muster.client.AllocEvent> events = kept.subList(Math.max(0, kept.size() - maxEvents), kept.size()).stream()
                .map(e -> new io.muster.client.AllocEvent(instant(e.at()), e.type().wire(), e.message())).toList();
        return new Allocation(a.id(), a.nodeId(), a.status().wire(), exitCode, a.jobId(), a.group(), a.index(), a.desiredRun() ? "run" : "stop",
                a.message().isEmpty() ? a.desiredReason() : a.message(), a.attempt(), a.jobVersion(),
                a.startedAt() > 0 ? instant(a.startedAt()) : null, a.finishedAt() > 0 ? instant(a.finishedAt()) : null,
                events, a.events().total());
    }

    static String instant(long unixMillis) {
        return java.time.Instant.ofEpochMilli(unixMillis).toString();
    }

    /**
     * pending | running | complete | failed | stopped, from the counts of the job version's allocations (Nomad's job
     * status, simplified). Only a finished batch job with an allocation that did not complete looks at its allocations.
     */
    static JobStatus status(ClusterSnapshot snap, JobRecord j) {
        if (j.hasOperation()) return j.operation().status().jobStatus();
        if (j.stopped()) return JobStatus.STOPPED;
        AllocCounts current = snap.allocCounts(j.id(), j.version());
        boolean batch = j.type().equals("batch") || j.type().equals("sysbatch");
        if (current.total() == 0) {
            if (j.modifyIndex() == 0 || !j.failures().isEmpty()) return JobStatus.PENDING;
            // Evaluated, nothing placed, nothing failing to place: done (a sysbatch matching no node), unless allocations
            // were wanted and the job's deadline ended it before any could be placed.
            return batch ? (RescheduleOutlook.endedUnplaced(j) ? JobStatus.FAILED : JobStatus.COMPLETE) : JobStatus.PENDING;
        }
        boolean anyLive = current.live() > 0;
        boolean anyRunning = current.running() > 0;
        if (batch) {
            if (anyLive || j.nextEvalAt() > 0 || !j.failures().isEmpty()) return anyRunning || anyLive && current.terminal() > 0 ? JobStatus.RUNNING : JobStatus.PENDING;
            if (current.complete() == current.total()) return JobStatus.COMPLETE;
            // Every slot has a final allocation: complete only if each (job, group, index) ended complete at least once.
            Map<String, AllocStatus> last = new LinkedHashMap<>();
            for (AllocRecord a : snap.allocsOfJob(j.id()))
                if (a.jobVersion() == j.version()) last.merge(a.group() + "#" + a.index(), a.status(), (x, y) -> x == AllocStatus.COMPLETE ? x : y);
            if (last.values().stream().allMatch(s -> s == AllocStatus.COMPLETE)) return JobStatus.COMPLETE;
            return RescheduleOutlook.pending(snap, j) ? JobStatus.PENDING : JobStatus.FAILED;
        }
        if (anyRunning) return JobStatus.RUNNING;
        boolean allFailed = current.failed() + current.lost() == current.total();
        return allFailed && j.nextEvalAt() == 0 && j.failures().isEmpty() && !RescheduleOutlook.pending(snap, j) ? JobStatus.FAILED : JobStatus.PENDING;
    }

    static int desiredCount(JobSpec spec) {
        return spec.groups().stream().mapToInt(TaskGroup::count).sum();
    }
}
