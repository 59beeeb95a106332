package io.muster.worker.alloc;

import io.muster.proto.AllocStatus;
import io.muster.proto.LogsReply;
import io.muster.proto.PollResponse;
import io.muster.worker.alloc.AssignmentLedger.Entry;
import io.muster.worker.alloc.AssignmentLedger.Plan;
import io.muster.worker.driver.TaskDriver;
import io.muster.worker.state.StateStore;
import io.muster.worker.state.WorkerState;
import io.muster.worker.state.WorkerState.StatusRecord;
import io.muster.worker.state.WorkerState.TaskRecord;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's allocations, as the rest of the worker sees them: the poll loop applies assignment events here, the
 * heartbeat loop takes status reports from here, the control stream reads logs here. It exists to coordinate four
 * parts that each do one job and to hold the one lock they share:
 *
 * <ul>
 *   <li>{@link AssignmentLedger}: which allocations this node should run, by revision, and the drain;</li>
 *   <li>{@link StatusOutbox}: the statuses not yet acknowledged by a server, in batches;</li>
 *   <li>{@link StateFile}: {@code state.json}, saved after every change, read back after a restart;</li>
 *   <li>{@link RunnerSupervisor}: one {@link AllocRunner} per allocation, and the task directories.</li>
 * </ul>
 *
 * <p>Records outlive runners: a finished allocation's record stays (so a repeated Set does not run it again) until
 * the server no longer wants it (Delete, or left out of a full snapshot) and its final status was acknowledged;
 * then the record and its task directories go.
 *
 * <p>Locking: this object's monitor guards the ledger and the outbox. Runners call in (status and task changes)
 * holding their own locks, so this class never calls a runner while holding its monitor: the ledger returns a
 * {@link Plan}, carried out after the lock is released.
 */
public final class Allocations implements AllocRunner.Listener {
    private static final Logger log = LoggerFactory.getLogger(Allocations.class);

    /**
     * A report's content and the status versions it carries, for {@link #acknowledged}.
     *
     * @param more statuses were left out to keep the message small; report again soon
     */
    public record Report(List<AllocStatus> statuses, Map<String, Long> versions, int running, boolean drainComplete,
                         boolean more) {}

    private final RunnerContext ctx;
    private final Runnable statusPending;
    private final AssignmentLedger ledger = new AssignmentLedger();
    private final StatusOutbox outbox = new StatusOutbox();
    private final RunnerSupervisor runners;
    private final StateFile stateFile;
    private boolean detached;

    private final io.muster.worker.metrics.WorkerMetrics metrics;

    /**
     * @param statusPending called (outside any lock) whenever there is something new to report
     */
    public Allocations(RunnerContext ctx, StateStore store, Runnable statusPending) {
        this(ctx, store, statusPending, io.muster.worker.metrics.WorkerMetrics.NONE);
    }

    /** @param metrics told of each task start, exit, restart and setup failure */
    public Allocations(RunnerContext ctx, StateStore store, Runnable statusPending, io.muster.worker.metrics.WorkerMetrics metrics) {
        this.metrics = metrics;
        this.ctx = ctx;
        this.statusPending = statusPending;
        this.runners = new RunnerSupervisor(ctx, this);
        this.stateFile = new StateFile(store, this::snapshot);
    }

    // ---- start-up ----

    /**
     * Takes in the state a previous worker process saved and re-attaches to its allocations: every allocation not
     * yet finished gets a runner that first tries {@link TaskDriver#recover}. Every status is reported once more, so
     * the server hears the whole picture after a restart.
     */
    public void restore(WorkerState state) {
        Plan plan = new Plan();
        synchronized (this) {
            ledger.restore(state.lastRevision(), state.draining(), state.drainDeadlineUnixMs(),
                    StateFile.entriesOf(state), plan);
            for (Entry e : ledger.entries()) {
                if (e.status != null) {
                    outbox.offer(e.id(), e.status);
                }
            }
            plan.start.forEach(runners::create);
        }
        log.info("restored state: revision {}, {} allocations ({} to re-attach){}", state.lastRevision(),
                state.allocations().size(), plan.start.size(), state.draining() ? ", draining" : "");
        carryOut(plan);
        statusPending.run();
        checkDrained();
    }

    /**
     * The saved state belongs to another node id (the worker registered anew): its allocations are not this node's
     * to report, so their tasks are stopped and their directories removed, in the background.
     */
    public static void abandon(WorkerState stale, RunnerContext ctx) {
        RunnerSupervisor.abandon(stale, ctx);
    }

    // ---- assignment events ----

    /** Applies one poll answer in order, persists the result (with the new revision), then starts/stops runners. */
    public void apply(PollResponse response) {
        Plan plan = new Plan();
        synchronized (this) {
            if (detached) {
                return;
            }
            ledger.apply(response, ctx.clock().millis(), plan);
            plan.refused.forEach(e -> outbox.offer(e.id(), e.status));
            plan.resend.forEach(e -> outbox.offer(e.id(), e.status));
            plan.start.forEach(runners::create);
            collectGarbage(plan);
        }
        persist();
        carryOut(plan);
        if (!plan.refused.isEmpty() || !plan.resend.isEmpty()) {
            statusPending.run();
        }
        checkDrained();
    }

    /** Announces, once per drain, that nothing runs any more, and gets drain_complete reported promptly. */
    private void checkDrained() {
        boolean announce;
        synchronized (this) {
            announce = ledger.takeDrainedAnnouncement();
        }
        if (announce) {
            log.info("drained: nothing runs on this node any more; staying connected and ineligible until the drain is cancelled");
            statusPending.run();
        }
    }

    // ---- runner callbacks ----

    @Override
    public void eventRecorded(String allocId, String type) {
        metrics.taskEvent(type);
    }

    @Override
    public void statusChanged(String allocId, StatusRecord status) {
        synchronized (this) {
            Entry e = ledger.get(allocId);
            if (e == null || detached) {
                return;
            }
            e.status = status;
            outbox.offer(allocId, status);
        }
        persist();
        statusPending.run();
        if (AssignmentLedger.isTerminal(status.state())) {
            checkDrained();
        }
    }

    @Override
    public void taskChanged(String allocId, TaskRecord task) {
        synchronized (this) {
            Entry e = ledger.get(allocId);
            if (e == null || detached) {
                return;
            }
            e.tasks.put(task.name(), task);
        }
        persist();
    }

    // ---- status reports ----

    /** The statuses changed since they were last acknowledged, with the node-level facts of a report. */
    public synchronized Report pendingReport() {
        StatusOutbox.Batch batch = outbox.pending();
        int running = ledger.runningCount();
        return new Report(batch.statuses(), batch.versions(), running, ledger.draining() && running == 0, batch.more());
    }

    /** A server acknowledged {@code report}: its statuses need not be sent again (unless they changed since). */
    public void acknowledged(Report report) {
        Plan plan = new Plan();
        synchronized (this) {
            outbox.acknowledged(report.versions());
            collectGarbage(plan);
        }
        if (!plan.forgotten.isEmpty()) {
            persist();
            carryOut(plan);
        }
    }

    /** Forgets what the ledger may forget, with its runner and pending status. Call holding the monitor. */
    private void collectGarbage(Plan plan) {
        ledger.collectGarbage(ctx.clock().millis(), outbox::settled, plan);
        for (Entry e : plan.forgotten) {
            outbox.forget(e.id());
            runners.forget(e.id());
        }
    }

    /** Does what a plan asks of the runners and the disk. Call without holding the monitor. */
    private void carryOut(Plan plan) {
        plan.start.forEach(e -> runners.start(e.id()));
        plan.stop.forEach(runners::stop);
        plan.forgotten.forEach(e -> runners.removeTaskDirs(e.taskKeys()));
    }

    // ---- queries ----

    public synchronized long lastRevision() {
        return ledger.lastRevision();
    }

    public synchronized boolean draining() {
        return ledger.draining();
    }

    /** Allocations not yet finished (pending or running). */
    public synchronized int runningCount() {
        return ledger.runningCount();
    }

    /** Every known allocation's state (proto enum name), by id. */
    public synchronized Map<String, String> states() {
        return ledger.states();
    }

    /**
     * What a log follow reads: the allocation's task directories (by task name, in spec order), its runner (null when
     * it finished before this worker process started), and whether it ended. Empty when the node does not know it.
     */
    record LogSource(Map<String, Path> taskDirs, AllocRunner runner, boolean terminal) {}

    java.util.Optional<LogSource> logSource(String allocId) {
        Map<String, Path> taskDirs = new LinkedHashMap<>();
        boolean terminal;
        synchronized (this) {
            Entry e = ledger.get(allocId);
            if (e == null) {
                return java.util.Optional.empty();
            }
            terminal = e.terminal();
            GroupSpec spec = AllocPaths.problem(e.assignment).isPresent() ? null : specOrNull(e.assignment);
            if (spec != null) {
                spec.tasks().forEach(t -> putTaskDir(taskDirs, t.name(), e.assignment.taskKey(spec, t.name())));
            } else {
                e.tasks.values().forEach(t -> putTaskDir(taskDirs, t.name(), t.key()));
            }
        }
        return java.util.Optional.of(new LogSource(taskDirs, runners.runner(allocId), terminal));
    }

    public LogsReply logs(String allocId, int maxBytes) {
        Map<String, Path> taskDirs = new LinkedHashMap<>();
        synchronized (this) {
            Entry e = ledger.get(allocId);
            if (e == null) {
                return LogsReply.newBuilder().setAllocId(allocId).setFound(false)
                        .setError("allocation " + allocId + " is not on this node").build();
            }
            GroupSpec spec = AllocPaths.problem(e.assignment).isPresent() ? null : specOrNull(e.assignment);
            if (spec != null) {
                spec.tasks().forEach(t -> putTaskDir(taskDirs, t.name(), e.assignment.taskKey(spec, t.name())));
            } else {
                e.tasks.values().forEach(t -> putTaskDir(taskDirs, t.name(), t.key()));
            }
        }
        return AllocLogs.build(allocId, runners.outputs(allocId), taskDirs, maxBytes);
    }

    // ---- shutdown ----

    /**
     * Stops every allocation still running (the node was revoked: the cluster replaces them elsewhere) and waits up
     * to {@code max} for them to end.
     */
    public void stopAll(String reason, Duration max) {
        List<String> running;
        synchronized (this) {
            running = ledger.unwantAllRunning();
        }
        runners.stopAndWait(running, reason, max);
    }

    /**
     * The worker is shutting down: runners stop supervising (tasks keep running for the next worker process) and the
     * state is saved one last time. Call before closing the drivers.
     */
    public void detach() {
        runners.detachAll();
        synchronized (this) {
            detached = true;
        }
        persist();
    }

    // ---- persistence ----

    /** Writes the current state to {@code state.json}; concurrent calls coalesce (see {@link StateFile#save}). */
    public void persist() {
        stateFile.save();
    }

    private synchronized WorkerState snapshot() {
        return StateFile.stateOf(ctx.nodeId(), ledger);
    }

    // ---- helpers ----

    private static GroupSpec specOrNull(Assignment a) {
        try {
            return GroupSpec.parse(a.groupSpecJson().getBytes(StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private void putTaskDir(Map<String, Path> taskDirs, String task, String key) {
        try {
            taskDirs.put(task, AllocPaths.taskDir(ctx.allocRoot(), key));
        } catch (IllegalArgumentException e) {
            log.warn("not reading logs of task {}: {}", AllocPaths.printable(task), e.getMessage());
        }
    }
}
