package io.muster.scheduler;

import static io.muster.scheduler.Fixtures.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.muster.types.job.JobSpec;
import io.muster.types.job.JobType;
import io.muster.types.job.PlacementStrategy;
import io.muster.types.job.ReschedulePolicy;
import io.muster.types.job.TaskGroup;
import io.muster.types.state.AllocStatus;
import io.muster.types.state.NodeStatus;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Service and batch reconciliation: slots, replacement, migration, reschedule backoff, count changes. */
class ReconcilerTest {
    private static final Resources R = new Resources(100, 100);

    /** Runs schedule → apply until nothing changes; returns the last plan. */
    private static Plan converge(JobSpec job, InMemoryClusterView v, long now) {
        Plan plan = null;
        for (int i = 0; i < 5; i++) {
            plan = Scheduler.schedule(job, v, ctx(now, i));
            if (plan.isNoOp()) {
                return plan;
            }
            v.apply(plan, now);
        }
        return plan;
    }

    @Test
    void steadyServiceNeedsNothing() {
        InMemoryClusterView v = cluster(3);
        JobSpec job = service("j", 3, 100, 100);
        v.apply(Scheduler.schedule(job, v, ctx(1)), NOW);
        Plan again = Scheduler.schedule(job, v, ctx(2));
        assertTrue(again.isNoOp(), again.toString());
        assertEquals(List.of(), again.failures());
        assertEquals(OptionalLong.empty(), again.nextEvaluationAtMillis());
    }

    @Test
    void serviceReplacesAllocationsOnADownNode() {
        InMemoryClusterView v = cluster(3);
        v.putAlloc(alloc("a0", "j", "web", 0, 1, R, AllocStatus.RUNNING));
        v.putAlloc(alloc("a1", "j", "web", 1, 2, R, AllocStatus.RUNNING));
        v.putNode(node(1).withStatus(NodeStatus.DOWN));
        Plan plan = Scheduler.schedule(service("j", 2, 100, 100), v, ctx(1));
        assertEquals(List.of(new Stop("a0", StopReason.NODE_LOST)), plan.stops());
        Placement p = plan.placements().get(0);
        assertEquals(1, plan.placements().size());
        assertEquals(0, p.index());
        assertEquals("a0", p.previousAllocId());
        assertEquals(0, p.rescheduleAttempt(), "a lost node is not the allocation's failure");
        assertNotEquals(1L, p.nodeId());

        v.apply(plan, NOW);
        assertTrue(Scheduler.schedule(service("j", 2, 100, 100), v, ctx(2)).isNoOp());
    }

    @Test
    void unknownNodeCountsAsLost() {
        InMemoryClusterView v = cluster(2);
        v.putAlloc(alloc("a0", "j", "web", 0, 99, R, AllocStatus.RUNNING));
        Plan plan = Scheduler.schedule(service("j", 1, 100, 100), v, ctx(1));
        assertEquals(List.of(new Stop("a0", StopReason.NODE_LOST)), plan.stops());
        assertEquals(1, plan.placements().size());
    }

    @Test
    void drainMigratesPlacingBeforeStopping() {
        InMemoryClusterView v = cluster(2);
        v.putAlloc(alloc("a0", "j", "web", 0, 1, R, AllocStatus.RUNNING));
        v.putNode(node(1).withStatus(NodeStatus.DRAINING));
        Plan plan = Scheduler.schedule(service("j", 1, 100, 100), v, ctx(1));
        assertEquals(List.of(new Stop("a0", StopReason.MIGRATING)), plan.stops());
        assertEquals(2L, plan.placements().get(0).nodeId());
        assertEquals("a0", plan.placements().get(0).previousAllocId());
    }

    @Test
    void drainWithNowhereToGoKeepsTheOldAllocation() {
        InMemoryClusterView v = cluster(1);
        v.putAlloc(alloc("a0", "j", "web", 0, 1, R, AllocStatus.RUNNING));
        v.putNode(node(1).withStatus(NodeStatus.DRAINING));
        Plan plan = Scheduler.schedule(service("j", 1, 100, 100), v, ctx(1));
        assertEquals(List.of(), plan.stops());
        assertEquals(List.of(), plan.placements());
        assertEquals(1, plan.failures().get(0).unplaced());
        assertEquals(1, plan.failures().get(0).metric().filtered().get(AllocMetric.NOT_READY));
    }

    @Test
    void failedServiceAllocationIsRescheduledAfterBackoffAwayFromItsNode() {
        InMemoryClusterView v = cluster(2);
        long failedAt = NOW;
        v.putAlloc(new AllocView("a0", "j", "web", 0, 1, R, AllocStatus.FAILED, true, 0, failedAt));
        JobSpec job = service("j", 1, 100, 100); // default service policy: unlimited, 30s, max 1h

        Plan early = Scheduler.schedule(job, v, ctx(failedAt + 10_000, 1));
        assertTrue(early.isNoOp());
        assertEquals(OptionalLong.of(failedAt + 30_000), early.nextEvaluationAtMillis());

        for (long seed = 0; seed < 10; seed++) {
            Plan due = Scheduler.schedule(job, v, ctx(failedAt + 30_000, seed));
            Placement p = due.placements().get(0);
            assertEquals(1, p.rescheduleAttempt());
            assertEquals("a0", p.previousAllocId());
            assertEquals(0, p.index());
            assertEquals(2L, p.nodeId(), "the node it failed on is penalised");
        }
    }

    @Test
    void serviceBackoffGrowsExponentiallyToMaxDelay() {
        InMemoryClusterView v = cluster(2);
        v.putAlloc(new AllocView("a3", "j", "web", 0, 1, R, AllocStatus.FAILED, true, 3, NOW));
        Plan plan = Scheduler.schedule(service("j", 1, 100, 100), v, ctx(NOW, 1));
        assertEquals(OptionalLong.of(NOW + 240_000), plan.nextEvaluationAtMillis(), "30s · 2^3");
        v.putAlloc(new AllocView("a3", "j", "web", 0, 1, R, AllocStatus.FAILED, true, 20, NOW));
        plan = Scheduler.schedule(service("j", 1, 100, 100), v, ctx(NOW, 1));
        assertEquals(OptionalLong.of(NOW + 3_600_000), plan.nextEvaluationAtMillis(), "capped at 1h");
    }

    @Test
    void batchCompletionIsNotRerun() {
        InMemoryClusterView v = cluster(2);
        JobSpec job = job("b", JobType.BATCH, group("g", 3, PlacementStrategy.PACK, 100, 100, JobType.BATCH));
        v.putAlloc(alloc("b0", "b", "g", 0, 1, R, AllocStatus.COMPLETE));
        v.putAlloc(alloc("b1", "b", "g", 1, 1, R, AllocStatus.COMPLETE));
        v.putAlloc(alloc("b2", "b", "g", 2, 2, R, AllocStatus.RUNNING));
        assertTrue(Scheduler.schedule(job, v, ctx(1)).isNoOp());
        // Even once its node is gone, a completed slot stays done, while the running one is replaced.
        v.putNode(node(1).withStatus(NodeStatus.DOWN));
        v.putNode(node(2).withStatus(NodeStatus.DOWN));
        v.putNode(node(3));
        Plan plan = Scheduler.schedule(job, v, ctx(1));
        assertEquals(List.of(new Stop("b2", StopReason.NODE_LOST)), plan.stops());
        assertEquals(List.of(2), plan.placements().stream().map(Placement::index).toList());
        assertEquals(3L, plan.placements().get(0).nodeId());
    }

    @Test
    void batchFailureIsRescheduledWithBackoffUntilAttemptsAreExhausted() {
        InMemoryClusterView v = cluster(2);
        TaskGroup g = group("g", 1, PlacementStrategy.PACK, 100, 100, JobType.BATCH)
                .withReschedule(new ReschedulePolicy(2, Duration.ofSeconds(10), Duration.ofMinutes(5)));
        JobSpec job = job("b", JobType.BATCH, g);

        Plan first = Scheduler.schedule(job, v, ctx(NOW, 1));
        v.apply(first, NOW);
        Placement p0 = first.placements().get(0);
        v.putAlloc(v.alloc(p0.allocId()).withStatus(AllocStatus.FAILED, NOW));

        // Attempt 1 after 10 s.
        assertEquals(OptionalLong.of(NOW + 10_000), Scheduler.schedule(job, v, ctx(NOW + 9_999, 1))
                .nextEvaluationAtMillis());
        Plan retry1 = Scheduler.schedule(job, v, ctx(NOW + 10_000, 1));
        Placement p1 = retry1.placements().get(0);
        assertEquals(1, p1.rescheduleAttempt());
        assertEquals(p0.allocId(), p1.previousAllocId());
        v.apply(retry1, NOW + 10_000);
        long failed1 = NOW + 20_000;
        v.putAlloc(v.alloc(p1.allocId()).withStatus(AllocStatus.FAILED, failed1));

        // Attempt 2 after 20 s (doubled).
        Plan wait2 = Scheduler.schedule(job, v, ctx(failed1 + 10_000, 1));
        assertTrue(wait2.placements().isEmpty());
        assertEquals(OptionalLong.of(failed1 + 20_000), wait2.nextEvaluationAtMillis());
        Plan retry2 = Scheduler.schedule(job, v, ctx(failed1 + 20_000, 1));
        Placement p2 = retry2.placements().get(0);
        assertEquals(2, p2.rescheduleAttempt());
        v.apply(retry2, failed1 + 20_000);
        v.putAlloc(v.alloc(p2.allocId()).withStatus(AllocStatus.FAILED, failed1 + 30_000));

        // Exhausted: nothing more, ever, and no re-evaluation asked for.
        Plan done = Scheduler.schedule(job, v, ctx(failed1 + 10_000_000, 1));
        assertTrue(done.isNoOp());
        assertEquals(OptionalLong.empty(), done.nextEvaluationAtMillis());
        assertEquals(List.of(), done.failures());
    }

    @Test
    void lostAllocationIsReplacedAtOnceKeepingItsAttemptCount() {
        InMemoryClusterView v = cluster(2);
        v.putAlloc(new AllocView("a0", "j", "web", 0, 1, R, AllocStatus.LOST, false, 2, NOW));
        Plan plan = Scheduler.schedule(service("j", 1, 100, 100), v, ctx(NOW, 1));
        assertEquals(2, plan.placements().get(0).rescheduleAttempt());
        assertEquals("a0", plan.placements().get(0).previousAllocId());
    }

    @Test
    void countLoweredStopsHighestIndices() {
        InMemoryClusterView v = cluster(4);
        v.apply(Scheduler.schedule(service("j", 6, 100, 100), v, ctx(1)), NOW);
        Plan plan = Scheduler.schedule(service("j", 3, 100, 100), v, ctx(2));
        Set<Integer> stoppedIndices = plan.stops().stream()
                .map(s -> v.alloc(s.allocId()).index()).collect(Collectors.toSet());
        assertEquals(Set.of(3, 4, 5), stoppedIndices);
        assertTrue(plan.stops().stream().allMatch(s -> s.reason() == StopReason.COUNT_LOWERED));
        assertTrue(plan.placements().isEmpty());
    }

    @Test
    void countRaisedAddsNewIndicesAndReusesStoppedSlots() {
        InMemoryClusterView v = cluster(4);
        v.apply(Scheduler.schedule(service("j", 4, 100, 100), v, ctx(1)), NOW);
        v.apply(Scheduler.schedule(service("j", 2, 100, 100), v, ctx(2)), NOW);
        Plan plan = Scheduler.schedule(service("j", 5, 100, 100), v, ctx(3));
        assertEquals(List.of(2, 3, 4), plan.placements().stream().map(Placement::index).toList());
        assertTrue(plan.placements().stream().allMatch(p -> p.previousAllocId() == null));
    }

    @Test
    void duplicateLiveAllocationsForOneSlotAreStopped() {
        InMemoryClusterView v = cluster(2);
        v.putAlloc(alloc("x", "j", "web", 0, 1, R, AllocStatus.RUNNING));
        v.putAlloc(alloc("y", "j", "web", 0, 2, R, AllocStatus.RUNNING));
        Plan plan = Scheduler.schedule(service("j", 1, 100, 100), v, ctx(1));
        assertEquals(List.of(new Stop("y", StopReason.DUPLICATE)), plan.stops());
    }

    @Test
    void removedGroupsAndStoppedJobsStopTheirAllocations() {
        InMemoryClusterView v = cluster(2);
        v.putAlloc(alloc("old", "j", "gone", 0, 1, R, AllocStatus.RUNNING));
        v.putAlloc(alloc("w0", "j", "web", 0, 1, R, AllocStatus.RUNNING));
        v.putAlloc(alloc("w1", "j", "web", 1, 1, R, AllocStatus.COMPLETE));
        Plan plan = Scheduler.schedule(service("j", 1, 100, 100), v, ctx(1));
        assertEquals(List.of(new Stop("old", StopReason.GROUP_REMOVED)), plan.stops());

        Plan stop = Scheduler.scheduleStop("j", v);
        assertEquals(List.of("old", "w0"), stop.stopIds());
        assertTrue(stop.stops().stream().allMatch(s -> s.reason() == StopReason.JOB_STOPPED));
        assertTrue(stop.placements().isEmpty());
    }

    @Test
    void stoppedAllocationsFreeRoomForThisPlan() {
        InMemoryClusterView v = new InMemoryClusterView().putNode(withCapacity(node(1), 300, 300));
        v.putAlloc(alloc("old", "j", "gone", 0, 1, new Resources(300, 300), AllocStatus.RUNNING));
        Plan plan = Scheduler.schedule(service("j", 3, 100, 100), v, ctx(1));
        assertEquals(3, plan.placements().size());
        assertEquals(List.of("old"), plan.stopIds());
    }

    @Test
    void convergesAfterChurn() {
        InMemoryClusterView v = cluster(6);
        JobSpec job = spread("j", 12, 500, 500);
        converge(job, v, NOW);
        v.putNode(node(2).withStatus(NodeStatus.DOWN));
        v.putNode(node(3).withStatus(NodeStatus.DRAINING));
        Plan last = converge(job, v, NOW);
        assertTrue(last.isNoOp());
        var live = live(v, "j").get("web");
        assertEquals(12, live.size());
        assertEquals(Set.of(1L, 4L, 5L, 6L), live.stream().map(AllocView::nodeId).collect(Collectors.toSet()));
        assertEquals(12, live.stream().map(AllocView::index).collect(Collectors.toSet()).size());
        assertWithinCapacity(v);
    }
}
