package io.muster.scheduler;

import static io.muster.scheduler.Fixtures.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.muster.types.job.Constraint;
import io.muster.types.job.JobSpec;
import io.muster.types.job.JobType;
import io.muster.types.job.PlacementStrategy;
import io.muster.types.state.AllocStatus;
import io.muster.types.state.NodeStatus;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class FeasibilityTest {

    private static Set<Long> nodesChosen(JobSpec job, ClusterView view) {
        Plan plan = Scheduler.schedule(job, view, ctx(1));
        return plan.placements().stream().map(Placement::nodeId).collect(Collectors.toSet());
    }

    @Test
    void onlyReadyEligibleNodesReceiveWork() {
        InMemoryClusterView v = new InMemoryClusterView()
                .putNode(node(1).withStatus(NodeStatus.INITIALIZING))
                .putNode(node(2).withStatus(NodeStatus.DRAINING))
                .putNode(node(3).withStatus(NodeStatus.DOWN))
                .putNode(node(4).withStatus(NodeStatus.REVOKED))
                .putNode(node(5).withEligible(false))
                .putNode(node(6));
        assertEquals(Set.of(6L), nodesChosen(service("j", 3, 100, 64), v));

        v.removeNode(6);
        Plan plan = Scheduler.schedule(service("j", 3, 100, 64), v, ctx(1));
        assertEquals(List.of(), plan.placements());
        PlacementFailure f = plan.failures().get(0);
        assertEquals(3, f.unplaced());
        assertEquals(Map.of(AllocMetric.NOT_READY, 5), f.metric().filtered());
        assertEquals(5, f.metric().nodesEvaluated());
        assertEquals(5, f.metric().nodesFiltered());
    }

    @Test
    void labelConstraint() {
        InMemoryClusterView v = cluster(3).putNode(node(2, Map.of("role", "web")));
        JobSpec job = withConstraints(service("j", 2, 100, 64), Constraint.of("label.role", "=", "web"));
        assertEquals(Set.of(2L), nodesChosen(job, v));
    }

    @Test
    void osArchAndNodeIdConstraints() {
        InMemoryClusterView v = cluster(4)
                .putNode(withPlatform(node(2), "freebsd", "amd64"))
                .putNode(withPlatform(node(3), "linux", "arm64"));
        assertEquals(Set.of(2L), nodesChosen(withConstraints(service("j", 1, 1, 1), Constraint.of("os", "=", "freebsd")), v));
        assertEquals(Set.of(3L), nodesChosen(withConstraints(service("j", 1, 1, 1),
                Constraint.of("node.arch", "=", "arm64")), v));
        assertEquals(Set.of(4L), nodesChosen(withConstraints(service("j", 1, 1, 1),
                Constraint.of("node.id", "=", "4")), v));
        assertEquals(Set.of(1L, 4L), nodesChosen(withConstraints(spread("j", 4, 1, 1),
                Constraint.of("node.os", "=", "linux"), Constraint.of("arch", "!=", "arm64")), v));
    }

    @Test
    void setRegexpAndPresenceOperators() {
        InMemoryClusterView v = new InMemoryClusterView()
                .putNode(node(1, Map.of("zone", "eu-west-1")))
                .putNode(node(2, Map.of("zone", "eu-central-1", "gpu", "a100")))
                .putNode(node(3, Map.of("zone", "us-east-1")))
                .putNode(node(4));
        assertEquals(Set.of(1L, 3L), nodesChosen(withConstraints(spread("j", 4, 1, 1),
                Constraint.of("label.zone", "in", "eu-west-1, us-east-1")), v));
        // not_in and != are satisfied by nodes without the label.
        assertEquals(Set.of(2L, 4L), nodesChosen(withConstraints(spread("j", 4, 1, 1),
                Constraint.of("label.zone", "not_in", "eu-west-1,us-east-1")), v));
        assertEquals(Set.of(1L, 2L), nodesChosen(withConstraints(spread("j", 4, 1, 1),
                Constraint.of("label.zone", "regexp", "^eu-")), v));
        assertEquals(Set.of(2L), nodesChosen(withConstraints(spread("j", 4, 1, 1),
                Constraint.of("label.gpu", "exists", null)), v));
        assertEquals(Set.of(1L, 3L, 4L), nodesChosen(withConstraints(spread("j", 4, 1, 1),
                Constraint.of("label.gpu", "is_not_set", null)), v));
        assertEquals(Set.of(1L, 3L, 4L), nodesChosen(withConstraints(spread("j", 4, 1, 1),
                Constraint.of("label.gpu", "!=", "a100")), v));
    }

    @Test
    void groupConstraintsApplyAfterJobConstraints() {
        InMemoryClusterView v = new InMemoryClusterView()
                .putNode(node(1, Map.of("role", "web", "disk", "ssd")))
                .putNode(node(2, Map.of("role", "web")))
                .putNode(node(3, Map.of("disk", "ssd")));
        JobSpec base = withConstraints(spread("j", 3, 1, 1), Constraint.of("label.role", "=", "web"));
        JobSpec job = base.withGroups(List.of(base.groups().get(0)
                .withConstraints(List.of(Constraint.of("label.disk", "=", "ssd")))));
        Plan plan = Scheduler.schedule(job, v, ctx(1));
        assertEquals(Set.of(1L), plan.placements().stream().map(Placement::nodeId).collect(Collectors.toSet()));
        assertEquals(3, plan.placements().size(), "spread doubles up when only one node qualifies");
    }

    @Test
    void driverMustBeAdvertised() {
        InMemoryClusterView v = new InMemoryClusterView()
                .putNode(withDrivers(node(1), "exec"))
                .putNode(withDrivers(node(2), "exec", "docker"));
        JobSpec job = job("j", JobType.SERVICE, dockerGroup("c", 2));
        assertEquals(Set.of(2L), nodesChosen(job, v));

        v.removeNode(2);
        Plan plan = Scheduler.schedule(job, v, ctx(1));
        assertEquals(Map.of("driver docker missing", 1), plan.failures().get(0).metric().filtered());
    }

    @Test
    void resourcesCountOtherJobsAndThisPlan() {
        InMemoryClusterView v = new InMemoryClusterView().putNode(withCapacity(node(1), 1000, 1000));
        v.putAlloc(alloc("other", "other-job", "g", 0, 1, new Resources(600, 100), AllocStatus.RUNNING));
        // Terminal and unwanted allocations hold nothing.
        v.putAlloc(alloc("done", "other-job", "g", 1, 1, new Resources(1000, 1000), AllocStatus.COMPLETE));
        v.putAlloc(alloc("leaving", "other-job", "g", 2, 1, new Resources(1000, 1000), AllocStatus.RUNNING)
                .withDesiredRun(false));
        Plan plan = Scheduler.schedule(service("j", 5, 100, 100), v, ctx(1));
        assertEquals(4, plan.placements().size(), "400 CPU left: four of 100");
        PlacementFailure f = plan.failures().get(0);
        assertEquals(1, f.unplaced());
        assertEquals(Map.of(AllocMetric.CPU_EXHAUSTED, 1), f.metric().filtered());
        assertEquals(1, f.metric().nodesExhausted());
    }

    @Test
    void memoryExhaustionIsReportedAsSuch() {
        InMemoryClusterView v = new InMemoryClusterView().putNode(withCapacity(node(1), 10_000, 100));
        Plan plan = Scheduler.schedule(service("j", 1, 100, 200), v, ctx(1));
        assertEquals(Map.of(AllocMetric.MEMORY_EXHAUSTED, 1), plan.failures().get(0).metric().filtered());
    }

    @Test
    void impossiblePlacementReportsEveryReasonOnce() {
        InMemoryClusterView v = new InMemoryClusterView();
        long id = 1;
        for (int i = 0; i < 2; i++) {
            v.putNode(node(id++, Map.of("role", "web")).withStatus(NodeStatus.DOWN));
        }
        for (int i = 0; i < 3; i++) {
            v.putNode(node(id++, Map.of("role", "db")));
        }
        for (int i = 0; i < 4; i++) {
            v.putNode(withDrivers(node(id++, Map.of("role", "web")), "exec"));
        }
        for (int i = 0; i < 5; i++) {
            v.putNode(withCapacity(node(id++, Map.of("role", "web")), 50, 8192));
        }
        JobSpec job = withConstraints(job("j", JobType.SERVICE, dockerGroup("c", 7)),
                Constraint.of("label.role", "=", "web"));
        Plan plan = Scheduler.schedule(job, v, ctx(3));
        assertTrue(plan.placements().isEmpty());
        PlacementFailure f = plan.failures().get(0);
        assertEquals("c", f.group());
        assertEquals(7, f.unplaced());
        assertEquals(List.of(AllocMetric.NOT_READY, "constraint label.role = web", "driver docker missing",
                AllocMetric.CPU_EXHAUSTED), List.copyOf(f.metric().filtered().keySet()));
        assertEquals(List.of(2, 3, 4, 5), List.copyOf(f.metric().filtered().values()));
        assertEquals(14, f.metric().nodesEvaluated());
        assertEquals(9, f.metric().nodesFiltered());
        assertEquals(5, f.metric().nodesExhausted());
        assertEquals("group c: 7 unplaced; 0 of 14 nodes feasible: node not ready/ineligible: 2, "
                + "constraint label.role = web: 3, driver docker missing: 4, resources exhausted (cpu): 5",
                f.describe());
    }

    @Test
    void partialPlacementReportsOnlyTheRemainder() {
        InMemoryClusterView v = cluster(2);
        Plan plan = Scheduler.schedule(job("j", JobType.BATCH,
                group("g", 10, PlacementStrategy.PACK, 1000, 1000, JobType.BATCH)), v, ctx(1));
        assertEquals(8, plan.placements().size());
        assertEquals(2, plan.failures().get(0).unplaced());
        assertEquals(2, plan.failures().get(0).metric().nodesExhausted());
    }

    private static NodeView limited(long id) {
        NodeView n = node(id);
        return new NodeView(n.id(), n.status(), n.eligible(), n.os(), n.arch(), n.labels(), n.drivers(), n.capacity(), true);
    }

    private static JobSpec enforced(String id, int count, io.muster.types.job.Driver driver) {
        io.muster.types.job.TaskSpec task = driver == io.muster.types.job.Driver.EXEC
                ? io.muster.types.job.TaskSpec.exec("main", "sleep", List.of("60")).withResources(new io.muster.types.job.TaskResources(100, 64, 0, true))
                : new io.muster.types.job.TaskSpec("main", driver, null, List.of(), "busybox", Map.of(), new io.muster.types.job.TaskResources(100, 64, 0, true),
                        null, false, null, null);
        return job(id, JobType.SERVICE, new io.muster.types.job.TaskGroup("web", count, PlacementStrategy.PACK, List.of(),
                io.muster.types.job.RestartPolicy.defaultFor(JobType.SERVICE), io.muster.types.job.ReschedulePolicy.defaultFor(JobType.SERVICE), List.of(task)));
    }

    @Test
    void anExecGroupThatRequiresLimitsGoesOnlyToNodesThatEnforceThem() {
        InMemoryClusterView v = cluster(3).putNode(limited(2));
        assertEquals(Set.of(2L), nodesChosen(enforced("j", 3, io.muster.types.job.Driver.EXEC), v));
        assertEquals(Set.of(1L, 2L, 3L).size(), nodesChosen(spread("k", 3, 100, 64), v).size(), "without enforce: any node");

        v.removeNode(2);
        Plan plan = Scheduler.schedule(enforced("j", 2, io.muster.types.job.Driver.EXEC), v, ctx(1));
        assertEquals(List.of(), plan.placements());
        assertEquals(Map.of("resource limits not enforced (no usable cgroups)", 2), plan.failures().get(0).metric().filtered(),
                "the reason names what is missing");
    }

    @Test
    void dockerEnforcesLimitsItselfSoEnforceDoesNotNarrowItsNodes() {
        InMemoryClusterView v = cluster(2);
        assertEquals(2, Scheduler.schedule(enforced("d", 2, io.muster.types.job.Driver.DOCKER), v, ctx(1)).placements().size());
    }
}
