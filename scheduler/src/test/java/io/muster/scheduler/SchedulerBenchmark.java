package io.muster.scheduler;

import io.muster.types.job.JobSpec;
import io.muster.types.job.JobType;
import io.muster.types.job.PlacementStrategy;
import io.muster.types.state.NodeStatus;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Placement throughput. Run with
 * {@code ./mvnw -B -pl shared-types,scheduler -am test -Dtest=SchedulerBenchmark -Dsurefire.excludedGroups=none
 * -Dsurefire.failIfNoSpecifiedTests=false}
 * (excluded from the default suite by the root pom's {@code benchmark} tag), or call {@link #main}.
 *
 * <p>A plain harness rather than JMH: each scenario is one whole scheduling pass (hundreds of ms), far above
 * timer resolution, so warm-up rounds plus the median of measured rounds give stable figures.
 */
@Tag("benchmark")
class SchedulerBenchmark {

    record Scenario(String name, int nodes, int count, PlacementStrategy placement, JobType type) {
    }

    static final List<Scenario> SCENARIOS = List.of(
            new Scenario("service pack", 1_000, 1_000, PlacementStrategy.PACK, JobType.SERVICE),
            new Scenario("service pack", 1_000, 10_000, PlacementStrategy.PACK, JobType.SERVICE),
            new Scenario("service spread", 1_000, 10_000, PlacementStrategy.SPREAD, JobType.SERVICE),
            new Scenario("batch pack", 1_000, 10_000, PlacementStrategy.PACK, JobType.BATCH),
            new Scenario("service pack", 10_000, 100_000, PlacementStrategy.PACK, JobType.SERVICE),
            new Scenario("service spread", 10_000, 100_000, PlacementStrategy.SPREAD, JobType.SERVICE));

    public static void main(String[] args) {
        run(System.out, 3, 7);
    }

    @Test
    void benchmark() {
        run(System.out, 3, 7);
    }

    static void run(PrintStream out, int warmup, int rounds) {
        out.printf(Locale.ROOT, "%-16s %7s %8s %12s %14s%n", "scenario", "nodes", "count", "median ms",
                "placements/s");
        for (Scenario s : SCENARIOS) {
            InMemoryClusterView view = cluster(s.nodes());
            JobSpec job = Fixtures.job("bench", s.type(),
                    Fixtures.group("g", s.count(), s.placement(), 100, 128, s.type()));
            int scale = s.count() >= 100_000 ? 2 : 1; // fewer rounds for the large ones
            long[] ms = new long[Math.max(3, rounds / scale)];
            for (int i = 0; i < warmup / scale + ms.length; i++) {
                long t0 = System.nanoTime();
                Plan plan = Scheduler.schedule(job, view, SchedulerContext.sequential(0, i, "b"));
                long t1 = System.nanoTime();
                if (plan.placements().size() != s.count()) {
                    throw new AssertionError("placed " + plan.placements().size() + " of " + s.count());
                }
                if (i >= warmup / scale) {
                    ms[i - warmup / scale] = (t1 - t0) / 1_000_000;
                }
            }
            Arrays.sort(ms);
            long median = ms[ms.length / 2];
            out.printf(Locale.ROOT, "%-16s %7d %8d %12d %14.0f%n", s.name(), s.nodes(), s.count(), median,
                    s.count() / Math.max(1e-3, median / 1000.0));
        }
        reevaluation(out, warmup, rounds);
    }

    /** Re-evaluating a placed 10,000-allocation job: the reconciler's cost when nothing changes. */
    private static void reevaluation(PrintStream out, int warmup, int rounds) {
        InMemoryClusterView view = cluster(1_000);
        JobSpec job = Fixtures.job("bench", JobType.SERVICE,
                Fixtures.group("g", 10_000, PlacementStrategy.SPREAD, 100, 128, JobType.SERVICE));
        view.apply(Scheduler.schedule(job, view, SchedulerContext.sequential(0, 1, "b")), 0);
        long[] ms = new long[rounds];
        for (int i = 0; i < warmup + rounds; i++) {
            long t0 = System.nanoTime();
            Plan plan = Scheduler.schedule(job, view, SchedulerContext.sequential(0, i, "c"));
            long t1 = System.nanoTime();
            if (!plan.isNoOp()) {
                throw new AssertionError("re-evaluation should be a no-op");
            }
            if (i >= warmup) {
                ms[i - warmup] = (t1 - t0) / 1_000_000;
            }
        }
        Arrays.sort(ms);
        out.printf(Locale.ROOT, "%-16s %7d %8d %12d %14s%n", "re-evaluate", 1_000, 10_000, ms[ms.length / 2], "-");
    }

    /** Nodes of 16,000 CPU and 32 GiB: room for 160 allocations of 100 CPU / 128 MiB each. */
    static InMemoryClusterView cluster(int nodes) {
        InMemoryClusterView v = new InMemoryClusterView();
        for (long id = 1; id <= nodes; id++) {
            v.putNode(new NodeView(id, NodeStatus.READY, true, "linux", "amd64", Map.of("rack", "r" + id % 40),
                    Set.of("exec", "docker"), new Resources(16_000, 32_768)));
        }
        return v;
    }
}
