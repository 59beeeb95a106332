package io.muster.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.muster.scheduler.OperationPlanner.Attempt;
import io.muster.scheduler.OperationPlanner.CellStatus;
import io.muster.scheduler.OperationPlanner.Outcome;
import io.muster.scheduler.OperationPlanner.Placement;
import io.muster.scheduler.OperationPlanner.Progress;
import io.muster.scheduler.OperationPlanner.StepState;
import io.muster.types.job.ActionCall;
import io.muster.types.job.FailureStrategy;
import io.muster.types.job.OperationSpec;
import io.muster.types.job.OperationStep;
import io.muster.types.job.OperationTarget;
import io.muster.types.job.OperationTask;
import io.muster.types.job.RetryBackoff;
import io.muster.types.job.StepCondition;
import io.muster.types.state.AllocStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The planner as the leader uses it: decide, "commit" the placements as attempts, let tasks end, decide again. */
class OperationPlannerTest {
    static OperationTask task(String action, int retries) {
        return new OperationTask(new ActionCall("test", action, Map.of()), null, retries, null);
    }

    static OperationStep leaf(StepCondition c, OperationTask t) {
        return new OperationStep(c, false, List.of(t));
    }

    static OperationStep phase(StepCondition c, OperationTask... t) {
        return new OperationStep(c, true, List.of(t));
    }

    static OperationSpec spec(FailureStrategy strategy, int maxNodes, OperationStep... steps) {
        return new OperationSpec(OperationTarget.ALL, strategy, maxNodes, new RetryBackoff(Duration.ofSeconds(1), Duration.ofSeconds(4)), List.of(steps));
    }

    /** A tiny leader: attempts by allocation id, in the order they were placed. */
    static final class Run {
        final OperationSpec spec;
        final List<Long> nodes;
        final Set<Long> ready;
        final Map<String, Attempt> attempts = new LinkedHashMap<>();
        Duration timeout;
        long now = 1_000;

        Run(OperationSpec spec, long... nodes) {
            this.spec = spec;
            this.nodes = new ArrayList<>();
            for (long n : nodes) this.nodes.add(n);
            this.ready = new HashSet<>(this.nodes);
        }

        Progress decide() {
            Progress p = OperationPlanner.plan(new OperationPlanner.Input(spec, nodes, ready, List.copyOf(attempts.values()), 1_000, timeout, now));
            for (Placement pl : p.placements()) {
                String id = OperationPlanner.allocId("op", 1, pl.taskKey(), pl.nodeId(), pl.attempt());
                attempts.put(id, new Attempt(id, pl.taskKey(), pl.nodeId(), pl.attempt(), AllocStatus.PENDING, true, 0, 0, "", "", 0));
            }
            for (String id : p.stops()) {
                Attempt a = attempts.get(id);
                attempts.put(id, new Attempt(id, a.taskKey(), a.nodeId(), a.attempt(), AllocStatus.STOPPED, false, a.startedAt(), now, "stopped", "", now));
            }
            return p;
        }

        void end(String key, long node, AllocStatus status) {
            Attempt last = null;
            for (Attempt a : attempts.values()) if (a.taskKey().equals(key) && a.nodeId() == node) last = a;
            attempts.put(last.allocId(), new Attempt(last.allocId(), key, node, last.attempt(), status, true, now - 10, now,
                    status == AllocStatus.FAILED ? "exit code 1" : "", "out", now));
        }

        /** (task key, node) of the placements. */
        static List<String> placed(Progress p) {
            return p.placements().stream().map(x -> x.taskKey() + "@" + x.nodeId()).toList();
        }
    }

    @Test
    void aBarrierStepStartsOnlyOnceEveryNodeEndedTheOneBefore() {
        Run r = new Run(spec(FailureStrategy.FAIL_FAST, 0, leaf(StepCondition.ALWAYS, task("succeed", 0)), leaf(StepCondition.ALWAYS, task("succeed", 0))), 1, 2, 3);
        assertEquals(List.of("0@1", "0@2", "0@3"), Run.placed(r.decide()));
        r.end("0", 1, AllocStatus.COMPLETE);
        r.end("0", 2, AllocStatus.COMPLETE);
        Progress p = r.decide();
        assertEquals(List.of(), Run.placed(p), "node 3 has not ended step 0");
        assertEquals(List.of(StepState.RUNNING, StepState.PENDING), p.stepStates());
        r.end("0", 3, AllocStatus.COMPLETE);
        assertEquals(List.of("1@1", "1@2", "1@3"), Run.placed(r.decide()));
        for (long n = 1; n <= 3; n++) r.end("1", n, AllocStatus.COMPLETE);
        Progress done = r.decide();
        assertEquals(Outcome.COMPLETE, done.outcome());
        assertEquals(CellStatus.SUCCESS, done.cells().get("1").get(2L).status());
    }

    @Test
    void aPipelineNodeGoesOnWithoutWaitingForTheOthers() {
        Run r = new Run(spec(FailureStrategy.FAIL_FAST, 0, phase(StepCondition.ALWAYS, task("succeed", 0), task("succeed", 0), task("succeed", 0)),
                leaf(StepCondition.ALWAYS, task("succeed", 0))), 1, 2);
        assertEquals(List.of("0.0@1", "0.0@2"), Run.placed(r.decide()));
        r.end("0.0", 1, AllocStatus.COMPLETE);
        assertEquals(List.of("0.1@1"), Run.placed(r.decide()), "the fast node walks on; the slow one is still in sub-step 0");
        r.end("0.1", 1, AllocStatus.COMPLETE);
        assertEquals(List.of("0.2@1"), Run.placed(r.decide()));
        r.end("0.2", 1, AllocStatus.COMPLETE);
        assertEquals(List.of(), Run.placed(r.decide()), "the barrier after the phase waits for node 2");
        r.end("0.0", 2, AllocStatus.COMPLETE);
        r.decide();
        r.end("0.1", 2, AllocStatus.COMPLETE);
        r.decide();
        r.end("0.2", 2, AllocStatus.COMPLETE);
        assertEquals(List.of("1@1", "1@2"), Run.placed(r.decide()));
    }

    @Test
    void failFastStopsTheStepSkipsTheNormalFlowAndRunsTheRollback() {
        Run r = new Run(spec(FailureStrategy.FAIL_FAST, 0, leaf(StepCondition.ALWAYS, task("succeed", 0)), leaf(StepCondition.ALWAYS, task("succeed", 0)),
                leaf(StepCondition.ON_SUCCESS, task("succeed", 0)), leaf(StepCondition.ON_FAILURE, task("succeed", 0))), 1, 2);
        r.decide();
        r.end("0", 1, AllocStatus.FAILED);
        Progress p = r.decide();
        assertEquals(List.of(OperationPlanner.allocId("op", 1, "0", 2, 1)), p.stops(), "node 2's running task is stopped");
        assertEquals(List.of(), Run.placed(p));
        Progress rollback = r.decide();
        assertEquals(List.of("3@1", "3@2"), Run.placed(rollback), "the rollback runs on every node, the failed one too");
        assertEquals(List.of(StepState.DONE, StepState.SKIPPED, StepState.SKIPPED, StepState.RUNNING), rollback.stepStates());
        r.end("3", 1, AllocStatus.COMPLETE);
        r.end("3", 2, AllocStatus.COMPLETE);
        Progress end = r.decide();
        assertEquals(Outcome.FAILED, end.outcome());
        assertTrue(end.reason().contains("task 0 (test succeed) failed on node 1: exit code 1"), end.reason());
    }

    @Test
    void continueDropsOnlyTheFailedNodeAndOnSuccessIsSkipped() {
        Run r = new Run(spec(FailureStrategy.CONTINUE, 0, leaf(StepCondition.ALWAYS, task("succeed", 0)), leaf(StepCondition.ALWAYS, task("succeed", 0)),
                leaf(StepCondition.ON_SUCCESS, task("succeed", 0)), leaf(StepCondition.ON_FAILURE, task("succeed", 0))), 1, 2, 3);
        r.decide();
        r.end("0", 1, AllocStatus.COMPLETE);
        r.end("0", 2, AllocStatus.FAILED);
        Progress p = r.decide();
        assertEquals(List.of(), p.stops(), "continue stops nothing");
        r.end("0", 3, AllocStatus.COMPLETE);
        assertEquals(List.of("1@1", "1@3"), Run.placed(r.decide()), "node 2 dropped out");
        r.end("1", 1, AllocStatus.COMPLETE);
        r.end("1", 3, AllocStatus.COMPLETE);
        Progress next = r.decide();
        assertEquals(List.of("3@1", "3@2", "3@3"), Run.placed(next), "on_success skipped, on_failure on every node");
        assertEquals(StepState.SKIPPED, next.stepStates().get(2));
    }

    @Test
    void retriesWaitAGrowingBackoff() {
        Run r = new Run(spec(FailureStrategy.FAIL_FAST, 0, leaf(StepCondition.ALWAYS, task("flaky", 3))), 1);
        r.decide();
        r.end("0", 1, AllocStatus.FAILED); // at 1000
        Progress wait = r.decide();
        assertEquals(List.of(), Run.placed(wait));
        assertEquals(2_000, wait.wakeAt(), "base 1s after the first failure");
        assertEquals(CellStatus.RETRYING, wait.cells().get("0").get(1L).status());
        r.now = 2_000;
        assertEquals(2, r.decide().placements().getFirst().attempt());
        r.end("0", 1, AllocStatus.FAILED);
        assertEquals(4_000, r.decide().wakeAt(), "doubled");
        r.now = 4_000;
        r.decide();
        r.end("0", 1, AllocStatus.FAILED);
        assertEquals(8_000, r.decide().wakeAt(), "capped at 4s");
        r.now = 8_000;
        r.decide();
        r.end("0", 1, AllocStatus.FAILED);
        Progress out = r.decide();
        assertEquals(Outcome.FAILED, out.outcome(), "3 retries used");
        assertEquals(4, out.cells().get("0").get(1L).attempts());
    }

    @Test
    void theJobTimeoutStopsEverythingAndFails() {
        Run r = new Run(spec(FailureStrategy.FAIL_FAST, 0, leaf(StepCondition.ALWAYS, task("sleep", 0))), 1, 2);
        r.timeout = Duration.ofSeconds(30);
        Progress first = r.decide();
        assertEquals(31_000, first.wakeAt(), "the leader looks again at the deadline");
        r.now = 31_000;
        Progress p = r.decide();
        assertEquals(Outcome.FAILED, p.outcome());
        assertEquals("timed out after 30s", p.reason());
        assertEquals(2, p.stops().size());
    }

    @Test
    void aRollingBatchKeepsAtMostMaxConcurrentNodesInAStep() {
        Run r = new Run(spec(FailureStrategy.FAIL_FAST, 2, phase(StepCondition.ALWAYS, task("succeed", 0), task("succeed", 0))), 1, 2, 3, 4, 5);
        assertEquals(List.of("0.0@1", "0.0@2"), Run.placed(r.decide()));
        r.end("0.0", 1, AllocStatus.COMPLETE);
        assertEquals(List.of("0.1@1"), Run.placed(r.decide()), "node 1 still holds its place in the phase");
        r.end("0.1", 1, AllocStatus.COMPLETE);
        assertEquals(List.of("0.0@3"), Run.placed(r.decide()), "node 1 left the phase: node 3 takes its place");
    }

    @Test
    void aNodeDownWhenItsTurnComesFailsIt() {
        Run r = new Run(spec(FailureStrategy.CONTINUE, 0, leaf(StepCondition.ALWAYS, task("succeed", 0))), 1, 2);
        r.ready.remove(2L);
        Progress p = r.decide();
        assertEquals(List.of("0@1"), Run.placed(p));
        assertEquals("node is down", p.cells().get("0").get(2L).message());
        r.end("0", 1, AllocStatus.COMPLETE);
        Progress end = r.decide();
        assertEquals(Outcome.FAILED, end.outcome());
        assertEquals(CellStatus.SUCCESS, end.cells().get("0").get(1L).status());
        assertEquals("task 0 (test succeed) failed on node 2: node is down", end.reason());
    }
}
