package io.muster.scheduler;

import io.muster.types.job.FailureStrategy;
import io.muster.types.job.OperationSpec;
import io.muster.types.job.OperationStep;
import io.muster.types.job.OperationTask;
import io.muster.types.job.StepCondition;
import io.muster.types.state.AllocStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Where an operation is and what happens next, as a pure function of its spec, its target, the attempts made so
 * far (its allocations) and the time. The leader's operation service turns {@link Progress#placements()} and
 * {@link Progress#stops()} into one Raft entry; the API reads the same {@link Progress} for the results matrix,
 * so what is shown is what the leader decides from.
 *
 * <p>Steps run in order; a step starts when every node has ended the step before it. Conditions are judged when
 * a step starts: {@code always} runs while the normal flow goes on (fail-fast ends it at the first failure),
 * {@code on_success} only if nothing failed, {@code on_failure} only if something did, and then on every target
 * node that is up. A node "fails" a task when its last attempt failed (or was lost or stopped) and no retry is
 * left, or when it is down when its turn comes. Under fail-fast a failure in the normal flow stops that step's
 * running tasks and starts no new one; under continue the failed node leaves the later normal steps.
 */
public final class OperationPlanner {
    private OperationPlanner() {}

    /**
     * One attempt of one task on one node: an allocation of the operation.
     *
     * @param failedSeenAt when the leader first saw it terminal (epoch ms), the start of its retry backoff
     */
    public record Attempt(String allocId, String taskKey, long nodeId, int attempt, AllocStatus status, boolean desiredRun,
                          long startedAt, long finishedAt, String message, String output, long failedSeenAt) {
        public Attempt {
            Objects.requireNonNull(allocId, "allocId");
            Objects.requireNonNull(taskKey, "taskKey");
            Objects.requireNonNull(status, "status");
            message = message == null ? "" : message;
            output = output == null ? "" : output;
        }

        boolean failed() {
            return status == AllocStatus.FAILED || status == AllocStatus.LOST || status == AllocStatus.STOPPED;
        }
    }

    /**
     * The operation's inputs.
     *
     * @param nodes     the resolved target, ascending
     * @param readyNodes the target nodes that are up now (a node's turn on a down node fails it)
     * @param startedAt when the operation started (its timeout counts from there)
     * @param timeout   the whole job's limit, or null
     */
    public record Input(OperationSpec spec, List<Long> nodes, Set<Long> readyNodes, List<Attempt> attempts, long startedAt,
                        Duration timeout, long now, Map<Long, String> names) {
        public Input {
            names = names == null ? Map.of() : names;
        }

        public Input(OperationSpec spec, List<Long> nodes, Set<Long> readyNodes, List<Attempt> attempts, long startedAt, Duration timeout, long now) {
            this(spec, nodes, readyNodes, attempts, startedAt, timeout, now, Map.of());
        }

        /** How reasons name a node: {@code web-3 (node 7)}, or {@code node 7} without a name. */
        String describe(long node) {
            String name = names.get(node);
            return name == null || name.isEmpty() || name.equals(Long.toString(node)) ? "node " + node : name + " (node " + node + ")";
        }
    }

    /** A task attempt to start: allocation {@link #allocId(String, long, String, long, int)} on {@code nodeId}. */
    public record Placement(String taskKey, int step, int task, long nodeId, int attempt) {}

    public enum StepState { PENDING, RUNNING, DONE, SKIPPED }

    /** How one task did on one node: its last attempt, or why it has none. */
    public enum CellStatus { PENDING, RUNNING, RETRYING, SUCCESS, FAILED, STOPPED }

    public record Cell(CellStatus status, int attempts, long startedAt, long finishedAt, String message, String output) {}

    /**
     * @param stepStates  per step
     * @param step        the step the operation is in (the last one, once done)
     * @param cells       task key -> node id -> cell, for every (task, node) with an attempt or a failure
     * @param placements  attempts to start now
     * @param stops       allocations to stop now (fail-fast, timeout)
     * @param outcome     null while the operation goes on; COMPLETE, FAILED when it ended
     * @param reason      why it failed (the first failure, or the timeout)
     * @param wakeAt      when to look again without a state change (a retry's backoff, the timeout); 0 = none
     */
    public record Progress(List<StepState> stepStates, int step, Map<String, Map<Long, Cell>> cells, List<Placement> placements,
                           List<String> stops, Outcome outcome, String reason, long wakeAt) {}

    public enum Outcome { COMPLETE, FAILED }

    /** The allocation id of an attempt: the idempotency key, the same on every leader. */
    public static String allocId(String jobId, long jobVersion, String taskKey, long nodeId, int attempt) {
        return jobId + ".v" + jobVersion + "." + taskKey + ".n" + nodeId + ".a" + attempt;
    }

    public static Progress plan(Input in) {
        return new Walk(in).run();
    }

    /** One pass over the steps. */
    private static final class Walk {
        final Input in;
        final OperationSpec spec;
        /** task key -> node -> attempts, ascending. */
        final Map<String, Map<Long, List<Attempt>>> byCell = new HashMap<>();
        final List<StepState> states = new ArrayList<>();
        final Map<String, Map<Long, Cell>> cells = new LinkedHashMap<>();
        final List<Placement> placements = new ArrayList<>();
        final List<String> stops = new ArrayList<>();
        final java.util.Set<Long> dropped = new java.util.HashSet<>();
        boolean failedAnywhere;
        boolean normalFlowEnded;
        String firstFailure;
        String firstStop;
        long wakeAt;

        Walk(Input in) {
            this.in = in;
            this.spec = in.spec();
            for (Attempt a : in.attempts()) {
                byCell.computeIfAbsent(a.taskKey(), k -> new HashMap<>()).computeIfAbsent(a.nodeId(), k -> new ArrayList<>()).add(a);
            }
            byCell.values().forEach(m -> m.values().forEach(l -> l.sort(java.util.Comparator.comparingInt(Attempt::attempt))));
        }

        Progress run() {
            boolean timedOut = in.timeout() != null && in.startedAt() > 0 && in.now() >= in.startedAt() + in.timeout().toMillis();
            int current = spec.steps().size() - 1;
            boolean blocked = false;
            for (int i = 0; i < spec.steps().size(); i++) {
                if (blocked) {
                    states.add(StepState.PENDING);
                    continue;
                }
                StepState st = step(i, timedOut);
                states.add(st);
                if (st == StepState.RUNNING || st == StepState.PENDING) {
                    blocked = true;
                    current = i;
                }
            }
            if (timedOut) {
                // Everything still running is stopped; nothing new starts; the operation ends now.
                placements.clear();
                collectLiveAllocs(stops);
                return new Progress(states, current, cells, List.of(), List.copyOf(stops), Outcome.FAILED,
                        "timed out after " + human(in.timeout()), 0);
            }
            if (blocked) {
                if (in.timeout() != null && in.startedAt() > 0) {
                    long deadline = in.startedAt() + in.timeout().toMillis();
                    wakeAt = wakeAt == 0 ? deadline : Math.min(wakeAt, deadline);
                }
                return new Progress(states, current, cells, placements, stops, null, null, wakeAt);
            }
            return new Progress(states, current, cells, List.of(), List.of(), failedAnywhere ? Outcome.FAILED : Outcome.COMPLETE,
                    failedAnywhere ? (firstFailure != null ? firstFailure : firstStop) : null, 0);
        }

        /** Walks step {@code i}: records its cells, decides its placements, and says where it is. */
        StepState step(int i, boolean timedOut) {
            OperationStep step = spec.steps().get(i);
            boolean runs = switch (step.condition()) {
                case ALWAYS -> !normalFlowEnded;
                case ON_SUCCESS -> !failedAnywhere;
                case ON_FAILURE -> failedAnywhere;
            };
            if (!runs) return StepState.SKIPPED;
            boolean rollback = step.condition() == StepCondition.ON_FAILURE;
            List<Long> nodes = new ArrayList<>();
            for (long n : in.nodes()) if (rollback || !dropped.contains(n)) nodes.add(n);

            // Each node's position in the step: done, failed, busy (an attempt in flight or waiting to retry), or
            // ready to start task j.
            List<long[]> ready = new ArrayList<>(); // {node, task index, attempt}
            int inStep = 0;
            boolean anyLive = false;
            List<Long> failedHere = new ArrayList<>();
            boolean anyBusy = false;
            boolean anyStarted = false;
            for (long node : nodes) {
                NodeWalk w = walkNode(i, step, node);
                if (w.live) anyLive = true;
                if (w.started) anyStarted = true;
                switch (w.kind) {
                    case DONE -> { }
                    case FAILED -> failedHere.add(node);
                    case BUSY -> {
                        inStep++;
                        anyBusy = true;
                    }
                    case START -> {
                        if (w.started) inStep++; // inside the step already (a pipeline node between sub-steps, or a retry)
                        ready.add(new long[] {node, w.task, w.attempt, w.started ? 1 : 0});
                    }
                }
            }
            boolean stopNormal = !failedHere.isEmpty() && !rollback && spec.strategy() == FailureStrategy.FAIL_FAST;
            if (!failedHere.isEmpty()) {
                failedAnywhere = true;
                if (!rollback) {
                    if (spec.strategy() == FailureStrategy.FAIL_FAST) normalFlowEnded = true;
                    else dropped.addAll(failedHere);
                }
            }
            if (stopNormal) {
                // Fail-fast: the step's running tasks are stopped and nothing more of it starts.
                for (long node : nodes) collectLive(i, step, node, stops);
                return anyLive ? StepState.RUNNING : StepState.DONE;
            }
            if (!timedOut) {
                int limit = spec.maxConcurrentNodes() == 0 ? Integer.MAX_VALUE : spec.maxConcurrentNodes();
                for (long[] r : ready) {
                    boolean alreadyIn = r[3] == 1;
                    if (!alreadyIn) {
                        if (inStep >= limit) continue;
                        inStep++;
                    }
                    int task = (int) r[1];
                    String key = spec.taskKey(i, task);
                    placements.add(new Placement(key, i, task, r[0], (int) r[2]));
                    cell(key, r[0], new Cell(CellStatus.PENDING, (int) r[2] - 1, 0, 0, "", ""));
                }
            }
            if (!anyLive && !anyBusy && ready.isEmpty()) return StepState.DONE;
            return anyStarted || !placements.isEmpty() ? StepState.RUNNING : StepState.PENDING;
        }

        enum Kind { DONE, FAILED, BUSY, START }

        static final class NodeWalk {
            Kind kind;
            int task;
            int attempt;
            boolean started;
            boolean live;
        }

        /** A node's way through step {@code i}'s tasks; records its cells. */
        NodeWalk walkNode(int i, OperationStep step, long node) {
            NodeWalk w = new NodeWalk();
            for (int j = 0; j < step.tasks().size(); j++) {
                OperationTask task = step.tasks().get(j);
                String key = spec.taskKey(i, j);
                List<Attempt> tries = byCell.getOrDefault(key, Map.of()).getOrDefault(node, List.of());
                if (tries.isEmpty()) {
                    w.task = j;
                    w.attempt = 1;
                    if (!in.readyNodes().contains(node)) {
                        failCell(key, node, 0, "node is down", i);
                        w.kind = Kind.FAILED;
                        return w;
                    }
                    w.kind = Kind.START;
                    return w;
                }
                w.started = true;
                Attempt last = tries.get(tries.size() - 1);
                if (!last.status().isTerminal()) {
                    w.live = last.desiredRun() || last.status() == AllocStatus.RUNNING;
                    cell(key, node, new Cell(last.status() == AllocStatus.PENDING ? CellStatus.PENDING : CellStatus.RUNNING, last.attempt(),
                            last.startedAt(), 0, last.message(), last.output()));
                    w.kind = Kind.BUSY;
                    return w;
                }
                if (last.status() == AllocStatus.COMPLETE) {
                    cell(key, node, new Cell(CellStatus.SUCCESS, last.attempt(), last.startedAt(), last.finishedAt(), last.message(), last.output()));
                    continue;
                }
                // Failed, lost or stopped: retry while attempts are left (a stop by the servers is final).
                boolean retryable = last.status() != AllocStatus.STOPPED && last.attempt() <= task.maxRetries();
                if (retryable && in.readyNodes().contains(node)) {
                    long at = last.failedSeenAt() + spec.retryBackoff().after(last.attempt()).toMillis();
                    cell(key, node, new Cell(CellStatus.RETRYING, last.attempt(), last.startedAt(), last.finishedAt(), last.message(), last.output()));
                    if (in.now() >= at) {
                        w.kind = Kind.START;
                        w.task = j;
                        w.attempt = last.attempt() + 1;
                    } else {
                        wakeAt = wakeAt == 0 ? at : Math.min(wakeAt, at);
                        w.kind = Kind.BUSY;
                    }
                    return w;
                }
                CellStatus status = last.status() == AllocStatus.STOPPED ? CellStatus.STOPPED : CellStatus.FAILED;
                cell(key, node, new Cell(status, last.attempt(), last.startedAt(), last.finishedAt(), last.message(), last.output()));
                noteFailure(key, node, last.message().isEmpty() ? last.status().wire() : last.message(), status == CellStatus.STOPPED);
                w.kind = Kind.FAILED;
                return w;
            }
            w.kind = Kind.DONE;
            return w;
        }

        void collectLive(int i, OperationStep step, long node, List<String> out) {
            for (int j = 0; j < step.tasks().size(); j++) {
                for (Attempt a : byCell.getOrDefault(spec.taskKey(i, j), Map.of()).getOrDefault(node, List.of())) {
                    if (a.desiredRun() && !a.status().isTerminal() && !out.contains(a.allocId())) out.add(a.allocId());
                }
            }
        }

        void collectLiveAllocs(List<String> out) {
            for (Attempt a : in.attempts()) if (a.desiredRun() && !a.status().isTerminal() && !out.contains(a.allocId())) out.add(a.allocId());
        }

        void failCell(String key, long node, int attempts, String why, int stepIndex) {
            cell(key, node, new Cell(CellStatus.FAILED, attempts, 0, 0, why, ""));
            noteFailure(key, node, why, false);
        }

        /** The reason the operation gives: the first real failure in step order; a stop only when nothing failed. */
        void noteFailure(String key, long node, String why, boolean stopped) {
            String text = "task " + key + " (" + describe(key) + ") " + (stopped ? "stopped" : "failed") + " on " + in.describe(node) + ": " + why;
            if (!stopped && firstFailure == null) firstFailure = text;
            if (stopped && firstStop == null) firstStop = text;
        }

        String describe(String key) {
            int dot = key.indexOf('.');
            int step = Integer.parseInt(dot < 0 ? key : key.substring(0, dot));
            int task = dot < 0 ? 0 : Integer.parseInt(key.substring(dot + 1));
            return spec.steps().get(step).tasks().get(task).describe();
        }

        void cell(String key, long node, Cell c) {
            cells.computeIfAbsent(key, k -> new LinkedHashMap<>()).put(node, c);
        }
    }

    private static String human(Duration d) {
        return io.muster.types.HumanDuration.of(d);
    }
}
