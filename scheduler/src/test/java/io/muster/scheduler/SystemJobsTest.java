package io.muster.scheduler;

import static io.muster.scheduler.Fixtures.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.muster.types.job.Constraint;
import io.muster.types.job.JobSpec;
import io.muster.types.job.JobType;
import io.muster.types.job.OneShotJobs;
import io.muster.types.job.PlacementStrategy;
import io.muster.types.state.AllocStatus;
import io.muster.types.state.NodeStatus;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** System and sysbatch: one allocation per feasible node. */
class SystemJobsTest {
    private static final Resources R = new Resources(100, 100);

    private static JobSpec system() {
        return job("sys", JobType.SYSTEM, group("agent", 1, PlacementStrategy.PACK, 100, 100, JobType.SYSTEM));
    }

    private static JobSpec sysbatch() {
        return job("sb", JobType.SYSBATCH, group("run", 1, PlacementStrategy.PACK, 100, 100, JobType.SYSBATCH));
    }

    private static Set<Long> nodes(List<Placement> placements) {
        return placements.stream().map(Placement::nodeId).collect(Collectors.toSet());
    }

    @Test
    void systemCoversEveryFeasibleNodeIncludingLaterOnes() {
        InMemoryClusterView v = cluster(3).putNode(node(4).withEligible(false));
        Plan plan = Scheduler.schedule(system(), v, ctx(1));
        assertEquals(Set.of(1L, 2L, 3L), nodes(plan.placements()));
        assertEquals(3, plan.placements().stream().map(Placement::index).distinct().count(), "distinct indices");
        v.apply(plan, NOW);
        assertTrue(Scheduler.schedule(system(), v, ctx(2)).isNoOp());

        v.putNode(node(5));
        v.putNode(node(4)); // became eligible
        Plan later = Scheduler.schedule(system(), v, ctx(3));
        assertEquals(Set.of(4L, 5L), nodes(later.placements()));
        assertEquals(List.of(3, 4), later.placements().stream().map(Placement::index).toList());
    }

    @Test
    void systemRespectsConstraintsSilently() {
        InMemoryClusterView v = cluster(3).putNode(node(2, Map.of("role", "edge")));
        JobSpec job = withConstraints(system(), Constraint.of("label.role", "=", "edge"));
        Plan plan = Scheduler.schedule(job, v, ctx(1));
        assertEquals(Set.of(2L), nodes(plan.placements()));
        assertEquals(List.of(), plan.failures(), "nodes that do not qualify are not failures");
    }

    @Test
    void systemStopsWhereNodesAreLostDrainingOrNoLongerMatching() {
        InMemoryClusterView v = cluster(4);
        for (long n = 1; n <= 4; n++) {
            v.putAlloc(alloc("s" + n, "sys", "agent", (int) n, n, R, AllocStatus.RUNNING));
        }
        v.putNode(node(1).withStatus(NodeStatus.DOWN));
        v.putNode(node(2).withStatus(NodeStatus.DRAINING));
        v.putNode(node(3, Map.of("role", "db")));
        v.putNode(node(4, Map.of("role", "edge")).withEligible(false)); // ineligible keeps what it runs
        JobSpec job = withConstraints(system(), Constraint.of("label.role", "!=", "db"));
        Plan plan = Scheduler.schedule(job, v, ctx(1));
        assertEquals(List.of(new Stop("s1", StopReason.NODE_LOST), new Stop("s2", StopReason.NODE_DRAINING),
                new Stop("s3", StopReason.NODE_INFEASIBLE)), plan.stops());
        assertEquals(List.of(), plan.placements());
    }

    @Test
    void systemReportsNodesWithoutRoom() {
        InMemoryClusterView v = cluster(3).putNode(withCapacity(node(2), 50, 8192));
        Plan plan = Scheduler.schedule(system(), v, ctx(1));
        assertEquals(Set.of(1L, 3L), nodes(plan.placements()));
        PlacementFailure f = plan.failures().get(0);
        assertEquals(1, f.unplaced());
        assertEquals(Map.of(AllocMetric.CPU_EXHAUSTED, 1), f.metric().filtered());
    }

    @Test
    void systemFailureIsRescheduledOnTheSameNodeAfterBackoff() {
        InMemoryClusterView v = cluster(1);
        v.putAlloc(new AllocView("s1", "sys", "agent", 7, 1, R, AllocStatus.FAILED, true, 0, NOW));
        Plan early = Scheduler.schedule(system(), v, ctx(NOW + 1_000, 1));
        assertEquals(OptionalLong.of(NOW + 30_000), early.nextEvaluationAtMillis());
        Plan due = Scheduler.schedule(system(), v, ctx(NOW + 30_000, 1));
        Placement p = due.placements().get(0);
        assertEquals(1L, p.nodeId());
        assertEquals(7, p.index());
        assertEquals(1, p.rescheduleAttempt());
        assertEquals("s1", p.previousAllocId());
    }

    @Test
    void sysbatchRunsOncePerNode() {
        InMemoryClusterView v = cluster(3);
        Plan plan = Scheduler.schedule(sysbatch(), v, ctx(1));
        assertEquals(Set.of(1L, 2L, 3L), nodes(plan.placements()));
        v.apply(plan, NOW);
        for (Placement p : plan.placements()) {
            v.putAlloc(v.alloc(p.allocId()).withStatus(AllocStatus.COMPLETE, NOW));
        }
        assertTrue(Scheduler.schedule(sysbatch(), v, ctx(2)).isNoOp(), "completed nodes are done");

        v.putNode(node(4));
        assertEquals(Set.of(4L), nodes(Scheduler.schedule(sysbatch(), v, ctx(3)).placements()));
    }

    @Test
    void sysbatchFailureUsesTheReschedulePolicy() {
        InMemoryClusterView v = cluster(1);
        v.putAlloc(new AllocView("r1", "sb", "run", 0, 1, R, AllocStatus.FAILED, true, 0, NOW));
        // Batch defaults: one reschedule after 5 s.
        assertEquals(1, Scheduler.schedule(sysbatch(), v, ctx(NOW + 5_000, 1)).placements().size());
        v.putAlloc(new AllocView("r1", "sb", "run", 0, 1, R, AllocStatus.FAILED, true, 1, NOW));
        assertTrue(Scheduler.schedule(sysbatch(), v, ctx(NOW + 999_000, 1)).isNoOp());
    }

    @Test
    void oneShotTargetsPlaceAsIntended() {
        InMemoryClusterView v = cluster(4)
                .putNode(node(2, Map.of("group", "edge")))
                .putNode(node(3, Map.of("group", "edge")));
        JobSpec all = OneShotJobs.forTarget("all", List.of("uptime"), "c1");
        assertEquals(Set.of(1L, 2L, 3L, 4L), nodes(Scheduler.schedule(all, v, ctx(1)).placements()));
        JobSpec edge = OneShotJobs.forTarget("group:edge", List.of("uptime"), "c2");
        assertEquals(Set.of(2L, 3L), nodes(Scheduler.schedule(edge, v, ctx(1)).placements()));
        JobSpec one = OneShotJobs.forTarget("node:4", List.of("uptime"), "c3");
        Plan plan = Scheduler.schedule(one, v, ctx(1));
        assertEquals(List.of(4L), plan.placements().stream().map(Placement::nodeId).toList());
        JobSpec missing = OneShotJobs.forTarget("node:99", List.of("uptime"), "c4");
        Plan none = Scheduler.schedule(missing, v, ctx(1));
        assertEquals(Map.of("constraint node.id = 99", 4), none.failures().get(0).metric().filtered());
    }
}
