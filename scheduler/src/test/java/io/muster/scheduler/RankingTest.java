package io.muster.scheduler;

import static io.muster.scheduler.Fixtures.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.muster.types.job.JobSpec;
import io.muster.types.job.JobType;
import io.muster.types.job.PlacementStrategy;
import io.muster.types.state.AllocStatus;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RankingTest {

    @Test
    void packFillsOneNodeBeforeOpeningAnother() {
        for (long seed = 0; seed < 20; seed++) {
            // Each node fits exactly four allocations of 1000 CPU.
            Plan plan = Scheduler.schedule(service("j", 8, 1000, 100), cluster(16), ctx(seed));
            Map<Long, Integer> perNode = perNode(plan.placements());
            assertEquals(2, perNode.size(), "seed " + seed + ": " + perNode);
            assertTrue(perNode.values().stream().allMatch(n -> n == 4), perNode.toString());
        }
    }

    @Test
    void packPrefersTheFullerNode() {
        InMemoryClusterView v = cluster(2);
        v.putAlloc(alloc("x", "other", "g", 0, 2, new Resources(3000, 6000), AllocStatus.RUNNING));
        for (long seed = 0; seed < 10; seed++) {
            Plan plan = Scheduler.schedule(service("j", 1, 100, 100), v, ctx(seed));
            assertEquals(2L, plan.placements().get(0).nodeId());
        }
    }

    @Test
    void spreadPutsCountNOnNDistinctNodes() {
        for (long seed = 0; seed < 20; seed++) {
            Plan plan = Scheduler.schedule(spread("j", 10, 100, 100), cluster(10), ctx(seed));
            assertEquals(10, perNode(plan.placements()).size());
            Plan twice = Scheduler.schedule(spread("j", 25, 100, 100), cluster(10), ctx(seed));
            Map<Long, Integer> perNode = perNode(twice.placements());
            assertEquals(10, perNode.size());
            assertTrue(perNode.values().stream().allMatch(n -> n == 2 || n == 3), perNode.toString());
        }
    }

    @Test
    void spreadAccountsForExistingAllocationsOfTheGroup() {
        InMemoryClusterView v = cluster(4);
        v.putAlloc(alloc("a0", "j", "web", 0, 1, new Resources(100, 100), AllocStatus.RUNNING));
        v.putAlloc(alloc("a1", "j", "web", 1, 2, new Resources(100, 100), AllocStatus.RUNNING));
        // Another job's allocations do not count against the spread.
        v.putAlloc(alloc("o", "other", "web", 0, 3, new Resources(100, 100), AllocStatus.RUNNING));
        Plan plan = Scheduler.schedule(spread("j", 4, 100, 100), v, ctx(5));
        assertEquals(Set.of(3L, 4L), perNode(plan.placements()).keySet());
        assertEquals(List.of(2, 3), plan.placements().stream().map(Placement::index).toList());
    }

    @Test
    void spreadBreaksTiesByBinPacking() {
        InMemoryClusterView v = cluster(2); // two nodes: both within the candidate limit
        v.putAlloc(alloc("o", "other", "g", 0, 2, new Resources(2000, 4000), AllocStatus.RUNNING));
        for (long seed = 0; seed < 10; seed++) {
            Plan plan = Scheduler.schedule(spread("j", 1, 100, 100), v, ctx(seed));
            assertEquals(2L, plan.placements().get(0).nodeId(), "seed " + seed);
        }
    }

    @Test
    void placementIsDeterministicPerSeedAndVariesAcrossSeeds() {
        JobSpec job = job("j", JobType.BATCH, group("g", 1, PlacementStrategy.PACK, 100, 100, JobType.BATCH));
        InMemoryClusterView v = cluster(100);
        assertEquals(Scheduler.schedule(job, v, SchedulerContext.sequential(NOW, 7, "a")),
                Scheduler.schedule(job, v, SchedulerContext.sequential(NOW, 7, "a")));
        Set<Long> first = new HashSet<>();
        for (long seed = 0; seed < 30; seed++) {
            first.add(Scheduler.schedule(job, v, ctx(seed)).placements().get(0).nodeId());
        }
        assertTrue(first.size() > 10, "random offset spreads load across the cluster: " + first);
        assertNotEquals(1, first.size());
    }

    @Test
    void nomadCandidateLimits() {
        assertEquals(2, NodeSelector.candidateLimit(true, 10_000));
        assertEquals(2, NodeSelector.candidateLimit(false, 1));
        assertEquals(2, NodeSelector.candidateLimit(false, 4));
        assertEquals(3, NodeSelector.candidateLimit(false, 5));
        assertEquals(10, NodeSelector.candidateLimit(false, 1000));
        assertEquals(14, NodeSelector.candidateLimit(false, 10_000));
    }

    @Test
    void binPackFitnessMatchesNomadFormula() {
        InMemoryClusterView v = new InMemoryClusterView().putNode(withCapacity(node(1), 1000, 1000));
        NodeUsage s = new NodeUsage(v);
        assertEquals(1.0, s.fitness(0, new Resources(1000, 1000)), 1e-9);  // 20 - (1 + 1) = 18
        assertEquals(0.0, s.fitness(0, new Resources(0, 0)), 1e-9);         // 20 - (10 + 10) = 0
        double half = (20 - 2 * Math.sqrt(10)) / 18;
        assertEquals(half, s.fitness(0, new Resources(500, 500)), 1e-9);
    }
}
