package io.muster.server.service;

import io.muster.client.OperationView;
import io.muster.client.OperationView.TaskResult;
import io.muster.scheduler.OperationPlanner;
import io.muster.server.state.ClusterSnapshot;
import io.muster.server.state.OperationReads;
import io.muster.server.state.Records.ExcludedNode;
import io.muster.server.state.Records.JobRecord;
import io.muster.server.state.Records.OperationRecord;
import io.muster.types.job.JobSpec;
import io.muster.types.job.OperationSpec;
import io.muster.types.job.OperationStep;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * An operation job's {@code operation} section and {@code results} matrix, read through the same
 * {@link OperationPlanner} the leader decides with: the matrix shows what the leader sees.
 */
public final class OperationViews {
    private static final OperationReads READS = new OperationReads();

    private OperationViews() {}

    record View(OperationView operation, Map<String, Map<String, TaskResult>> results) {}

    /** @param now the API's clock: running durations and due retries are judged at it */
    static View of(ClusterSnapshot snap, JobRecord j, long now) {
        OperationRecord op = j.operation();
        JobSpec spec = READS.spec(j);
        OperationSpec ops = spec.operation();
        // Backoffs shown from the attempt's own end: a display never waits on the leader's memory.
        OperationPlanner.Progress p = OperationPlanner.plan(READS.input(snap, j, now, a -> a.finishedAt()));
        List<OperationView.Step> steps = new ArrayList<>();
        for (int i = 0; i < ops.steps().size(); i++) {
            OperationStep step = ops.steps().get(i);
            List<OperationView.StepTask> tasks = new ArrayList<>();
            for (int t = 0; t < step.tasks().size(); t++) tasks.add(new OperationView.StepTask(ops.taskKey(i, t), step.tasks().get(t).describe()));
            String state = op.status().isTerminal() && p.stepStates().get(i) != OperationPlanner.StepState.DONE
                    && p.stepStates().get(i) != OperationPlanner.StepState.SKIPPED ? "skipped" : lower(p.stepStates().get(i));
            if (op.status().isTerminal() && hasResults(p, ops, i) && !"done".equals(state)) state = "done";
            steps.add(new OperationView.Step(i, step.condition().key(), step.pipeline(), state, tasks));
        }
        List<OperationView.TargetNode> nodes = new ArrayList<>();
        for (long id : op.nodes()) nodes.add(new OperationView.TargetNode(id, name(snap, id), null));
        List<OperationView.TargetNode> excluded = new ArrayList<>();
        for (ExcludedNode x : op.excluded()) excluded.add(new OperationView.TargetNode(x.nodeId(), name(snap, x.nodeId()), x.reason()));
        OperationView view = new OperationView(op.status().wire(), ops.strategy().key(), ops.target().toString(), op.step(), steps, nodes, excluded,
                JobViews.instant(op.queuedAt()), op.startedAt() > 0 ? JobViews.instant(op.startedAt()) : null,
                op.endedAt() > 0 ? JobViews.instant(op.endedAt()) : null, op.reason().isEmpty() ? null : op.reason());
        Map<String, Map<String, TaskResult>> results = new LinkedHashMap<>();
        for (int i = 0; i < ops.steps().size(); i++) {
            for (int t = 0; t < ops.steps().get(i).tasks().size(); t++) {
                String key = ops.taskKey(i, t);
                Map<Long, OperationPlanner.Cell> cells = p.cells().get(key);
                if (cells == null) continue;
                Map<String, TaskResult> byNode = new LinkedHashMap<>();
                for (long id : op.nodes()) {
                    OperationPlanner.Cell c = cells.get(id);
                    if (c == null || (c.attempts() == 0 && c.status() == OperationPlanner.CellStatus.PENDING)) continue;
                    long duration = c.startedAt() > 0 ? (c.finishedAt() > 0 ? c.finishedAt() : now) - c.startedAt() : 0;
                    byNode.put(Long.toString(id), new TaskResult(name(snap, id), lower(c.status()), c.output(), Math.max(0, duration),
                            c.attempts(), c.message().isEmpty() ? null : c.message()));
                }
                if (!byNode.isEmpty()) results.put(key, byNode);
            }
        }
        return new View(view, results);
    }

    private static boolean hasResults(OperationPlanner.Progress p, OperationSpec ops, int step) {
        for (int t = 0; t < ops.steps().get(step).tasks().size(); t++) if (p.cells().containsKey(ops.taskKey(step, t))) return true;
        return false;
    }

    /** The {@code name} label, else the hostname, else the id. */
    static String name(ClusterSnapshot snap, long id) {
        return snap.node(id).map(OperationReads::name).orElse(Long.toString(id));
    }

    private static String lower(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }
}
