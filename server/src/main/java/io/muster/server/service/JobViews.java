package io.muster.server.service;

import io.muster.client.JobList;
import io.muster.client.JobStatus.Allocation;
import io.muster.client.JobStatus.Failure;
import io.muster.server.state.AllocCounts;
import io.muster.server.state.AllocEvents;
import io.muster.server.state.ClusterSnapshot;
import io.muster.server.state.Records.AllocRecord;
import io.muster.server.state.Records.GroupFailureRecord;
import io.muster.server.state.Records.JobRecord;
import io.muster.types.job.JobSpec;
import io.muster.types.job.JobSpecJson;
import io.muster.types.state.AllocStatus;
import io.muster.types.state.JobStatus;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How jobs and allocations are shown, whatever the transport: the API client's records ({@link io.muster.client.JobStatus},
 * {@link JobList}) that the REST API writes as JSON and the gRPC API maps to its messages.
 */
public final class JobViews {
    /** Events per allocation in job and node answers: enough for --wait to see each one as it comes, bounded for big jobs. */
    public static final int RECENT_EVENTS = 3;

    private JobViews() {}

    /** The index a job's answer reflects: its own changes and its allocations'. */
    public static long jobIndex(ClusterSnapshot snap, JobRecord j) {
        return Math.max(j.modifyIndex(), snap.allocCounts(j.id()).modifyIndex());
    }

    /** A job with that snapshot's allocations (never a job from one index and allocations from another). */
    public static io.muster.client.JobStatus job(ClusterSnapshot snap, JobRecord j, long nowMillis) {
        List<Allocation> allocs = snap.allocsOfJob(j.id()).stream().sorted(Comparator.comparingLong(AllocRecord::createIndex)).map(JobViews::alloc).toList();
        List<Failure> failures = new ArrayList<>();
        for (GroupFailureRecord f : j.failures()) {
            Map<String, Long> filtered = new LinkedHashMap<>();
            f.filtered().forEach((reason, n) -> filtered.put(reason, (long) n));
            failures.add(new Failure(f.group(), f.unplaced(), f.nodesEvaluated(), filtered));
        }
        OperationViews.View op = j.hasOperation() ? OperationViews.of(snap, j, nowMillis) : null;
        return new io.muster.client.JobStatus(j.id(), j.type(), j.version(), status(snap, j).wire(), instant(j.submittedAt()),
                j.nextEvalAt() > 0 ? instant(j.nextEvalAt()) : null, allocs, failures, op == null ? null : op.operation(),
                op == null ? null : op.results(), null);
    }

    /** One page of jobs, oldest submitted first, from one snapshot: jobs and their allocations agree. */
    public static JobList page(ClusterSnapshot snap, int offset, int limit) {
        List<JobRecord> all = snap.jobs().stream().sorted(Comparator.comparingLong(JobRecord::submittedAt).thenComparing(JobRecord::id)).toList();
        List<JobList.Summary> jobs = new ArrayList<>();
        for (JobRecord j : all.subList(Math.min(offset, all.size()), Math.min(all.size(), offset + limit))) {
            Map<String, Long> counts = new LinkedHashMap<>();
            snap.allocCounts(j.id()).byStatus().forEach((st, n) -> counts.put(st, (long) n));
            jobs.add(new JobList.Summary(j.id(), j.type(), status(snap, j).wire(), j.version(), counts,
                    RUNS.get(j.id() + "@" + j.version(), k -> runs(j)), instant(j.submittedAt())));
        }
        int next = offset + jobs.size();
        return new JobList(jobs, all.size(), next < all.size() ? Long.valueOf(next) : null, null);
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

    /** An allocation as the job, allocation and node detail answers show it. */
    public static Allocation alloc(AllocRecord a) {
        return alloc(a, RECENT_EVENTS);
    }

    /** @param maxEvents the newest events to include (the allocation answer includes all it keeps) */
    public static Allocation alloc(AllocRecord a, int maxEvents) {
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

    public static String instant(long unixMillis) {
        return java.time.Instant.ofEpochMilli(unixMillis).toString();
    }

    /**
     * pending | running | complete | failed | stopped, from the counts of the job version's allocations (Nomad's job
     * status, simplified). Only a finished batch job with an allocation that did not complete looks at its allocations.
     */
    public static JobStatus status(ClusterSnapshot snap, JobRecord j) {
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
}
