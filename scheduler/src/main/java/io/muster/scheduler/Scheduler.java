package io.muster.scheduler;

import io.muster.types.job.JobSpec;
import io.muster.types.job.JobType;
import io.muster.types.job.PlacementStrategy;
import io.muster.types.job.TaskGroup;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.random.RandomGenerator;

/**
 * Nomad-style placement: pure, deterministic for a given {@link SchedulerContext}, no I/O, no shared state.
 *
 * <p>A pass for one job:
 * <ol>
 *   <li>{@link Reconciler}: compare the spec with the job's allocations; decide stops and needed placements.</li>
 *   <li>Stops free their resources at once, so placements in the same plan may use them.</li>
 *   <li>Per group, per needed placement: feasibility (ready and eligible, job constraints, group constraints,
 *       drivers, then free resources counting placements already in this plan), ranking (bin-pack or spread, see
 *       {@link PackSelector} and {@link SpreadSelector}), best wins. Per-node groups are pinned to their node and
 *       only need room there.</li>
 *   <li>Once a group cannot place an allocation, its remaining ones cannot be placed either (they ask for the
 *       same resources and the plan only adds load), so they are all reported as unplaced with an
 *       {@link AllocMetric} from one full pass over the nodes.</li>
 * </ol>
 *
 * <p>Cost: O(nodes × checks) for feasibility per group, plus O(candidate limit) per placement; node usage is
 * loaded lazily from the view once per node. Updating a job's tasks in place is not this class's concern: the
 * server forces replacement by stopping allocations.
 */
public final class Scheduler {
    private Scheduler() {
    }

    /** Computes the plan that brings {@code job}'s allocations in line with its spec. */
    public static Plan schedule(JobSpec job, ClusterView view, SchedulerContext ctx) {
        return schedule(job, view, ctx, 0);
    }

    /**
     * As {@link #schedule(JobSpec, ClusterView, SchedulerContext)} for a job that must be over by {@code deadlineMillis}
     * (its {@code timeout} after submission; 0 = none): from then on it places and reschedules nothing and stops what
     * still runs, and until then it asks to be evaluated again at the deadline.
     */
    public static Plan schedule(JobSpec job, ClusterView view, SchedulerContext ctx, long deadlineMillis) {
        Objects.requireNonNull(job, "job");
        Objects.requireNonNull(view, "view");
        Objects.requireNonNull(ctx, "ctx");
        NodeUsage usage = new NodeUsage(view);
        List<NodeCheck> jobChecks = job.constraints().stream()
                .map(NodeCheck.ConstraintCheck::compile)
                .map(NodeCheck.class::cast)
                .toList();
        Reconciler reconciler = new Reconciler(job, usage, ctx.nowMillis(), deadlineMillis);
        List<Reconciler.GroupWork> work = reconciler.reconcile(view.allocsOfJob(job.id()), jobChecks);

        List<Placement> placements = new ArrayList<>();
        List<Stop> stops = new ArrayList<>(reconciler.stops());
        List<PlacementFailure> failures = new ArrayList<>();
        for (Reconciler.GroupWork w : work) {
            if (!w.requests().isEmpty()) {
                new GroupPlacer(job, usage, ctx, w, placements, stops, failures).run();
            }
        }
        long next = reconciler.nextEvaluation();
        return new Plan(job.id(), placements, stops,
                failures, next == Long.MAX_VALUE ? OptionalLong.empty() : OptionalLong.of(next));
    }

    /** The plan for a stopped (deregistered) job: stop every allocation still wanted. */
    public static Plan scheduleStop(String jobId, ClusterView view) {
        List<Stop> stops = view.allocsOfJob(jobId).stream()
                .filter(AllocView::live)
                .sorted(java.util.Comparator.comparing(AllocView::group)
                        .thenComparingInt(AllocView::index).thenComparing(AllocView::id))
                .map(a -> new Stop(a.id(), StopReason.JOB_STOPPED))
                .toList();
        return new Plan(jobId, List.of(), stops, List.of(), OptionalLong.empty());
    }

    /** Places one group's requests. */
    private static final class GroupPlacer {
        private final JobSpec job;
        private final NodeUsage usage;
        private final SchedulerContext ctx;
        private final Reconciler.GroupWork work;
        private final TaskGroup group;
        private final Resources ask;
        private final List<Placement> placements;
        private final List<Stop> stops;
        private final List<PlacementFailure> failures;

        GroupPlacer(JobSpec job, NodeUsage usage, SchedulerContext ctx, Reconciler.GroupWork work,
                    List<Placement> placements, List<Stop> stops, List<PlacementFailure> failures) {
            this.job = job;
            this.usage = usage;
            this.ctx = ctx;
            this.work = work;
            this.group = work.group();
            this.ask = Resources.of(group);
            this.placements = placements;
            this.stops = stops;
            this.failures = failures;
        }

        void run() {
            if (job.type().perNode()) {
                runPinned();
            } else {
                runRanked();
            }
        }

        private void runPinned() {
            List<Integer> unplaced = new ArrayList<>();
            for (PlacementRequest r : work.requests()) {
                if (usage.fits(r.pinnedOrd(), ask)) {
                    place(r, r.pinnedOrd());
                } else {
                    unplaced.add(r.pinnedOrd());
                }
            }
            if (!unplaced.isEmpty()) {
                failures.add(new PlacementFailure(group.name(), unplaced.size(),
                        Metrics.perNode(usage, work.feasibility(), ask, unplaced)));
            }
        }

        private void runRanked() {
            NodeSelector selector = selector();
            int unplaced = 0;
            for (PlacementRequest r : work.requests()) {
                int ord = unplaced > 0 ? -1 : selector.select(ask, avoid(r));
                if (ord < 0) {
                    unplaced++;
                    continue;
                }
                place(r, ord);
                selector.placed(ord);
            }
            if (unplaced > 0) {
                failures.add(new PlacementFailure(group.name(), unplaced,
                        Metrics.allNodes(usage, work.feasibility(), ask)));
            }
        }

        private NodeSelector selector() {
            int[] candidates = work.feasibility().feasibleNodes();
            shuffle(candidates, ctx.random());
            int limit = NodeSelector.candidateLimit(job.type() == JobType.BATCH, usage.size());
            return group.placement() == PlacementStrategy.SPREAD
                    ? new SpreadSelector(usage, candidates, work.existing(), limit)
                    : new PackSelector(usage, candidates, limit);
        }

        private int avoid(PlacementRequest r) {
            return r.avoidNode() < 0 ? -1 : usage.ordinal(r.avoidNode());
        }

        private void place(PlacementRequest r, int ord) {
            usage.reserve(ord, ask);
            placements.add(new Placement(ctx.allocIds().get(), job.id(), group.name(), r.index(),
                    usage.node(ord).id(), ask, r.rescheduleAttempt(),
                    r.previous() == null ? null : r.previous().id()));
            if (r.stopOnSuccess() != null) {
                stops.add(r.stopOnSuccess());
            }
        }
    }

    /** Fisher–Yates with the caller's generator, so runs are reproducible. */
    static void shuffle(int[] a, RandomGenerator random) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }
}
