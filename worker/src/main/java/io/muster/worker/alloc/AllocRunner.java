package io.muster.worker.alloc;

import io.muster.proto.AllocEventType;
import io.muster.proto.AllocState;
import io.muster.types.HumanDuration;
import io.muster.worker.action.Utf8;
import io.muster.worker.driver.DriverAvailability;
import io.muster.worker.driver.OutputBuffer;
import io.muster.worker.driver.StreamBuffer;
import io.muster.worker.driver.TaskDriver;
import io.muster.worker.driver.TaskHandle;
import io.muster.worker.driver.TaskRequest;
import io.muster.worker.driver.TaskResult;
import io.muster.worker.state.WorkerState.EventRecord;
import io.muster.worker.driver.TaskSecrets;
import io.muster.worker.state.WorkerState.StatusRecord;
import io.muster.worker.state.WorkerState.TaskRecord;
import io.muster.worker.util.Waker;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one allocation: all tasks of its group side by side, each with the group's restart policy, and reports the
 * allocation's status (pending, running, then complete, failed or stopped) to a {@link Listener}.
 *
 * <p>Everything runs on virtual threads: one for the allocation, one per task. A task that fails for good stops its
 * siblings and fails the allocation. {@link #stop} (the server deleted the allocation) stops the tasks with the grace
 * period and ends in {@code stopped}. {@link #detach} (the worker is shutting down) leaves the tasks running and
 * reports nothing, so that the next worker process re-attaches to them through {@link TaskDriver#recover}.
 */
public final class AllocRunner {
    private static final Logger log = LoggerFactory.getLogger(AllocRunner.class);
    /** Bound of {@code AllocStatus.output}. */
    public static final int OUTPUT_EXCERPT_BYTES = 1024;

    /** Receives the runner's changes; called from the runner's threads, never while the runner holds a lock the
     *  listener could be waiting for. */
    public interface Listener {
        void statusChanged(String allocId, StatusRecord status);

        void taskChanged(String allocId, TaskRecord task);
    }

    private enum StopCause { SERVER, DEADLINE, SIBLING_FAILED }

    private enum Kind { COMPLETE, FAILED, STOPPED, DETACHED }

    private record Outcome(String task, Kind kind, TaskResult result, int restarts) {}

    /** One task of the group. Its lock orders "start a run" against "stop", so no run starts after a stop. */
    private static final class Slot {
        final GroupSpec.Task task;
        final String key;
        final TaskRecord recovered;
        final ReentrantLock lock = new ReentrantLock();
        volatile TaskHandle handle;
        volatile int restarts;

        Slot(GroupSpec.Task task, String key, TaskRecord recovered) {
            this.task = task;
            this.key = key;
            this.recovered = recovered;
            this.restarts = recovered != null ? recovered.restarts() : 0;
        }
    }

    private final Assignment assignment;
    private final GroupSpec spec;
    private final String specError;
    private final RestartPolicy policy;
    private final RunnerContext ctx;
    private final Listener listener;
    private final List<Slot> slots = new ArrayList<>();
    /** Closed on stop or detach; restart delays and the deadline watch wait on it, in the context's ticker time. */
    private final Waker stopped;
    private final AtomicReference<StopCause> stopCause = new AtomicReference<>();
    private volatile String stopMessage = "";
    private volatile boolean detached;
    private final ReentrantLock statusLock = new ReentrantLock();
    private StatusRecord status;
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    /** The latest events (at most {@link EventRecord#KEPT}), guarded by {@link #statusLock}; every status published carries them. */
    private final List<EventRecord> events = new ArrayList<>();
    private long eventSeq;

    /**
     * @param status the last known status (null for a new allocation)
     * @param recoveredTasks tasks an earlier worker process started, to re-attach to instead of starting again
     */
    public AllocRunner(Assignment assignment, StatusRecord status, List<TaskRecord> recoveredTasks, RunnerContext ctx,
                       Listener listener) {
        this.assignment = assignment;
        this.ctx = ctx;
        this.listener = listener;
        this.status = status;
        if (status != null) {
            events.addAll(status.events()); // a re-attached allocation goes on numbering where it was
            eventSeq = status.lastEventSeq();
        }
        this.stopped = new Waker(ctx.ticker());
        GroupSpec parsed = null;
        String error = null;
        try {
            parsed = GroupSpec.parse(assignment.groupSpecJson().getBytes(StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            error = e.getMessage();
        }
        this.spec = parsed;
        this.specError = error;
        this.policy = RestartPolicy.of(parsed != null ? parsed.restart() : null, assignment.runsToCompletion());
        if (parsed != null) {
            Map<String, TaskRecord> byName = new LinkedHashMap<>();
            recoveredTasks.forEach(t -> byName.put(t.name(), t));
            for (GroupSpec.Task task : parsed.tasks()) {
                slots.add(new Slot(task, assignment.taskKey(parsed, task.name()), byName.get(task.name())));
            }
        }
    }

    public String allocId() {
        return assignment.id();
    }

    /** Starts the allocation's thread; returns at once. */
    public void start() {
        Thread.ofVirtual().name("alloc-" + assignment.id()).start(this::run);
    }

    /** Stops the tasks (grace period, then kill) and reports {@code stopped}. Returns at once. */
    public void stop(String reason) {
        requestStop(StopCause.SERVER, reason);
    }

    /** The worker is shutting down: stop supervising, leave the tasks running, report nothing more. */
    public void detach() {
        detached = true;
        stopped.close();
    }

    /** Completes when the runner has nothing left to do (terminal status reported, or detached). */
    public CompletableFuture<Void> done() {
        return done.copy();
    }

    /** The tasks' current handles (this attempt's), by task name; tasks that never started are missing. */
    public Map<String, TaskHandle> handles() {
        Map<String, TaskHandle> out = new LinkedHashMap<>();
        for (Slot slot : slots) {
            TaskHandle h = slot.handle;
            if (h != null) {
                out.put(slot.task.name(), h);
            }
        }
        return out;
    }

    /** How often {@code task} was restarted so far (0 for an unknown task). */
    public int restarts(String task) {
        return slots.stream().filter(s -> s.task.name().equals(task)).mapToInt(s -> s.restarts).findFirst().orElse(0);
    }

    /** The group's task names, in spec order (empty when the spec could not be read). */
    public List<String> taskNames() {
        return slots.stream().map(s -> s.task.name()).toList();
    }

    /** True once the runner has nothing left to do: every task's final output is in its buffer. */
    public boolean finished() {
        return done.isDone();
    }

    /** The tasks' recent output, by task name (tasks that never started are missing). */
    public Map<String, OutputBuffer> outputs() {
        Map<String, OutputBuffer> out = new LinkedHashMap<>();
        for (Slot slot : slots) {
            TaskHandle h = slot.handle;
            if (h != null) {
                out.put(slot.task.name(), h.output());
            }
        }
        return out;
    }

    private void run() {
        try {
            StatusRecord terminal = execute();
            if (terminal != null) {
                terminalEvent(terminal);
                publish(terminal);
                log.info("alloc {}: {} ({})", assignment.id(), stateName(terminal.state()), terminal.message());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.error("alloc {}: worker error while running it", assignment.id(), e);
            StatusRecord failed = terminal(AllocState.ALLOC_FAILED, TaskResult.UNKNOWN_EXIT_CODE,
                    "worker error while running the allocation: " + e);
            terminalEvent(failed);
            publish(failed);
        } finally {
            done.complete(null);
        }
    }

    /** Runs the group to its end; returns the terminal status, or null when detached. */
    private StatusRecord execute() throws InterruptedException {
        Optional<String> refusal = AllocPaths.problem(assignment);
        if (refusal.isPresent()) {
            return terminal(AllocState.ALLOC_FAILED, TaskResult.UNKNOWN_EXIT_CODE, refusal.get()); // touch no file
        }
        if (status == null || AllocState.ALLOC_STATE_UNSPECIFIED.name().equals(status.state())) {
            addEvent(AllocEventType.ALLOC_EVENT_RECEIVED, "received by node " + ctx.nodeId());
            publish(new StatusRecord(AllocState.ALLOC_PENDING.name(), 0, "allocation received", 0, 0, 0));
        }
        if (specError != null) {
            return terminal(AllocState.ALLOC_FAILED, TaskResult.UNKNOWN_EXIT_CODE, specError);
        }
        long deadline = assignment.jobDeadlineUnixMs();
        if (deadline > 0 && ctx.clock().millis() >= deadline) {
            return terminal(AllocState.ALLOC_FAILED, TaskResult.UNKNOWN_EXIT_CODE, "the job deadline "
                    + Instant.ofEpochMilli(deadline) + " passed before the allocation could start");
        }
        for (Slot slot : slots) {
            String problem = driverProblem(slot.task);
            if (problem != null) {
                return terminal(AllocState.ALLOC_FAILED, TaskResult.UNKNOWN_EXIT_CODE, problem);
            }
            try {
                Files.createDirectories(AllocPaths.taskDir(ctx.allocRoot(), slot.key));
            } catch (IllegalArgumentException e) {
                return terminal(AllocState.ALLOC_FAILED, TaskResult.UNKNOWN_EXIT_CODE, "refused: " + e.getMessage());
            } catch (IOException e) {
                return terminal(AllocState.ALLOC_FAILED, TaskResult.UNKNOWN_EXIT_CODE,
                        "cannot create the task directory " + ctx.allocRoot().resolve(slot.key) + ": " + e.getMessage());
            }
        }
        if (deadline > 0) {
            Thread.ofVirtual().name("deadline-" + assignment.id()).start(() -> watchDeadline(deadline));
        }
        LinkedBlockingQueue<Outcome> outcomes = new LinkedBlockingQueue<>();
        for (Slot slot : slots) {
            Thread.ofVirtual().name("task-" + slot.key).start(() -> outcomes.add(runTaskSafely(slot)));
        }
        List<Outcome> all = new ArrayList<>();
        Outcome firstFailure = null;
        while (all.size() < slots.size()) {
            Outcome o = outcomes.take();
            all.add(o);
            if (o.kind() == Kind.FAILED && firstFailure == null) {
                firstFailure = o;
                if (slots.size() > 1) {
                    requestStop(StopCause.SIBLING_FAILED, "task " + o.task() + " failed");
                }
            }
        }
        return conclude(all, firstFailure);
    }

    private StatusRecord conclude(List<Outcome> all, Outcome firstFailure) {
        if (detached || all.stream().anyMatch(o -> o.kind() == Kind.DETACHED)) {
            return null;
        }
        StopCause cause = stopCause.get();
        if (cause == StopCause.SERVER) {
            return terminal(AllocState.ALLOC_STOPPED, exitCodeOf(all.get(0).result(), 0), "stopped: " + stopMessage);
        }
        if (cause == StopCause.DEADLINE) {
            return terminal(AllocState.ALLOC_FAILED, TaskResult.UNKNOWN_EXIT_CODE, "the job deadline "
                    + Instant.ofEpochMilli(assignment.jobDeadlineUnixMs()) + " passed; tasks were stopped");
        }
        if (firstFailure != null) {
            TaskResult r = firstFailure.result();
            return terminal(AllocState.ALLOC_FAILED, exitCodeOf(r, TaskResult.UNKNOWN_EXIT_CODE),
                    "task " + firstFailure.task() + ": " + (r != null ? r.message() : "failed") + restartNote(firstFailure.restarts()));
        }
        String message = slots.size() == 1
                ? "task " + all.get(0).task() + ": " + all.get(0).result().message()
                : "all " + slots.size() + " tasks completed";
        return terminal(AllocState.ALLOC_COMPLETE, 0, message);
    }

    private Outcome runTaskSafely(Slot slot) {
        try {
            return runTask(slot);
        } catch (RuntimeException e) {
            log.error("alloc {}: task {} supervision failed", assignment.id(), slot.task.name(), e);
            return new Outcome(slot.task.name(), detached ? Kind.DETACHED : Kind.FAILED, null, slot.restarts);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Outcome(slot.task.name(), Kind.DETACHED, null, slot.restarts);
        }
    }

    private Outcome runTask(Slot slot) throws InterruptedException {
        TaskDriver driver = ctx.drivers().get(slot.task.driver());
        String name = slot.task.name();
        boolean recover = slot.recovered != null;
        TaskResult last = null;
        while (true) {
            TaskHandle handle;
            slot.lock.lock();
            try {
                if (detached) {
                    return new Outcome(name, Kind.DETACHED, last, slot.restarts);
                }
                if (stopCause.get() != null) {
                    return new Outcome(name, Kind.STOPPED, last, slot.restarts);
                }
                handle = recover ? driver.recover(slot.key).orElse(null) : null;
                if (handle != null) {
                    log.info("alloc {}: task {} re-attached ({} {})", assignment.id(), name, driver.name(), handle.taskId());
                } else {
                    handle = start(driver, slot);
                }
                slot.handle = handle;
            } catch (IllegalStateException e) {
                // The driver was closed under us: the worker is shutting down.
                return new Outcome(name, Kind.DETACHED, last, slot.restarts);
            } finally {
                slot.lock.unlock();
            }
            recover = false;
            listener.taskChanged(assignment.id(), new TaskRecord(name, driver.name(), slot.key, handle.taskId(), slot.restarts));
            TaskResult early = handle.result().getNow(null);
            boolean started = early == null || (!early.failedToStart() && early.outcome() != TaskResult.Outcome.LOST);
            if (started) {
                event(AllocEventType.ALLOC_EVENT_TASK_STARTED, "task " + name + (recovered(handle, slot) ? " re-attached: " : " started: ")
                        + driver.name() + (driver.name().equals("docker") ? " container " : " pid ") + handle.taskId());
                markRunning();
            }
            TaskResult result = await(handle);
            last = result;
            if (detached || result.outcome() == TaskResult.Outcome.DETACHED) {
                return new Outcome(name, Kind.DETACHED, result, slot.restarts);
            }
            if (stopCause.get() != null) {
                return new Outcome(name, Kind.STOPPED, result, slot.restarts);
            }
            taskEnded(slot, result);
            switch (policy.decide(result, slot.restarts, assignment.runsToCompletion())) {
                case RestartPolicy.Decision.Finish finish -> {
                    return new Outcome(name, finish.success() ? Kind.COMPLETE : Kind.FAILED, result, slot.restarts);
                }
                case RestartPolicy.Decision.Restart restart -> {
                    slot.restarts++;
                    listener.taskChanged(assignment.id(),
                            new TaskRecord(name, driver.name(), slot.key, handle.taskId(), slot.restarts));
                    noteRestart(name, result, restart.after(), slot.restarts);
                    AttemptMarker.append(AllocPaths.taskDir(ctx.allocRoot(), slot.key), slot.restarts + 1,
                            exitCodeOf(result, TaskResult.UNKNOWN_EXIT_CODE));
                    stopped.await(restart.after());
                    if (Thread.interrupted()) {
                        throw new InterruptedException("interrupted during the restart delay");
                    }
                }
            }
        }
    }

    private static boolean recovered(TaskHandle handle, Slot slot) {
        return slot.recovered != null && handle.taskId().equals(slot.recovered.handleId());
    }

    /** The event of a run that ended by itself (not stopped by us, not detached). */
    private void taskEnded(Slot slot, TaskResult r) {
        String task = "task " + slot.task.name();
        if (r.timedOut()) {
            Duration limit = slot.task.timeoutDuration();
            event(AllocEventType.ALLOC_EVENT_TIMED_OUT, task + " timed out after "
                    + (limit != null && !limit.isZero() ? HumanDuration.of(limit) : HumanDuration.of(Duration.between(r.startedAt(), r.finishedAt()))));
        } else if (r.oomKilled()) {
            event(AllocEventType.ALLOC_EVENT_OOM_KILLED, task + " ran out of memory and was killed (exit code " + r.exitCode() + ")");
        } else if (r.failedToStart()) {
            event(AllocEventType.ALLOC_EVENT_SETUP_FAILED, task + " could not start: " + r.message());
        } else if (r.outcome() == TaskResult.Outcome.EXITED) {
            event(AllocEventType.ALLOC_EVENT_TASK_EXITED, task + " exited with code " + r.exitCode());
        } else {
            event(AllocEventType.ALLOC_EVENT_TASK_EXITED, task + ": " + r.message());
        }
    }

    private TaskResult await(TaskHandle handle) throws InterruptedException {
        try {
            return handle.result().get();
        } catch (ExecutionException e) {
            Instant now = ctx.clock().instant();
            return new TaskResult(TaskResult.Outcome.LOST, TaskResult.UNKNOWN_EXIT_CODE,
                    "driver error: " + e.getCause(), now, now);
        }
    }

    /** Fetches the task's secrets (every start: a restart after a worker restart included), then starts it. */
    private TaskHandle start(TaskDriver driver, Slot slot) {
        TaskSecrets secrets = TaskSecrets.NONE;
        if (!slot.task.secrets().isEmpty()) {
            Instant attempted = ctx.clock().instant();
            try {
                secrets = secrets(slot.task, ctx.secrets().fetch(assignment.id()));
            } catch (SecretSource.SecretFetchException e) {
                log.warn("alloc {}: task {}: {}", assignment.id(), slot.task.name(), e.getMessage());
                return TaskHandle.failedToStart(slot.key, e.getMessage(), attempted, ctx.clock().instant());
            }
        }
        return driver.start(request(slot, secrets));
    }

    /** The task's secrets with their values; a name the server did not answer fails the start. */
    static TaskSecrets secrets(GroupSpec.Task task, Map<String, byte[]> values) throws SecretSource.SecretFetchException {
        List<TaskSecrets.Secret> out = new ArrayList<>();
        for (GroupSpec.SecretUse u : task.secrets()) {
            byte[] v = values.get(u.name());
            if (v == null) throw new SecretSource.SecretFetchException("the server sent no value for secret " + u.name());
            out.add(new TaskSecrets.Secret(u.name(), v, u.env(), u.file(), u.stdin()));
        }
        return new TaskSecrets(out);
    }

    private TaskRequest request(Slot slot, TaskSecrets secrets) {
        GroupSpec.Task task = slot.task;
        Map<String, String> env = new LinkedHashMap<>(task.env());
        // Set last so that a job cannot spoof them.
        env.put("MUSTER_ALLOC_ID", assignment.id());
        env.put("MUSTER_JOB_ID", assignment.jobId());
        env.put("MUSTER_NODE_ID", Long.toString(ctx.nodeId()));
        env.put("MUSTER_ALLOC_INDEX", Integer.toString(assignment.index()));
        env.put("MUSTER_GROUP", assignment.group());
        env.put("MUSTER_TASK", task.name());
        return TaskRequest.builder(slot.key)
                .jobId(assignment.jobId())
                .group(assignment.group())
                .taskName(task.name())
                .command(task.command())
                .args(task.args())
                .image(task.image())
                .env(env)
                .workDir(AllocPaths.taskDir(ctx.allocRoot(), slot.key))
                .cpu(Math.max(0, task.resources().cpu()))
                .memoryMb(Math.max(0, task.resources().memory()))
                .pidsMax(Math.max(0, task.resources().pids()))
                .timeout(task.timeoutDuration())
                .network(task.network())
                .killGrace(ctx.stopGrace())
                .action(task.action())
                .secrets(secrets)
                .build();
    }

    private String driverProblem(GroupSpec.Task task) {
        if (!ctx.drivers().containsKey(task.driver())) {
            return "task " + task.name() + " needs the '" + task.driver() + "' driver, which this worker does not have"
                    + " (it has " + ctx.drivers().keySet() + ")";
        }
        DriverAvailability availability = ctx.availability().get(task.driver());
        if (availability != null && !availability.usable()) {
            return "task " + task.name() + ": the '" + task.driver() + "' driver is not usable on this node: "
                    + availability.detail();
        }
        return null;
    }

    private void watchDeadline(long deadlineUnixMs) {
        long wait = deadlineUnixMs - ctx.clock().millis();
        if (wait > 0 && stopped.await(Duration.ofMillis(wait))) {
            return; // stopped, detached or interrupted before the deadline
        }
        log.info("alloc {}: job deadline {} reached, stopping its tasks", assignment.id(), Instant.ofEpochMilli(deadlineUnixMs));
        event(AllocEventType.ALLOC_EVENT_DEADLINE, "killed by the job deadline (" + Instant.ofEpochMilli(deadlineUnixMs) + ")");
        requestStop(StopCause.DEADLINE, "job deadline reached");
    }

    private void requestStop(StopCause cause, String message) {
        if (stopCause.compareAndSet(null, cause)) {
            stopMessage = message;
        }
        stopped.close();
        for (Slot slot : slots) {
            slot.lock.lock();
            try {
                TaskHandle h = slot.handle;
                if (h != null) {
                    h.stop(ctx.stopGrace());
                }
            } finally {
                slot.lock.unlock();
            }
        }
    }

    private void markRunning() {
        statusLock.lock();
        try {
            if (status != null && AllocState.ALLOC_PENDING.name().equals(status.state())) {
                publish(new StatusRecord(AllocState.ALLOC_RUNNING.name(), 0, "running", ctx.clock().millis(), 0,
                        totalRestarts()));
            }
        } finally {
            statusLock.unlock();
        }
    }

    private void noteRestart(String task, TaskResult result, Duration after, int restarts) {
        String in = HumanDuration.of(after);
        String attempts = policy.keepRestarting() && restarts > policy.attempts()
                ? "restart " + restarts + ", every " + in + " from now on"
                : "restart " + restarts + " of " + policy.attempts();
        String cause = result.timedOut() ? "after timing out"
                : result.outcome() == TaskResult.Outcome.EXITED ? "after exit code " + result.exitCode()
                : "after: " + result.message();
        log.info("alloc {}: task {} ended ({}); {} in {}", assignment.id(), task, result.message(), attempts, in);
        statusLock.lock();
        try {
            addEvent(AllocEventType.ALLOC_EVENT_RESTARTING, "task " + task + ": " + attempts + " in " + in + " " + cause);
            StatusRecord s = status;
            publish(new StatusRecord(s.state(), exitCodeOf(result, TaskResult.UNKNOWN_EXIT_CODE),
                    "task " + task + ": " + result.message() + "; " + attempts + " in " + in,
                    s.startedUnixMs(), 0, totalRestarts()));
        } finally {
            statusLock.unlock();
        }
    }

    private StatusRecord terminal(AllocState state, int exitCode, String message) {
        StatusRecord s = status;
        long started = s != null ? s.startedUnixMs() : 0;
        StatusRecord end = new StatusRecord(state.name(), exitCode, message, started, ctx.clock().millis(), totalRestarts());
        return assignment.reportsOutput() ? end.withOutput(outputExcerpt()) : end;
    }

    /**
     * The end of the tasks' output for the status report: stdout, else stderr (of the first task that printed any),
     * at most {@link #OUTPUT_EXCERPT_BYTES} of valid UTF-8.
     */
    String outputExcerpt() {
        for (boolean stdout : new boolean[] {true, false}) {
            for (Slot slot : slots) {
                TaskHandle h = slot.handle;
                if (h == null) {
                    continue;
                }
                StreamBuffer stream = stdout ? h.output().stdout() : h.output().stderr();
                byte[] tail = stream.tail(OUTPUT_EXCERPT_BYTES + 4);
                if (tail.length > 0) {
                    return Utf8.tail(tail, OUTPUT_EXCERPT_BYTES);
                }
            }
        }
        return "";
    }

    /** Records an event, to travel with the next status published. */
    private void addEvent(AllocEventType type, String message) {
        statusLock.lock();
        try {
            events.add(new EventRecord(++eventSeq, ctx.clock().millis(), type.name(), message));
            if (events.size() > EventRecord.KEPT) {
                events.removeFirst();
            }
        } finally {
            statusLock.unlock();
        }
    }

    /** Records an event and reports it at once, with the current status. */
    private void event(AllocEventType type, String message) {
        statusLock.lock();
        try {
            addEvent(type, message);
            if (status != null) {
                publish(status);
            }
        } finally {
            statusLock.unlock();
        }
    }

    private void terminalEvent(StatusRecord end) {
        AllocEventType type = switch (AllocState.valueOf(end.state())) {
            case ALLOC_COMPLETE -> AllocEventType.ALLOC_EVENT_COMPLETED;
            case ALLOC_STOPPED -> AllocEventType.ALLOC_EVENT_STOPPED;
            default -> AllocEventType.ALLOC_EVENT_FAILED;
        };
        // A completion needs no more words (the exit was its own event just before); a failure or stop keeps its reason.
        addEvent(type, type == AllocEventType.ALLOC_EVENT_COMPLETED ? "completed" : end.message());
    }

    /** Records and forwards a status (with the events so far); the lock keeps concurrent tasks' updates in order. */
    private void publish(StatusRecord next) {
        statusLock.lock();
        try {
            next = next.withEvents(events);
            status = next;
            listener.statusChanged(assignment.id(), next);
        } finally {
            statusLock.unlock();
        }
    }

    private int totalRestarts() {
        return slots.stream().mapToInt(s -> s.restarts).sum();
    }

    private static int exitCodeOf(TaskResult result, int fallback) {
        return result != null ? result.exitCode() : fallback;
    }

    private static String restartNote(int restarts) {
        return restarts == 0 ? "" : " (after " + restarts + (restarts == 1 ? " restart)" : " restarts)");
    }

    private static String stateName(String protoName) {
        return protoName.startsWith("ALLOC_") ? protoName.substring(6).toLowerCase() : protoName;
    }
}
