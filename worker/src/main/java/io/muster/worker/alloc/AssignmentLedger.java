package io.muster.worker.alloc;

import io.muster.proto.AllocState;
import io.muster.proto.AssignmentEvent;
import io.muster.proto.PollResponse;
import io.muster.worker.driver.TaskResult;
import io.muster.worker.state.WorkerState.StatusRecord;
import io.muster.worker.state.WorkerState.TaskRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which allocations this node should run, as the servers' assignment events say, the revision they are applied up
 * to, and whether the node drains. It exists so that the rules of the assignment stream live in one place, apart
 * from threads, files and the network: a Set is "ensure" (a finished allocation is never run again), a Delete or a
 * full snapshot's omission stops an allocation, a snapshot carries the whole drain state, and the revision only moves
 * forward except when a snapshot resets it. It also decides when a finished allocation's record may be forgotten.
 *
 * <p>Not thread-safe: {@link Allocations} guards it with its monitor. It never calls a runner; it fills a
 * {@link Plan} that the caller carries out after releasing the lock.
 */
final class AssignmentLedger {
    private static final Logger log = LoggerFactory.getLogger(AssignmentLedger.class);

    /**
     * Finished allocations the server has the final status of are kept this long (for their logs, and so that a
     * repeated Set does not run them again), and at most {@link #MAX_FINISHED} of them, oldest forgotten first;
     * stopped ones (deleted by the server, or left out of a full snapshot) alike, so that their logs stay readable
     * while the server still has the allocation (it collects finished allocations after {@code gc.alloc_after}, 1 h
     * by default).
     */
    static final Duration FINISHED_RETENTION = Duration.ofHours(24);
    static final int MAX_FINISHED = 1000;

    /** One allocation this node knows. The record outlives its runner: it stays until it may be forgotten. */
    static final class Entry {
        final Assignment assignment;
        final Map<String, TaskRecord> tasks = new LinkedHashMap<>();
        boolean wanted = true;
        StatusRecord status;

        Entry(Assignment assignment) {
            this.assignment = assignment;
        }

        String id() {
            return assignment.id();
        }

        boolean terminal() {
            return status != null && isTerminal(status.state());
        }

        /** The directories (task keys) it may have under the alloc root. */
        List<String> taskKeys() {
            if (!tasks.isEmpty()) {
                return tasks.values().stream().map(TaskRecord::key).toList();
            }
            return AllocPaths.isSafeId(id()) ? List.of(id()) : List.of(); // a refused allocation has no directory
        }
    }

    /** What a change asks of the runners, the outbox and the disk, to be done by the caller. */
    static final class Plan {
        /** New entries that need a runner, started. */
        final List<Entry> start = new ArrayList<>();
        /** Running allocations to stop, id to reason. */
        final Map<String, String> stop = new LinkedHashMap<>();
        /** Entries given a (failed) status without a runner; the status is to be reported. */
        final List<Entry> refused = new ArrayList<>();
        /** Records dropped: their runner, pending status and task directories go. */
        final List<Entry> forgotten = new ArrayList<>();
        /** Finished allocations assigned again: the server does not know they ended, so their final status goes again. */
        final List<Entry> resend = new ArrayList<>();
    }

    private final Map<String, Entry> entries = new LinkedHashMap<>();
    private long lastRevision;
    private boolean draining;
    private long drainDeadlineUnixMs;
    private boolean drainAnnounced;

    /** Takes in saved records: every unfinished one needs a runner again (to re-attach), and a stop if unwanted. */
    void restore(long revision, boolean draining, long drainDeadlineUnixMs, List<Entry> saved, Plan plan) {
        this.lastRevision = revision;
        this.draining = draining;
        this.drainDeadlineUnixMs = drainDeadlineUnixMs;
        for (Entry e : saved) {
            entries.put(e.id(), e);
            if (!e.terminal()) {
                plan.start.add(e);
                if (!e.wanted) {
                    plan.stop.put(e.id(), "deleted by the server before the worker restarted");
                }
            }
        }
    }

    /** Applies one poll answer's events in order. */
    void apply(PollResponse response, long nowUnixMs, Plan plan) {
        Set<String> inSnapshot = new HashSet<>();
        boolean snapshotHasDrain = false;
        for (AssignmentEvent event : response.getEventsList()) {
            switch (event.getKindCase()) {
                case SET -> {
                    inSnapshot.add(event.getSet().getId());
                    set(Assignment.of(event.getSet()), nowUnixMs, plan);
                }
                case DELETE_ALLOC_ID -> delete(event.getDeleteAllocId(), "deleted by the server", plan);
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
                if (!inSnapshot.contains(e.id()) && e.wanted) {
                    delete(e.id(), "not in the server's assignment snapshot", plan);
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
    }

    private void set(Assignment assignment, long nowUnixMs, Plan plan) {
        Entry existing = entries.get(assignment.id());
        if (existing != null) {
            // Ensure semantics: it runs already, or ran to its end (a completed allocation is never run again).
            if (!existing.wanted && !existing.terminal()) {
                log.info("alloc {}: assigned again while being stopped; it will report stopped and may be reassigned",
                        assignment.id());
            }
            existing.wanted = true;
            if (existing.terminal()) {
                // E.g. a full snapshot from a new leader that missed the final status: never run again, tell again.
                log.info("alloc {}: assigned again but already {}; reporting its final status again instead of running it",
                        assignment.id(), existing.status.state());
                plan.resend.add(existing);
            }
            return;
        }
        if (draining) {
            log.warn("alloc {} (job {}): ignoring a new allocation while draining", assignment.id(), assignment.jobId());
            return;
        }
        Entry e = new Entry(assignment);
        entries.put(assignment.id(), e);
        Optional<String> refusal = AllocPaths.problem(assignment);
        if (refusal.isPresent()) {
            // Reported failed and never given a runner: no file is created, read or deleted for it.
            log.warn("alloc {}: {}", AllocPaths.printable(assignment.id()), refusal.get());
            e.status = new StatusRecord(AllocState.ALLOC_FAILED.name(), TaskResult.UNKNOWN_EXIT_CODE, refusal.get(), 0,
                    nowUnixMs, 0);
            plan.refused.add(e);
            return;
        }
        log.info("alloc {}: assigned (job {}, group {}, index {})", assignment.id(), assignment.jobId(),
                assignment.group(), assignment.index());
        plan.start.add(e);
    }

    private void delete(String allocId, String reason, Plan plan) {
        Entry e = entries.get(allocId);
        if (e == null) {
            return;
        }
        e.wanted = false;
        if (!e.terminal()) {
            log.info("alloc {}: stopping ({})", allocId, reason);
            plan.stop.put(allocId, reason);
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

    /** True once per drain, when nothing runs any more: the caller announces it and reports drain_complete. */
    boolean takeDrainedAnnouncement() {
        boolean announce = draining && !drainAnnounced && runningCount() == 0;
        if (announce) {
            drainAnnounced = true;
        }
        return announce;
    }

    /**
     * Forgets finished allocations whose final status a server acknowledged ({@code settled}), once they are past
     * {@link #FINISHED_RETENTION} (or the oldest beyond {@link #MAX_FINISHED}), wanted or not.
     */
    void collectGarbage(long nowUnixMs, Predicate<String> settled, Plan plan) {
        long oldest = nowUnixMs - FINISHED_RETENTION.toMillis();
        List<Entry> finished = new ArrayList<>();
        var it = entries.values().iterator();
        while (it.hasNext()) {
            Entry e = it.next();
            if (!e.terminal() || !settled.test(e.id())) {
                continue;
            }
            // Stopped ones too (no longer wanted): their logs stay readable until the retention or the bound ends them.
            // A refused one (unsafe ids) never ran and has no logs: once unwanted it goes at once.
            boolean nothingToKeep = !e.wanted && AllocPaths.problem(e.assignment).isPresent();
            if (nothingToKeep || e.status.finishedUnixMs() < oldest) {
                it.remove();
                forgotten(e, plan);
            } else {
                finished.add(e);
            }
        }
        if (finished.size() > MAX_FINISHED) {
            finished.sort(Comparator.comparingLong(e -> e.status.finishedUnixMs()));
            for (Entry e : finished.subList(0, finished.size() - MAX_FINISHED)) {
                entries.remove(e.id());
                forgotten(e, plan);
            }
        }
    }

    private static void forgotten(Entry e, Plan plan) {
        plan.forgotten.add(e);
        log.debug("alloc {}: forgotten (finished, final status acknowledged)", e.id());
    }

    /** Marks every unfinished allocation unwanted (the node was revoked) and returns their ids. */
    List<String> unwantAllRunning() {
        List<String> ids = new ArrayList<>();
        for (Entry e : entries.values()) {
            if (!e.terminal()) {
                e.wanted = false;
                ids.add(e.id());
            }
        }
        return ids;
    }

    // ---- queries ----

    Entry get(String allocId) {
        return entries.get(allocId);
    }

    Collection<Entry> entries() {
        return entries.values();
    }

    long lastRevision() {
        return lastRevision;
    }

    boolean draining() {
        return draining;
    }

    long drainDeadlineUnixMs() {
        return drainDeadlineUnixMs;
    }

    /** Allocations not yet finished (pending or running). */
    int runningCount() {
        return (int) entries.values().stream().filter(e -> !e.terminal()).count();
    }

    /** Every known allocation's state (proto enum name), by id. */
    Map<String, String> states() {
        Map<String, String> out = new TreeMap<>();
        entries.forEach((id, e) -> out.put(id, e.status != null ? e.status.state() : AllocState.ALLOC_PENDING.name()));
        return out;
    }

    static boolean isTerminal(String state) {
        return AllocState.ALLOC_COMPLETE.name().equals(state) || AllocState.ALLOC_FAILED.name().equals(state)
                || AllocState.ALLOC_LOST.name().equals(state) || AllocState.ALLOC_STOPPED.name().equals(state);
    }
}
