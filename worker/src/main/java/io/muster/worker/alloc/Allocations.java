package io.muster.worker.alloc;

import io.muster.proto.AllocState;
import io.muster.proto.AllocStatus;
import io.muster.proto.AssignmentEvent;
import io.muster.proto.LogsReply;
import io.muster.proto.PollResponse;
import io.muster.worker.driver.TaskDriver;
import io.muster.worker.driver.TaskHandle;
import io.muster.worker.driver.TaskResult;
import io.muster.worker.state.StateStore;
import io.muster.worker.state.WorkerState;
import io.muster.worker.state.WorkerState.AllocRecord;
import io.muster.worker.state.WorkerState.StatusRecord;
import io.muster.worker.state.WorkerState.TaskRecord;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's allocations: applies the server's assignment events, owns one {@link AllocRunner} per allocation, keeps
 * the statuses not yet acknowledged by a server, tracks the drain, and persists all of it to {@code state.json}.
 *
 * <p>Records outlive runners: a finished allocation's record stays (so a repeated Set does not run it again) until
 * the server no longer wants it (Delete, or left out of a full snapshot) and its final status was acknowledged;
 * then the record and its task directories go.
 *
 * <p>Locking: this object's monitor guards the model. Runners call in (status and task changes) holding their own
 * locks, so this class never calls a runner while holding its monitor: it collects the calls and makes them after.
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

    /** Statuses per report: a restarted worker resends everything, which must stay far below gRPC's 4 MiB limit. */
    static final int MAX_STATUSES_PER_REPORT = 1000;
    /**
     * Finished allocations the server has the final status of are kept this long (for their logs, and so that a
     * repeated Set does not run them again), and at most {@link #MAX_FINISHED} of them, oldest forgotten first;
     * a Delete or a full snapshot without them makes the worker forget them at once.
     */
    static final Duration FINISHED_RETENTION = Duration.ofHours(24);
    static final int MAX_FINISHED = 1000;

    private static final class Entry {
        final Assignment assignment;
        final Map<String, TaskRecord> tasks = new LinkedHashMap<>();
        boolean wanted = true;
        StatusRecord status;
        AllocRunner runner;
        long version;
        long ackedVersion;

        Entry(Assignment assignment) {
            this.assignment = assignment;
        }

        boolean terminal() {
            return status != null && isTerminal(status.state());
        }
    }

    private final RunnerContext ctx;
    private final StateStore store;
    private final Runnable statusPending;
    private final Map<String, Entry> entries = new LinkedHashMap<>();
    private long lastRevision;
    private boolean draining;
    private long drainDeadlineUnixMs;
    private boolean drainAnnounced;
    private long versions;
    private boolean detached;

    private final Object writeLock = new Object();
    private final AtomicLong persistRequests = new AtomicLong();
    private long persisted;

    /**
     * @param statusPending called (outside any lock) whenever there is something new to report
     */
    public Allocations(RunnerContext ctx, StateStore store, Runnable statusPending) {
        this.ctx = ctx;
        this.store = store;
        this.statusPending = statusPending;
    }

    // ---- start-up ----

    /**
     * Takes in the state a previous worker process saved and re-attaches to its allocations: every allocation not
     * yet finished gets a runner that first tries {@link TaskDriver#recover}. Every status is reported once more, so
     * the server hears the whole picture after a restart.
     */
    public void restore(WorkerState state) {
        List<AllocRunner> toStart = new ArrayList<>();
        List<AllocRunner> toStop = new ArrayList<>();
        synchronized (this) {
            lastRevision = state.lastRevision();
            draining = state.draining();
            drainDeadlineUnixMs = state.drainDeadlineUnixMs();
            for (AllocRecord r : state.allocations()) {
                Entry e = new Entry(new Assignment(r.id(), r.jobId(), r.group(), r.index(), r.jobType(), r.attempt(),
                        r.jobDeadlineUnixMs(), r.groupSpecJson()));
                e.wanted = r.wanted();
                e.status = r.status();
                r.tasks().forEach(t -> e.tasks.put(t.name(), t));
                e.version = ++versions;
                entries.put(r.id(), e);
                if (!e.terminal()) {
                    e.runner = newRunner(e);
                    toStart.add(e.runner);
                    if (!e.wanted) {
                        toStop.add(e.runner);
                    }
                }
            }
        }
        log.info("restored state: revision {}, {} allocations ({} to re-attach){}", state.lastRevision(),
                state.allocations().size(), toStart.size(), state.draining() ? ", draining" : "");
        toStart.forEach(AllocRunner::start);
        toStop.forEach(r -> r.stop("deleted by the server before the worker restarted"));
        statusPending.run();
        checkDrained();
    }

    /**
     * The saved state belongs to another node id (the worker registered anew): its allocations are not this node's
     * to report, so their tasks are stopped and their directories removed, in the background.
     */
    public static void abandon(WorkerState stale, RunnerContext ctx) {
        List<AllocRecord> running = stale.allocations().stream()
                .filter(r -> r.status() == null || !isTerminal(r.status().state())).toList();
        log.warn("saved state belongs to node {}, not to this node {}: stopping the {} allocations it still ran",
                stale.nodeId(), ctx.nodeId(), running.size());
        Thread.ofVirtual().name("abandon-node-" + stale.nodeId()).start(() -> {
            for (AllocRecord r : stale.allocations()) {
                List<CompletableFuture<?>> stops = new ArrayList<>();
                for (TaskRecord t : r.tasks()) {
                    TaskDriver driver = ctx.drivers().get(t.driver());
                    if (driver == null) {
                        continue;
                    }
                    try {
                        Optional<TaskHandle> h = driver.recover(t.key());
                        h.ifPresent(handle -> {
                            handle.stop(ctx.stopGrace());
                            stops.add(handle.result());
                        });
                    } catch (RuntimeException e) {
                        log.warn("alloc {}: cannot stop task {} of the old node: {}", r.id(), t.name(), e.toString());
                    }
                }
                try {
                    CompletableFuture.allOf(stops.toArray(CompletableFuture[]::new))
                            .get(ctx.stopGrace().toMillis() + 10_000, TimeUnit.MILLISECONDS);
                } catch (Exception e) {
                    log.warn("alloc {}: tasks of the old node did not stop in time: {}", r.id(), e.toString());
                }
                r.tasks().forEach(t -> removeTaskDir(ctx.allocRoot(), t.key()));
            }
        });
    }

    // ---- assignment events ----

    /** Applies one poll answer in order, persists the result (with the new revision), then starts/stops runners. */
    public void apply(PollResponse response) {
        List<Runnable> after = new ArrayList<>();
        List<String> removedKeys = new ArrayList<>();
        synchronized (this) {
            if (detached) {
                return;
            }
            Set<String> inSnapshot = new HashSet<>();
            boolean snapshotHasDrain = false;
            for (AssignmentEvent event : response.getEventsList()) {
                switch (event.getKindCase()) {
                    case SET -> {
                        inSnapshot.add(event.getSet().getId());
                        set(Assignment.of(event.getSet()), after);
                    }
                    case DELETE_ALLOC_ID -> delete(event.getDeleteAllocId(), "deleted by the server", after);
                    case DRAIN -> {
                        snapshotHasDrain = true;
                        drain(event.getDrain().getEnabled(), event.getDrain().getDeadlineUnixMs());
                    }
                    case KIND_NOT_SET -> log.warn("ignoring an assignment event of a kind this worker does not know"
                            + " (revision {}); is the worker older than the server?", event.getRevision());
                }
            }
            if (response.getFullSnapshot()) {
                for (Entry e : List.copyOf(entries.values())) {
                    if (!inSnapshot.contains(e.assignment.id()) && e.wanted) {
                        delete(e.assignment.id(), "not in the server's assignment snapshot", after);
                    }
                }
                // A snapshot is the whole truth, drain included.
                if (!snapshotHasDrain && draining) {
                    drain(false, 0);
                }
                lastRevision = response.getRevision();
            } else {
                lastRevision = Math.max(lastRevision, response.getRevision());
            }
            collectGarbage(removedKeys);
        }
        persist();
        after.forEach(Runnable::run);
        removedKeys.forEach(key -> removeTaskDir(ctx.allocRoot(), key));
        checkDrained();
    }

    private void set(Assignment assignment, List<Runnable> after) {
        Entry existing = entries.get(assignment.id());
        if (existing != null) {
            // Ensure semantics: it runs already, or ran to its end (a completed allocation is never run again).
            if (!existing.wanted && !existing.terminal()) {
                log.info("alloc {}: assigned again while being stopped; it will report stopped and may be reassigned",
                        assignment.id());
            }
            existing.wanted = true;
            return;
        }
        if (draining) {
            log.warn("alloc {} (job {}): ignoring a new allocation while draining", assignment.id(), assignment.jobId());
            return;
        }
        Entry e = new Entry(assignment);
        Optional<String> refusal = AllocPaths.problem(assignment);
        if (refusal.isPresent()) {
            // Reported failed and never given a runner: no file is created, read or deleted for it.
            log.warn("alloc {}: {}", AllocPaths.printable(assignment.id()), refusal.get());
            long now = ctx.clock().millis();
            e.status = new StatusRecord(AllocState.ALLOC_FAILED.name(), TaskResult.UNKNOWN_EXIT_CODE, refusal.get(), 0, now, 0);
            e.version = ++versions;
            entries.put(assignment.id(), e);
            after.add(statusPending);
            return;
        }
        e.runner = newRunner(e);
        entries.put(assignment.id(), e);
        log.info("alloc {}: assigned (job {}, group {}, index {})", assignment.id(), assignment.jobId(),
                assignment.group(), assignment.index());
        AllocRunner runner = e.runner;
        after.add(runner::start);
    }

    private void delete(String allocId, String reason, List<Runnable> after) {
        Entry e = entries.get(allocId);
        if (e == null) {
            return;
        }
        e.wanted = false;
        if (!e.terminal() && e.runner != null) {
            log.info("alloc {}: stopping ({})", allocId, reason);
            AllocRunner runner = e.runner;
            after.add(() -> runner.stop(reason));
        }
    }

    private void drain(boolean enabled, long deadlineUnixMs) {
        if (enabled && !draining) {
            log.info("drain requested{}: taking no new allocations; {} still running and will finish or be stopped by the server",
                    deadlineUnixMs > 0 ? " (deadline " + Instant.ofEpochMilli(deadlineUnixMs) + ")" : "", runningCount());
        } else if (!enabled && draining) {
            log.info("drain cancelled: taking new allocations again");
        }
        draining = enabled;
        drainDeadlineUnixMs = enabled ? deadlineUnixMs : 0;
        drainAnnounced = false;
    }

    /** Announces, once per drain, that nothing runs any more, and gets drain_complete reported promptly. */
    private void checkDrained() {
        boolean announce;
        synchronized (this) {
            announce = draining && !drainAnnounced && runningCount() == 0;
            if (announce) {
                drainAnnounced = true;
            }
        }
        if (announce) {
            log.info("drained: nothing runs on this node any more; staying connected and ineligible until the drain is cancelled");
            statusPending.run();
        }
    }

    // ---- runner callbacks ----

    @Override
    public void statusChanged(String allocId, StatusRecord status) {
        synchronized (this) {
            Entry e = entries.get(allocId);
            if (e == null || detached) {
                return;
            }
            e.status = status;
            e.version = ++versions;
        }
        persist();
        statusPending.run();
        if (isTerminal(status.state())) {
            checkDrained();
        }
    }

    @Override
    public void taskChanged(String allocId, TaskRecord task) {
        synchronized (this) {
            Entry e = entries.get(allocId);
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
        List<AllocStatus> statuses = new ArrayList<>();
        Map<String, Long> reported = new LinkedHashMap<>();
        boolean more = false;
        for (Entry e : entries.values()) {
            if (e.status != null && e.version > e.ackedVersion) {
                if (statuses.size() == MAX_STATUSES_PER_REPORT) {
                    more = true;
                    break;
                }
                statuses.add(toProto(e.assignment.id(), e.status));
                reported.put(e.assignment.id(), e.version);
            }
        }
        int running = runningCount();
        return new Report(statuses, reported, running, draining && running == 0, more);
    }

    /** A server acknowledged {@code report}: its statuses need not be sent again (unless they changed since). */
    public void acknowledged(Report report) {
        List<String> removedKeys = new ArrayList<>();
        synchronized (this) {
            report.versions().forEach((id, version) -> {
                Entry e = entries.get(id);
                if (e != null) {
                    e.ackedVersion = Math.max(e.ackedVersion, version);
                }
            });
            collectGarbage(removedKeys);
        }
        if (!removedKeys.isEmpty()) {
            persist();
            removedKeys.forEach(key -> removeTaskDir(ctx.allocRoot(), key));
        }
    }

    /**
     * Forgets finished allocations whose final status a server acknowledged, once the server no longer wants them
     * or they are past {@link #FINISHED_RETENTION} (or the oldest beyond {@link #MAX_FINISHED}); collects their task
     * keys so their directories can go.
     */
    private void collectGarbage(List<String> removedKeys) {
        long oldest = ctx.clock().millis() - FINISHED_RETENTION.toMillis();
        List<Entry> finished = new ArrayList<>();
        var it = entries.values().iterator();
        while (it.hasNext()) {
            Entry e = it.next();
            if (!e.terminal() || e.ackedVersion < e.version) {
                continue;
            }
            if (!e.wanted || e.status.finishedUnixMs() < oldest) {
                it.remove();
                forget(e, removedKeys);
            } else {
                finished.add(e);
            }
        }
        if (finished.size() > MAX_FINISHED) {
            finished.sort(java.util.Comparator.comparingLong(e -> e.status.finishedUnixMs()));
            for (Entry e : finished.subList(0, finished.size() - MAX_FINISHED)) {
                entries.remove(e.assignment.id());
                forget(e, removedKeys);
            }
        }
    }

    private static void forget(Entry e, List<String> removedKeys) {
        if (e.tasks.isEmpty()) {
            if (AllocPaths.isSafeId(e.assignment.id())) {
                removedKeys.add(e.assignment.id()); // a refused allocation has no directory
            }
        } else {
            e.tasks.values().forEach(t -> removedKeys.add(t.key()));
        }
        log.debug("alloc {}: forgotten (finished, final status acknowledged)", e.assignment.id());
    }

    // ---- queries ----

    public synchronized long lastRevision() {
        return lastRevision;
    }

    public synchronized boolean draining() {
        return draining;
    }

    /** Allocations not yet finished (pending or running). */
    public synchronized int runningCount() {
        return (int) entries.values().stream().filter(e -> !e.terminal()).count();
    }

    /** Every known allocation's state (proto enum name), by id. */
    public synchronized Map<String, String> states() {
        Map<String, String> out = new TreeMap<>();
        entries.forEach((id, e) -> out.put(id, e.status != null ? e.status.state() : AllocState.ALLOC_PENDING.name()));
        return out;
    }

    public LogsReply logs(String allocId, int maxBytes) {
        Map<String, Path> taskDirs = new LinkedHashMap<>();
        AllocRunner runner;
        synchronized (this) {
            Entry e = entries.get(allocId);
            if (e == null) {
                return LogsReply.newBuilder().setAllocId(allocId).setFound(false)
                        .setError("allocation " + allocId + " is not on this node").build();
            }
            runner = e.runner;
            GroupSpec spec = AllocPaths.problem(e.assignment).isPresent() ? null : specOrNull(e.assignment);
            if (spec != null) {
                spec.tasks().forEach(t -> putTaskDir(taskDirs, t.name(), e.assignment.taskKey(spec, t.name())));
            } else {
                e.tasks.values().forEach(t -> putTaskDir(taskDirs, t.name(), t.key()));
            }
        }
        return AllocLogs.build(allocId, runner != null ? runner.outputs() : Map.of(), taskDirs, maxBytes);
    }

    // ---- shutdown ----

    /**
     * Stops every allocation still running (the node was revoked: the cluster replaces them elsewhere) and waits up
     * to {@code max} for them to end.
     */
    public void stopAll(String reason, Duration max) {
        List<AllocRunner> running = new ArrayList<>();
        synchronized (this) {
            for (Entry e : entries.values()) {
                if (!e.terminal() && e.runner != null) {
                    e.wanted = false;
                    running.add(e.runner);
                }
            }
        }
        running.forEach(r -> r.stop(reason));
        try {
            CompletableFuture.allOf(running.stream().map(AllocRunner::done).toArray(CompletableFuture[]::new))
                    .get(max.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            log.warn("not every allocation stopped within {} s: {}", max.toSeconds(), e.toString());
        }
    }

    /**
     * The worker is shutting down: runners stop supervising (tasks keep running for the next worker process) and the
     * state is saved one last time. Call before closing the drivers.
     */
    public void detach() {
        List<AllocRunner> runners = new ArrayList<>();
        synchronized (this) {
            entries.values().stream().filter(e -> e.runner != null).forEach(e -> runners.add(e.runner));
        }
        runners.forEach(AllocRunner::detach);
        synchronized (this) {
            detached = true;
        }
        persist();
    }

    // ---- persistence ----

    /**
     * Writes the current state. Concurrent callers coalesce: whoever writes takes a snapshot that covers every
     * request made before it, so waiting callers whose request is covered return without writing again.
     */
    public void persist() {
        long request = persistRequests.incrementAndGet();
        synchronized (writeLock) {
            if (persisted >= request) {
                return;
            }
            long covers = persistRequests.get();
            WorkerState snapshot = snapshot();
            try {
                store.save(snapshot);
                persisted = covers;
            } catch (IOException e) {
                log.error("cannot save the worker state to {}: {}", store.file(), e.getMessage());
            }
        }
    }

    private synchronized WorkerState snapshot() {
        List<AllocRecord> records = new ArrayList<>();
        for (Entry e : entries.values()) {
            Assignment a = e.assignment;
            records.add(new AllocRecord(a.id(), a.jobId(), a.group(), a.index(), a.jobType(), a.attempt(),
                    a.jobDeadlineUnixMs(), a.groupSpecJson(), e.wanted, List.copyOf(e.tasks.values()), e.status));
        }
        return new WorkerState(WorkerState.CURRENT_VERSION, ctx.nodeId(), lastRevision, draining, drainDeadlineUnixMs,
                records);
    }

    // ---- helpers ----

    private AllocRunner newRunner(Entry e) {
        return new AllocRunner(e.assignment, e.status, List.copyOf(e.tasks.values()), ctx, this);
    }

    private static GroupSpec specOrNull(Assignment a) {
        try {
            return GroupSpec.parse(a.groupSpecJson().getBytes(StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    static boolean isTerminal(String state) {
        return AllocState.ALLOC_COMPLETE.name().equals(state) || AllocState.ALLOC_FAILED.name().equals(state)
                || AllocState.ALLOC_LOST.name().equals(state) || AllocState.ALLOC_STOPPED.name().equals(state);
    }

    static AllocStatus toProto(String allocId, StatusRecord s) {
        AllocState state;
        try {
            state = AllocState.valueOf(s.state());
        } catch (IllegalArgumentException e) {
            state = AllocState.ALLOC_STATE_UNSPECIFIED;
        }
        return AllocStatus.newBuilder()
                .setAllocId(allocId)
                .setState(state)
                .setExitCode(s.exitCode())
                .setMessage(s.message() == null ? "" : s.message())
                .setStartedUnixMs(s.startedUnixMs())
                .setFinishedUnixMs(s.finishedUnixMs())
                .setRestarts(Math.max(0, s.restarts()))
                .build();
    }

    private void putTaskDir(Map<String, Path> taskDirs, String task, String key) {
        try {
            taskDirs.put(task, AllocPaths.taskDir(ctx.allocRoot(), key));
        } catch (IllegalArgumentException e) {
            log.warn("not reading logs of task {}: {}", AllocPaths.printable(task), e.getMessage());
        }
    }

    /** Deletes a task's directory, only if its key names one directly under the alloc root. */
    static void removeTaskDir(Path allocRoot, String key) {
        try {
            deleteTree(AllocPaths.taskDir(allocRoot, key));
        } catch (IllegalArgumentException e) {
            log.warn("not removing a task directory: {}", e.getMessage());
        }
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                    Files.delete(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            log.warn("cannot remove {}: {}", dir, e.toString());
        }
    }
}
