package io.muster.server.events;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The newest {@code capacity} events of this server, in index order: a ring written by the apply thread only and read
 * by any number of subscribers without locks. Every event ever appended has a sequence number; a reader holds one
 * as its cursor and learns from {@link #read} when the ring overwrote what it had not read yet.
 *
 * <p>{@link #floor()} is the index after which the ring is complete: every event of every index above it is here (or
 * still to come). It rises when the oldest events are overwritten, and is set to the snapshot's index when the state
 * is replaced by one (a restart, a snapshot installed by the leader): events before a snapshot were never seen here.
 */
public final class EventJournal {
    /** Why the events before {@link #floor()} are not here. */
    public enum FloorReason {
        /** Nothing is missing: the journal started with the state at index 0. */
        NONE,
        /** Overwritten by newer events: the ring holds {@code capacity} events. */
        EVICTED,
        /** The state was loaded from a snapshot (a restart, or the leader sent one): nothing before it was seen here. */
        SNAPSHOT
    }

    private record Slot(long seq, StateEvent event) {}

    /** Where a reader stands and whether it can go on: {@code seq} is its next sequence, {@code epoch} the journal reset it belongs to. */
    public record Cursor(long seq, long epoch) {}

    /** A read: {@code events} in order, the cursor after them, and {@code lost} when the ring overwrote the reader's position. */
    public record Batch(List<StateEvent> events, Cursor next, boolean lost, long completeIndex) {}

    private final AtomicReferenceArray<Slot> slots;
    private final int capacity;
    /** Sequence of the next event appended; readers see events below it. */
    private volatile long headSeq;
    /** Every event of every index up to this one is below {@link #headSeq} (published after it). */
    private volatile long headIndex;
    /** Sequences below this belong to an earlier epoch (before the last reset). */
    private volatile long tailSeq;
    private volatile long floor;
    private volatile FloorReason floorReason = FloorReason.NONE;
    private volatile long epoch;

    public EventJournal(int capacity, long startIndex) {
        if (capacity < 1) throw new IllegalArgumentException("capacity must be at least 1, got " + capacity);
        this.capacity = capacity;
        this.slots = new AtomicReferenceArray<>(capacity);
        this.floor = startIndex;
        this.headIndex = startIndex;
        if (startIndex > 0) floorReason = FloorReason.SNAPSHOT;
    }

    public int capacity() {
        return capacity;
    }

    /** Apply thread: the events of {@code index} (possibly none), after which everything up to {@code index} is here. */
    public void append(long index, List<StateEvent> events) {
        long seq = headSeq;
        for (StateEvent e : events) {
            int i = (int) (seq % capacity);
            Slot old = slots.get(i);
            if (old != null && old.seq() >= tailSeq) {
                // Raise the floor before the slot changes: a reader that then finds the slot overwritten also finds the floor above it.
                if (old.event().index() > floor) {
                    floor = old.event().index();
                    floorReason = FloorReason.EVICTED;
                }
            }
            slots.set(i, new Slot(seq, e));
            seq++;
        }
        headSeq = seq;
        if (index > headIndex) headIndex = index;
    }

    /** Apply thread: the state was replaced by a snapshot at {@code index}; what the ring held no longer leads up to it. */
    public void reset(long index) {
        tailSeq = headSeq;
        floor = index;
        floorReason = FloorReason.SNAPSHOT;
        headIndex = index;
        epoch++;
    }

    public long floor() {
        return floor;
    }

    public FloorReason floorReason() {
        return floorReason;
    }

    /** The newest index whose events are all here. */
    public long headIndex() {
        return headIndex;
    }

    public long epoch() {
        return epoch;
    }

    /** Events kept now (at most the capacity). */
    public long size() {
        return headSeq - Math.max(tailSeq, headSeq - capacity);
    }

    /** A cursor at the head: the next event appended is the first it reads. */
    public Cursor head() {
        long e = epoch;
        return new Cursor(headSeq, e);
    }

    /**
     * A cursor at the first event after {@code index}, or empty when events after it were not all kept
     * ({@code index < floor()}): the caller then reports a gap and starts at {@link #floor()} instead.
     */
    public java.util.Optional<Cursor> after(long index) {
        for (int attempt = 0; attempt < 8; attempt++) {
            long e = epoch;
            long f = floor;
            if (index < f) return java.util.Optional.empty();
            long hi = headSeq;
            long lo = Math.max(tailSeq, hi - capacity);
            // First sequence in [lo, hi) whose event's index is above `index` (events are in index order).
            long a = lo;
            long b = hi;
            boolean raced = false;
            while (a < b) {
                long mid = (a + b) >>> 1;
                Slot s = slots.get((int) (mid % capacity));
                if (s == null || s.seq() != mid) {
                    raced = true;
                    break;
                }
                if (s.event().index() > index) b = mid;
                else a = mid + 1;
            }
            if (!raced && e == epoch && floor == f) return java.util.Optional.of(new Cursor(a, e));
        }
        return java.util.Optional.empty(); // overwritten faster than we could search: the floor moved past index
    }

    /**
     * Up to about {@code max} events from {@code from}, never stopping inside an index (all of an index's events or
     * none, so a consumer resuming after an index misses nothing). {@code completeIndex}: every event up to it has been
     * returned, by this batch or an earlier one.
     */
    public Batch read(Cursor from, int max) {
        long hIndex = headIndex; // before headSeq: the sequences published by then hold every event up to hIndex
        long hi = headSeq;
        if (from.epoch() != epoch || from.seq() < hi - capacity) return new Batch(List.of(), from, true, 0);
        List<StateEvent> out = new ArrayList<>(Math.min(max, (int) Math.min(Integer.MAX_VALUE, hi - from.seq())));
        long seq = from.seq();
        long lastIndex = -1;
        while (seq < hi) {
            Slot s = slots.get((int) (seq % capacity));
            if (s == null || s.seq() != seq) return new Batch(List.of(), from, true, 0);
            if (out.size() >= max && s.event().index() != lastIndex) break;
            out.add(s.event());
            lastIndex = s.event().index();
            seq++;
        }
        if (from.epoch() != epoch) return new Batch(List.of(), from, true, 0);
        long complete = seq >= hi ? hIndex : lastIndex;
        if (seq >= hi && lastIndex > hIndex) complete = lastIndex; // appended since we read headIndex: complete too
        return new Batch(out, new Cursor(seq, from.epoch()), false, complete);
    }
}
