package io.muster.server.state;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * One node's assignment events in revision order. Bounded: when old events are dropped the floor
 * rises, and a worker whose last revision is below the floor gets a full snapshot instead.
 */
public final class NodeEventLog {
    public enum Kind { SET, DELETE, DRAIN }

    public record Event(long revision, Kind kind, String allocId, boolean drainEnabled, long drainDeadline) {}

    static final int MAX_EVENTS = 4096;

    private final ArrayDeque<Event> events = new ArrayDeque<>();
    private long floor;        // events with revision > floor are all present
    private long lastRevision; // revision of the newest event for this node

    NodeEventLog(long floor) {
        this.floor = floor;
        this.lastRevision = floor;
    }

    synchronized void append(Event e) {
        events.addLast(e);
        lastRevision = e.revision();
        while (events.size() > MAX_EVENTS) floor = events.removeFirst().revision();
    }

    public synchronized long lastRevision() {
        return lastRevision;
    }

    /** Events newer than {@code revision}, or {@code null} when some of them are no longer kept. */
    public synchronized List<Event> after(long revision) {
        if (revision < floor) return null;
        List<Event> out = new ArrayList<>();
        var it = events.descendingIterator();
        while (it.hasNext()) {
            Event e = it.next();
            if (e.revision() <= revision) break;
            out.add(e);
        }
        java.util.Collections.reverse(out);
        return out;
    }

    /** GC: drops events up to {@code revision}; a worker whose last revision is below the new floor gets a full snapshot. */
    synchronized void dropThrough(long revision) {
        while (!events.isEmpty() && events.peekFirst().revision() <= revision) floor = events.removeFirst().revision();
    }
}
