package io.muster.scheduler;

import io.muster.types.HumanDuration;
import io.muster.types.job.JobSpec;
import io.muster.types.job.ReschedulePolicy;
import io.muster.types.job.TaskGroup;
import io.muster.types.state.AllocStatus;
import io.muster.types.state.NodeStatus;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Compares what a job wants with the allocations it has and decides what to stop and what to place (Nomad's
 * reconciler). It chooses no nodes, except for per-node groups where the node is the point.
 *
 * <p>Service and batch groups are modelled as {@code count} slots, 0 … count-1. Per slot, with its live
 * allocation (wanted and not finished) if any:
 * <ul>
 *   <li>live on a healthy node: kept;</li>
 *   <li>live on a lost node (DOWN, REVOKED, unknown): stopped (node lost) and replaced at once;</li>
 *   <li>live on a DRAINING node: replaced, and stopped only if the replacement is placed (migration);</li>
 *   <li>no live one, batch, some allocation of the slot COMPLETE: done, never re-run;</li>
 *   <li>otherwise by the latest allocation of the slot: LOST is replaced at once; FAILED (and, for service,
 *       COMPLETE, since a service is not supposed to exit) that was still wanted is rescheduled per the group's
 *       {@link ReschedulePolicy}, after its backoff; anything else (stopped by us, or nothing) gets a fresh
 *       allocation.</li>
 * </ul>
 * Live allocations in slots {@code >= count} are stopped (count lowered), which stops the highest indices.
 *
 * <p>Per-node groups (system, sysbatch) want one live allocation on each feasible node: lost nodes' allocations
 * are stopped, draining nodes' too (there is nowhere to migrate to), as are those on nodes that no longer satisfy
 * constraints or drivers; a failed allocation is rescheduled on its own node after backoff; for sysbatch a node
 * with a COMPLETE allocation is done.
 */
final class Reconciler {
    private final JobSpec job;
    private final NodeUsage usage;
    private final long now;
    private final List<Stop> stops = new ArrayList<>();
    private long nextEvaluation = Long.MAX_VALUE;

    /** The work for one group: what to place, and (for spread) how many allocations each node already holds. */
    record GroupWork(TaskGroup group, GroupFeasibility feasibility, List<PlacementRequest> requests, int[] existing) {
    }

    Reconciler(JobSpec job, NodeUsage usage, long nowMillis) {
        this(job, usage, nowMillis, 0);
    }

    /** @param deadlineMillis when the job's own timeout runs out (0 = none): past it the job is over, whatever it has */
    Reconciler(JobSpec job, NodeUsage usage, long nowMillis, long deadlineMillis) {
        this.job = job;
        this.usage = usage;
        this.now = nowMillis;
        this.deadline = deadlineMillis;
    }

    private final long deadline;

    List<Stop> stops() {
        return stops;
    }

    /** Earliest time a delayed reschedule becomes due, or {@code Long.MAX_VALUE}. */
    long nextEvaluation() {
        return nextEvaluation;
    }

    List<GroupWork> reconcile(Collection<AllocView> allocs, List<NodeCheck> jobChecks) {
        if (deadline > 0 && now >= deadline) {
            // Past the job's timeout: a placement would only fail at once on its worker. Stop what is left, place nothing.
            String why = "job timed out after " + HumanDuration.of(job.timeout());
            allocs.stream().filter(AllocView::live).sorted(Comparator.comparing(AllocView::group).thenComparingInt(AllocView::index)
                    .thenComparing(AllocView::id)).forEach(a -> {
                        stops.add(new Stop(a.id(), StopReason.JOB_DEADLINE, why));
                        usage.release(a);
                    });
            return List.of();
        }
        Map<String, List<AllocView>> byGroup = new LinkedHashMap<>();
        for (AllocView a : allocs) {
            byGroup.computeIfAbsent(a.group(), g -> new ArrayList<>()).add(a);
        }
        for (List<AllocView> list : byGroup.values()) {
            list.sort(Comparator.comparingInt(AllocView::index).thenComparing(AllocView::id));
        }
        for (Map.Entry<String, List<AllocView>> e : new TreeMap<>(byGroup).entrySet()) {
            if (job.group(e.getKey()).isEmpty()) {
                stopLive(e.getValue(), StopReason.GROUP_REMOVED);
            }
        }
        List<GroupWork> work = new ArrayList<>();
        for (TaskGroup g : job.groups()) {
            GroupFeasibility feas = new GroupFeasibility(usage, jobChecks, g);
            List<AllocView> mine = byGroup.getOrDefault(g.name(), List.of());
            work.add(job.type().perNode() ? perNode(g, feas, mine) : slots(g, feas, mine));
        }
        if (deadline > 0) {
            // Something still runs, waits to be placed or backs off: look again at the deadline to stop it then. A job
            // with nothing left asks for nothing (it would read as still going until its deadline).
            java.util.Set<String> stopped = new java.util.HashSet<>();
            stops.forEach(st -> stopped.add(st.allocId()));
            boolean going = nextEvaluation != Long.MAX_VALUE || work.stream().anyMatch(w -> !w.requests().isEmpty())
                    || allocs.stream().anyMatch(a -> a.live() && !stopped.contains(a.id()));
            if (going) nextEvaluation = Math.min(nextEvaluation, deadline);
        }
        return work;
    }

    /** Stops every live allocation (job stopped, group removed). */
    void stopLive(Collection<AllocView> allocs, StopReason reason) {
        for (AllocView a : allocs) {
            if (a.live()) {
                stop(a, reason);
            }
        }
    }

    // ------------------------------------------------------------------ service / batch

    private GroupWork slots(TaskGroup g, GroupFeasibility feas, List<AllocView> sorted) {
        int count = g.count();
        int[] existing = new int[usage.size()];
        List<PlacementRequest> requests = new ArrayList<>();
        int next = 0; // lowest slot below count not yet handled
        int p = 0;
        while (p < sorted.size()) {
            int index = sorted.get(p).index();
            int q = p;
            while (q < sorted.size() && sorted.get(q).index() == index) {
                q++;
            }
            List<AllocView> slot = sorted.subList(p, q);
            if (index >= 0 && index < count) {
                while (next < index) {
                    requests.add(PlacementRequest.fresh(next++));
                }
                slot(g, index, slot, requests, existing);
                next = index + 1;
            } else {
                stopLive(slot, StopReason.COUNT_LOWERED);
            }
            p = q;
        }
        while (next < count) {
            requests.add(PlacementRequest.fresh(next++));
        }
        return new GroupWork(g, feas, requests, existing);
    }

    private void slot(TaskGroup g, int index, List<AllocView> slot, List<PlacementRequest> out, int[] existing) {
        AllocView keep = null;
        for (AllocView a : slot) {
            if (!a.live()) {
                continue;
            }
            if (keep == null || health(keep) != Health.OK && health(a) == Health.OK) {
                if (keep != null) {
                    stop(keep, StopReason.DUPLICATE);
                }
                keep = a;
            } else {
                stop(a, StopReason.DUPLICATE);
            }
        }
        if (keep != null) {
            switch (health(keep)) {
                case OK -> {
                    int ord = usage.ordinal(keep.nodeId());
                    existing[ord]++;
                }
                case LOST -> {
                    stop(keep, StopReason.NODE_LOST);
                    out.add(new PlacementRequest(index, keep, keep.rescheduleAttempt(), -1, -1, null));
                }
                case DRAINING -> out.add(new PlacementRequest(index, keep, keep.rescheduleAttempt(), -1, -1,
                        new Stop(keep.id(), StopReason.MIGRATING)));
            }
            return;
        }
        boolean toCompletion = job.type().runsToCompletion();
        if (toCompletion && slot.stream().anyMatch(a -> a.status() == AllocStatus.COMPLETE)) {
            return;
        }
        AllocView latest = latest(slot);
        PlacementRequest r = replacement(g, index, latest, -1);
        if (r != null) {
            out.add(r);
        }
    }

    // ------------------------------------------------------------------ system / sysbatch

    private GroupWork perNode(TaskGroup g, GroupFeasibility feas, List<AllocView> allocs) {
        Map<Long, List<AllocView>> byNode = new TreeMap<>();
        int nextIndex = 0;
        for (AllocView a : allocs) {
            byNode.computeIfAbsent(a.nodeId(), k -> new ArrayList<>()).add(a);
            nextIndex = Math.max(nextIndex, a.index() + 1);
        }
        boolean[] covered = new boolean[usage.size()];
        for (Map.Entry<Long, List<AllocView>> e : byNode.entrySet()) {
            List<AllocView> live = e.getValue().stream().filter(AllocView::live).toList();
            if (live.isEmpty()) {
                continue;
            }
            int ord = usage.ordinal(e.getKey());
            NodeView node = ord < 0 ? null : usage.node(ord);
            if (node == null || node.status().isLost()) {
                live.forEach(a -> stop(a, StopReason.NODE_LOST));
            } else if (node.status() == NodeStatus.DRAINING) {
                live.forEach(a -> stop(a, StopReason.NODE_DRAINING));
            } else if (!feas.suitableIgnoringReadiness(ord)) {
                live.forEach(a -> stop(a, StopReason.NODE_INFEASIBLE));
            } else {
                covered[ord] = true;
                live.subList(1, live.size()).forEach(a -> stop(a, StopReason.DUPLICATE));
            }
        }
        boolean toCompletion = job.type().runsToCompletion();
        List<PlacementRequest> requests = new ArrayList<>();
        for (int ord : feas.feasibleNodes()) {
            if (covered[ord]) {
                continue;
            }
            List<AllocView> here = byNode.get(usage.node(ord).id());
            if (here == null) {
                requests.add(new PlacementRequest(nextIndex++, null, 0, -1, ord, null));
                continue;
            }
            if (toCompletion && here.stream().anyMatch(a -> a.status() == AllocStatus.COMPLETE)) {
                continue;
            }
            AllocView latest = latest(here);
            PlacementRequest r = replacement(g, latest.index(), latest, ord);
            if (r != null) {
                requests.add(r);
            }
        }
        return new GroupWork(g, feas, requests, null);
    }

    // ------------------------------------------------------------------ shared

    /**
     * What replaces a slot (or node) whose latest allocation is finished or unwanted; {@code null} when nothing
     * should run now (reschedules exhausted, or waiting out backoff).
     */
    private PlacementRequest replacement(TaskGroup g, int index, AllocView latest, int pinnedOrd) {
        boolean failedByItself = latest.desiredRun()
                && (latest.status() == AllocStatus.FAILED
                || latest.status() == AllocStatus.COMPLETE && !job.type().runsToCompletion());
        if (latest.status() == AllocStatus.LOST) {
            return new PlacementRequest(index, latest, latest.rescheduleAttempt(), -1, pinnedOrd, null);
        }
        if (!failedByItself) {
            return new PlacementRequest(index, null, 0, -1, pinnedOrd, null);
        }
        ReschedulePolicy policy = g.reschedule();
        if (!policy.allowsAnother(latest.rescheduleAttempt())) {
            return null;
        }
        int attempt = latest.rescheduleAttempt() + 1;
        long due = latest.finishedAtMillis() + policy.delayBefore(attempt).toMillis();
        if (now < due) {
            nextEvaluation = Math.min(nextEvaluation, due);
            return null;
        }
        return new PlacementRequest(index, latest, attempt, latest.nodeId(), pinnedOrd, null);
    }

    /** The most recent allocation of a slot: highest reschedule attempt, then latest finish, then id. */
    private static AllocView latest(List<AllocView> slot) {
        return slot.stream()
                .max(Comparator.comparingInt(AllocView::rescheduleAttempt)
                        .thenComparingLong(AllocView::finishedAtMillis)
                        .thenComparing(AllocView::id))
                .orElseThrow();
    }

    private enum Health { OK, LOST, DRAINING }

    private Health health(AllocView a) {
        int ord = usage.ordinal(a.nodeId());
        if (ord < 0 || usage.node(ord).status().isLost()) {
            return Health.LOST;
        }
        return usage.node(ord).status() == NodeStatus.DRAINING ? Health.DRAINING : Health.OK;
    }

    private void stop(AllocView a, StopReason reason) {
        stops.add(new Stop(a.id(), reason));
        usage.release(a);
    }
}
