package io.muster.worker.alloc;

import io.muster.worker.alloc.AssignmentLedger.Entry;
import io.muster.worker.state.StateStore;
import io.muster.worker.state.WorkerState;
import io.muster.worker.state.WorkerState.AllocRecord;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Saves the node's allocations to {@code state.json} (through {@link StateStore}) and turns saved records back into
 * ledger entries, so a restarted worker resumes at its revision and re-attaches to its tasks instead of running them
 * again. It exists to keep the on-disk mapping and the write path's concurrency in one place: the poll loop and every
 * runner ask for saves from their own threads, and concurrent requests coalesce into one write that covers them all.
 */
final class StateFile {
    private static final Logger log = LoggerFactory.getLogger(StateFile.class);

    private final StateStore store;
    private final Supplier<WorkerState> snapshot;
    private final Object writeLock = new Object();
    private final AtomicLong requests = new AtomicLong();
    private long persisted;

    /** @param snapshot the current state, taken consistently (under the allocations' lock) */
    StateFile(StateStore store, Supplier<WorkerState> snapshot) {
        this.store = store;
        this.snapshot = snapshot;
    }

    /**
     * Writes the current state. Concurrent callers coalesce: whoever writes takes a snapshot that covers every
     * request made before it, so waiting callers whose request is covered return without writing again.
     */
    void save() {
        long request = requests.incrementAndGet();
        synchronized (writeLock) {
            if (persisted >= request) {
                return;
            }
            long covers = requests.get();
            WorkerState state = snapshot.get();
            try {
                store.save(state);
                persisted = covers;
            } catch (IOException e) {
                log.error("cannot save the worker state to {}: {}", store.file(), e.getMessage());
            }
        }
    }

    /** The ledger as saved state. */
    static WorkerState stateOf(long nodeId, AssignmentLedger ledger) {
        List<AllocRecord> records = new ArrayList<>();
        for (Entry e : ledger.entries()) {
            Assignment a = e.assignment;
            records.add(new AllocRecord(a.id(), a.jobId(), a.group(), a.index(), a.jobType(), a.attempt(),
                    a.jobDeadlineUnixMs(), a.groupSpecJson(), e.wanted, List.copyOf(e.tasks.values()), e.status));
        }
        return new WorkerState(WorkerState.CURRENT_VERSION, nodeId, ledger.lastRevision(), ledger.draining(),
                ledger.drainDeadlineUnixMs(), records);
    }

    /** Saved records as ledger entries. */
    static List<Entry> entriesOf(WorkerState state) {
        List<Entry> out = new ArrayList<>();
        for (AllocRecord r : state.allocations()) {
            Entry e = new Entry(new Assignment(r.id(), r.jobId(), r.group(), r.index(), r.jobType(), r.attempt(),
                    r.jobDeadlineUnixMs(), r.groupSpecJson()));
            e.wanted = r.wanted();
            e.status = r.status();
            r.tasks().forEach(t -> e.tasks.put(t.name(), t));
            out.add(e);
        }
        return out;
    }
}
