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
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Random clusters and jobs under churn (nodes failing, draining, returning; allocations failing and completing;
 * counts changing). After every applied plan: no node over capacity, at most one live allocation per slot (per
 * node for system jobs), placements only on schedulable feasible nodes; once churn stops, a second pass is a no-op.
 */
class SimulationTest {
    private static final String[] ROLES = {"web", "db", "edge"};

    @Test
    void invariantsHoldUnderChurn() {
        for (long seed = 0; seed < 40; seed++) {
            simulate(seed);
        }
    }

    private void simulate(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        InMemoryClusterView v = new InMemoryClusterView();
        int nodeCount = 5 + rnd.nextInt(30);
        for (long id = 1; id <= nodeCount; id++) {
            v.putNode(withCapacity(node(id, Map.of("role", ROLES[rnd.nextInt(ROLES.length)])),
                    500 + rnd.nextInt(4000), 500 + rnd.nextInt(8000)));
        }
        List<JobSpec> jobs = new ArrayList<>();
        for (int j = 0; j < 4; j++) {
            jobs.add(randomJob("job" + j, rnd));
        }
        long now = NOW;
        for (int step = 0; step < 25; step++) {
            now += 1_000 + rnd.nextInt(60_000);
            for (int j = 0; j < jobs.size(); j++) {
                if (rnd.nextInt(6) == 0 && !jobs.get(j).type().perNode()) {
                    JobSpec job = jobs.get(j);
                    jobs.set(j, job.withGroups(List.of(job.groups().get(0).withCount(rnd.nextInt(25)))));
                }
                schedulePassAndCheck(jobs.get(j), v, now, rnd.nextLong(), seed);
            }
            churn(v, rnd, now);
        }
        // Quiesce: a pass over settled state changes nothing.
        for (JobSpec job : jobs) {
            schedulePassAndCheck(job, v, now, 1, seed);
            Plan again = Scheduler.schedule(job, v, ctx(now, 2));
            assertTrue(again.isNoOp(), "seed " + seed + " " + job.id() + ": " + again);
        }
    }

    private static JobSpec randomJob(String id, SplittableRandom rnd) {
        // Operations are placed by the operation planner, not the scheduler.
        JobType[] types = {JobType.SERVICE, JobType.BATCH, JobType.SYSTEM, JobType.SYSBATCH};
        JobType type = types[rnd.nextInt(types.length)];
        PlacementStrategy placement = rnd.nextBoolean() ? PlacementStrategy.PACK : PlacementStrategy.SPREAD;
        int count = type.perNode() ? 1 : rnd.nextInt(30);
        JobSpec job = job(id, type, group("g", count, placement, 50 + rnd.nextInt(800), 50 + rnd.nextInt(1500), type));
        if (rnd.nextInt(3) == 0) {
            job = withConstraints(job, Constraint.of("label.role", "!=", ROLES[rnd.nextInt(ROLES.length)]));
        }
        return job;
    }

    private static void schedulePassAndCheck(JobSpec job, InMemoryClusterView v, long now, long seed, long sim) {
        Plan plan = Scheduler.schedule(job, v, ctx(now, seed));
        for (Placement p : plan.placements()) {
            NodeView n = v.node(p.nodeId());
            assertTrue(n.schedulable(), "sim " + sim + ": placed on unschedulable node " + n);
            for (Constraint c : job.constraints()) {
                assertTrue(NodeCheck.ConstraintCheck.compile(c).test(n), "sim " + sim + ": " + c + " on " + n);
            }
        }
        v.apply(plan, now);
        assertWithinCapacity(v);
        Set<String> slots = new HashSet<>();
        for (AllocView a : v.allocsOfJob(job.id())) {
            if (a.live()) {
                String key = job.type().perNode() ? a.group() + "@" + a.nodeId() : a.group() + "#" + a.index();
                assertTrue(slots.add(key), "sim " + sim + ": two live allocations for " + key);
                if (!job.type().perNode()) {
                    assertTrue(a.index() < job.groups().get(0).count(), "sim " + sim + ": index above count");
                }
            }
        }
    }

    private static void churn(InMemoryClusterView v, SplittableRandom rnd, long now) {
        for (NodeView n : List.copyOf(v.nodes())) {
            int roll = rnd.nextInt(40);
            if (roll == 0) {
                v.putNode(n.withStatus(NodeStatus.DOWN));
            } else if (roll == 1) {
                v.putNode(n.withStatus(NodeStatus.DRAINING));
            } else if (roll < 5 && n.status() != NodeStatus.READY) {
                v.putNode(n.withStatus(NodeStatus.READY));
            }
        }
        for (AllocView a : List.copyOf(v.allocs())) {
            if (!a.desiredRun() && !a.status().isTerminal()) {
                v.putAlloc(a.withStatus(AllocStatus.COMPLETE, now)); // the worker acknowledged the stop
            } else if (a.live()) {
                int roll = rnd.nextInt(30);
                if (roll == 0) {
                    v.putAlloc(a.withStatus(AllocStatus.FAILED, now));
                } else if (roll == 1) {
                    v.putAlloc(a.withStatus(AllocStatus.COMPLETE, now));
                } else if (a.status() == AllocStatus.PENDING) {
                    v.putAlloc(a.withStatus(AllocStatus.RUNNING, 0));
                }
            }
        }
        assertEquals(v.allocs().size(), v.allocs().stream().map(AllocView::id).distinct().count());
    }
}
