package io.muster.server.state;

import io.muster.types.state.AllocEventType;
import java.util.ArrayList;
import java.util.List;

/**
 * An allocation's replicated history, bounded: the first {@value #FIRST} events (how it began) and the last
 * {@value #LAST} (where it stands), with a count of the ones dropped in between. Only appliers append, with times
 * taken from the command, so every server holds the same list.
 *
 * @param events     oldest first, at most {@code FIRST + LAST}
 * @param dropped    events dropped from the middle
 * @param workerSeq  the highest worker sequence number applied: a resent report's older events are skipped
 */
public record AllocEvents(List<Event> events, long dropped, long workerSeq) {
    static final int FIRST = 2;
    static final int LAST = 20;
    /** Longest message kept: events are one-liners; a worker sending more is cut here, deterministically. */
    static final int MAX_MESSAGE = 200;

    public static final AllocEvents EMPTY = new AllocEvents(List.of(), 0, 0);

    public record Event(long at, AllocEventType type, String message) {
        public Event {
            if (message == null) message = "";
            if (message.length() > MAX_MESSAGE) message = message.substring(0, MAX_MESSAGE);
        }
    }

    public AllocEvents {
        events = events == null ? List.of() : List.copyOf(events);
    }

    /** All events ever appended, the dropped ones included: the ordinal of the next one is {@code total() + 1}. */
    public long total() {
        return dropped + events.size();
    }

    public AllocEvents append(Event e) {
        return append(List.of(e), workerSeq, 0);
    }

    /**
     * Appends in order, then drops from the middle (the oldest after the first {@value #FIRST}) down to the bound.
     *
     * @param skipped events the caller left out before {@code added} (a report of more than the bound): counted as dropped
     */
    AllocEvents append(List<Event> added, long newWorkerSeq, long skipped) {
        if (added.isEmpty() && newWorkerSeq == workerSeq && skipped == 0) return this;
        if (events.isEmpty() && added.size() <= FIRST + LAST) // the first event of a new allocation: no scratch list
            return new AllocEvents(added, dropped + skipped, Math.max(workerSeq, newWorkerSeq));
        List<Event> all = new ArrayList<>(events.size() + added.size());
        all.addAll(events);
        all.addAll(added);
        long drop = Math.max(0, all.size() - (FIRST + LAST));
        List<Event> kept = drop == 0 ? all : new ArrayList<>(all.subList(0, FIRST));
        if (drop > 0) kept.addAll(all.subList((int) (FIRST + drop), all.size()));
        return new AllocEvents(kept, dropped + drop + skipped, Math.max(workerSeq, newWorkerSeq));
    }

    /** The latest event, or null. */
    public Event latest() {
        return events.isEmpty() ? null : events.getLast();
    }
}
