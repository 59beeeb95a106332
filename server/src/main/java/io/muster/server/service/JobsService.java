package io.muster.server.service;

import com.google.protobuf.ByteString;
import io.muster.client.JobList;
import io.muster.proto.raft.CancelOperation;
import io.muster.proto.raft.Command;
import io.muster.proto.raft.RegisterJob;
import io.muster.proto.raft.StopJob;
import io.muster.server.Proposer;
import io.muster.server.leader.GcService;
import io.muster.server.state.GcApplier;
import io.muster.server.state.Records.AllocRecord;
import io.muster.server.state.Records.JobRecord;
import io.muster.server.state.Snapshots;
import io.muster.types.config.ServerConfig;
import io.muster.types.job.JobSpec;
import io.muster.types.job.JobSpecException;
import io.muster.types.job.JobSpecJson;
import io.muster.types.job.JobSpecParser;
import io.muster.types.job.OneShotJobs;
import io.muster.types.job.SpecFormat;
import io.muster.types.state.NodeStatus;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Jobs, whatever the transport: submit (a spec or a one-shot command), read, list, stop or purge, cancel, and which
 * allocations a log request covers. Writes go through the {@link Proposer} (a follower's Raft client forwards them to
 * the leader) and complete once this server has applied them, so the answer shows the write. Refusals are
 * {@link ServiceException}s.
 */
public final class JobsService {
    private final ServerConfig config;
    private final Snapshots snapshots;
    private final Proposer proposer;
    private final Clock clock;
    private final JobSpecParser parser = JobSpecParser.withIdGenerator(JobsService::newJobId);

    public JobsService(ServerConfig config, Snapshots snapshots, Proposer proposer, Clock clock) {
        this.config = config;
        this.snapshots = snapshots;
        this.proposer = proposer;
        this.clock = clock;
    }

    public static String newJobId() {
        byte[] b = new byte[4];
        ThreadLocalRandom.current().nextBytes(b);
        return "job-" + HexFormat.of().formatHex(b);
    }

    public Clock clock() {
        return clock;
    }

    /** What a stop did: the job stopped (its view after), or purged with its allocations. */
    public sealed interface StopOutcome {
        record Stopped(io.muster.client.JobStatus job) implements StopOutcome {}

        record Purged(String id, long allocationsRemoved, long index) implements StopOutcome {}
    }

    /** A cancelled operation job, at the index that cancelled it. */
    public record Cancelled(String id, long index) {}

    /** A job spec (YAML or JSON); {@code format} null: JSON when the text starts with '{'. */
    public CompletableFuture<io.muster.client.JobStatus> submit(String text, SpecFormat format, String source) {
        if (text == null || text.isBlank()) throw new ServiceException(400, "BAD_REQUEST", "the request body must be a job spec (YAML or JSON)");
        SpecFormat f = format != null ? format : text.stripLeading().startsWith("{") ? SpecFormat.JSON : SpecFormat.YAML;
        JobSpec spec;
        try {
            spec = parser.parse(text, f, source == null || source.isBlank() ? "job spec" : source);
        } catch (JobSpecException e) {
            throw new ServiceException(400, "INVALID_JOB_SPEC", e.getMessage());
        }
        return register(spec);
    }

    /** {@code muster job run -t TARGET -- COMMAND...}: one command on every node of the target. */
    public CompletableFuture<io.muster.client.JobStatus> oneShot(String target, List<String> command) {
        if (command.isEmpty()) throw new ServiceException(400, "BAD_REQUEST", "command: at least one word is required");
        JobSpec spec;
        try {
            spec = OneShotJobs.forTarget(target, command, newJobId());
        } catch (IllegalArgumentException e) {
            throw new ServiceException(400, "BAD_REQUEST", e.getMessage());
        }
        checkTargetExists(target);
        return register(spec);
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
            if (n.isEmpty()) throw new ServiceException(409, "NO_TARGET_NODES", "no node " + id + " in the cluster (see muster node list)");
            if (n.get().state() == NodeStatus.REVOKED) throw new ServiceException(409, "NO_TARGET_NODES", "node " + id + " is revoked");
        } else if (target.startsWith("group:")) {
            String group = target.substring("group:".length());
            if (nodes.stream().noneMatch(x -> group.equals(x.labels().get("group")) && x.state() != NodeStatus.REVOKED))
                throw new ServiceException(409, "NO_TARGET_NODES", "no node is in group " + group + " (label group=" + group + ")");
        }
    }

    private CompletableFuture<io.muster.client.JobStatus> register(JobSpec submitted) {
        requireSecrets(submitted);
        JobSpec spec = submitted.type() == io.muster.types.job.JobType.SYSBATCH ? pinToCurrentNodes(submitted) : submitted;
        byte[] json = JobSpecJson.toJson(spec);
        return proposer.proposeAndApply(Command.newBuilder().setRegisterJob(RegisterJob.newBuilder().setJobId(spec.id())
                .setSpecJson(ByteString.copyFrom(json)).setSubmittedUnixMs(clock.millis()).setMaxPendingJobs(config.maxPendingJobs())
                .setMaxQueuedOperations(config.operations().maxPending()).setMaxRunningOperations(config.operations().maxConcurrent())), snapshots)
                .thenApply(r -> {
                    ServiceException.accepted(r);
                    var snap = snapshots.snapshot();
                    JobRecord j = snap.job(spec.id()).orElseThrow(() -> new ServiceException(500, "INTERNAL", "job " + spec.id() + " committed but not visible"));
                    return JobViews.job(snap, j, clock.millis());
                });
    }

    /** A job naming a secret that does not exist is refused now, not failed later on a worker. */
    private void requireSecrets(JobSpec spec) {
        var snap = snapshots.snapshot();
        for (var g : spec.groups())
            for (var t : g.tasks())
                for (var s : t.secrets())
                    if (snap.secret(s.name()).isEmpty())
                        throw new ServiceException(422, "UNKNOWN_SECRET", "groups." + g.name() + ".tasks." + t.name() + ": secret '" + s.name()
                                + "' does not exist (create it with 'muster secret put " + s.name() + "')");
    }

    /**
     * A sysbatch job runs once on each node eligible when it is submitted; nodes that join later must not
     * run it. Pinning the node set into the spec keeps that decision in the committed job itself.
     */
    private JobSpec pinToCurrentNodes(JobSpec spec) {
        List<String> ids = snapshots.snapshot().nodesSorted().stream().filter(n -> n.schedulable()).map(n -> Long.toString(n.id())).toList();
        if (ids.isEmpty()) throw new ServiceException(409, "NO_ELIGIBLE_NODES", "no eligible node is ready to run job " + spec.id());
        List<io.muster.types.job.Constraint> cs = new ArrayList<>(spec.constraints());
        cs.add(io.muster.types.job.Constraint.of("node.id", "in", String.join(",", ids)));
        return spec.withConstraints(cs);
    }

    public JobRecord job(String id) {
        return snapshots.snapshot().job(id).orElseThrow(() -> notFound(id));
    }

    static ServiceException notFound(String id) {
        return new ServiceException(404, "JOB_NOT_FOUND", "no job with id " + id);
    }

    /** The job and its allocations as of the newest snapshot. */
    public io.muster.client.JobStatus get(String id) {
        var snap = snapshots.snapshot();
        return JobViews.job(snap, snap.job(id).orElseThrow(() -> notFound(id)), clock.millis());
    }

    public JobList list(int offset, int limit) {
        return JobViews.page(snapshots.snapshot(), offset, limit);
    }

    /** Stops the job (its allocations are stopped by the scheduler), or with {@code purge} removes it and its history now. */
    public CompletableFuture<StopOutcome> stop(String id, boolean purge) {
        JobRecord j = job(id);
        if (purge) {
            // One CollectGarbage entry removes the job and every allocation of it now, thresholds ignored. Allocations still
            // wanted get a Delete event, so their workers stop them (see GcApplier).
            return proposer.proposeAndApply(GcService.purgeCommand(j.id(), clock.millis()), snapshots).thenApply(r -> {
                ServiceException.accepted(r);
                GcApplier.Counts c = GcApplier.Counts.parse(r.getValue());
                if (c.jobs() == 0) throw notFound(j.id());
                return new StopOutcome.Purged(j.id(), c.allocs(), r.getIndex());
            });
        }
        return proposer.proposeAndApply(Command.newBuilder().setStopJob(StopJob.newBuilder().setJobId(j.id())), snapshots).thenApply(r -> {
            ServiceException.accepted(r);
            var snap = snapshots.snapshot();
            return new StopOutcome.Stopped(JobViews.job(snap, snap.job(j.id()).orElse(j), clock.millis()));
        });
    }

    /** An operation's running tasks are stopped, pending ones never start. */
    public CompletableFuture<Cancelled> cancel(String id) {
        JobRecord j = job(id);
        return proposer.proposeAndApply(Command.newBuilder().setCancelOperation(CancelOperation.newBuilder().setJobId(j.id())
                .setCancelledUnixMs(clock.millis()).setReason("cancelled by request")), snapshots)
                .thenApply(r -> new Cancelled(j.id(), ServiceException.accepted(r).getIndex()));
    }

    /** The allocations a job's log request covers, oldest first: all, or those whose id is or starts with {@code only}. */
    public List<AllocRecord> logAllocations(String jobId, String only) {
        JobRecord j = job(jobId);
        String o = only == null || only.isEmpty() ? null : only;
        List<AllocRecord> picked = snapshots.snapshot().allocsOfJob(j.id()).stream().filter(a -> o == null || a.id().equals(o) || a.id().startsWith(o))
                .sorted(Comparator.comparingLong(AllocRecord::createIndex)).toList();
        if (picked.isEmpty())
            throw new ServiceException(404, "ALLOC_NOT_FOUND", o == null ? "job " + j.id() + " has no allocations yet" : "no allocation " + o + " in job " + j.id());
        return picked;
    }

    public AllocRecord alloc(String id) {
        return snapshots.snapshot().alloc(id).orElseThrow(() -> new ServiceException(404, "ALLOC_NOT_FOUND", "no allocation with id " + id));
    }
}
