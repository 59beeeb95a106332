package io.muster.server.service;

import io.muster.server.state.AllocEvents;
import io.muster.server.state.ClusterSnapshot;
import io.muster.server.state.Records.AllocRecord;
import io.muster.server.state.Records.JobRecord;
import io.muster.types.job.JobSpec;
import io.muster.types.job.JobSpecJson;
import io.muster.types.job.ReschedulePolicy;
import io.muster.types.job.TaskGroup;
import io.muster.types.state.AllocEventType;
import io.muster.types.state.AllocStatus;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Whether a job whose allocations all ended still has a reschedule coming. Between a failure being recorded and the
 * scheduler's next plan (which records when it will reschedule) the job would otherwise read as failed for a moment,
 * and {@code job run --wait} would end there while the job goes on. Decided from the state alone (the group's
 * policy, the failure's time, the job's deadline), so every server answers alike.
 */
public final class RescheduleOutlook {
    private RescheduleOutlook() {}

    /** A batch job with a deadline and allocations to run that the scheduler ended before it could place any. */
    static boolean endedUnplaced(JobRecord j) {
        JobSpec spec;
        try {
            spec = JobSpecJson.fromJson(j.specJson().getBytes(StandardCharsets.UTF_8));
        } catch (RuntimeException e) {
            return false;
        }
        boolean wanted = !spec.type().perNode() && spec.groups().stream().anyMatch(g -> g.count() > 0);
        return spec.timeout() != null && wanted && j.nextEvalAt() == 0;
    }

    static boolean pending(ClusterSnapshot snap, JobRecord j) {
        JobSpec spec;
        try {
            spec = JobSpecJson.fromJson(j.specJson().getBytes(StandardCharsets.UTF_8));
        } catch (RuntimeException e) {
            return false; // a spec the scheduler cannot read either: nothing will be rescheduled
        }
        long deadline = spec.timeout() == null ? 0 : j.submittedAt() + spec.timeout().toMillis();
        boolean perNode = spec.type().perNode();
        Map<String, List<AllocRecord>> slots = new HashMap<>();
        for (AllocRecord a : snap.allocsOfJob(j.id())) {
            if (a.jobVersion() != j.version()) continue;
            String key = a.group() + "#" + (perNode ? "n" + a.nodeId() : a.index());
            slots.computeIfAbsent(key, k -> new java.util.ArrayList<>()).add(a);
        }
        for (List<AllocRecord> slot : slots.values()) {
            if (slot.stream().anyMatch(a -> a.status() == AllocStatus.COMPLETE && spec.type().runsToCompletion())) continue;
            AllocRecord latest = slot.stream().max(Comparator.comparingInt(AllocRecord::attempt)
                    .thenComparingLong(AllocRecord::finishedAt).thenComparing(AllocRecord::id)).orElseThrow();
            if (latest.status() == AllocStatus.LOST) {
                // Replaced at once (no policy, no backoff) unless the job's deadline had passed when it was lost.
                long lostAt = latest.events().events().stream().filter(e -> e.type() == AllocEventType.NODE_LOST)
                        .mapToLong(AllocEvents.Event::at).max().orElse(0);
                if (deadline == 0 || lostAt < deadline) return true;
                continue;
            }
            if (!latest.desiredRun() || latest.status() != AllocStatus.FAILED) continue;
            TaskGroup g = spec.group(latest.group()).orElse(null);
            if (g == null) continue;
            ReschedulePolicy policy = g.reschedule();
            if (!policy.allowsAnother(latest.attempt())) continue;
            long due = latest.finishedAt() + policy.delayBefore(latest.attempt() + 1).toMillis();
            if (deadline == 0 || due < deadline) return true;
        }
        return false;
    }
}
