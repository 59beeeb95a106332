package io.muster.server.events;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.locks.LockSupport;

/**
 * One subscriber: a cursor into the shared {@link EventJournal} and a virtual thread that moves it, filters and hands
 * the events to the sink. It holds no queue of its own: a slow reader costs its cursor and the transport's bounded
 * buffer, whatever the event rate; when the journal overwrites events it has not sent, or its sink stays full past
 * the stall timeout, the stream ends with {@link StreamItem.Lagged} naming the index to resume from.
 */
public final class Subscription {
    private final long id;
    private final EventJournal journal;
    private final EventFilter filter;
    private final EventSink sink;
    private final EventBroker.Settings settings;
    private final Clock clock;
    private final Runnable onEnd;
    private final OptionalLong from;
    private volatile Thread thread;
    private volatile boolean signalled;
    private volatile boolean cancelled;
    private volatile boolean paused;
    /** Every matching event up to this index has been handed to the sink. */
    private volatile long delivered;

    Subscription(long id, OptionalLong from, EventFilter filter, EventSink sink, EventJournal journal, EventBroker.Settings settings,
                 Clock clock, Runnable onEnd) {
        this.id = id;
        this.from = from;
        this.filter = filter;
        this.sink = sink;
        this.journal = journal;
        this.settings = settings;
        this.clock = clock;
        this.onEnd = onEnd;
    }

    void start() {
        thread = Thread.ofVirtual().name("events-" + id).start(this::run);
    }

    public long id() {
        return id;
    }

    public EventFilter filter() {
        return filter;
    }

    /** The index up to which every matching event was sent. */
    public long deliveredIndex() {
        return delivered;
    }

    /** The transport can take more again (its buffer drained). */
    public void resume() {
        paused = false;
        wake();
    }

    /** Ends the subscription (the client went away, or the server closes): the sink's {@code end} follows. */
    public void cancel() {
        cancelled = true;
        wake();
    }

    public boolean ended() {
        return thread != null && !thread.isAlive();
    }

    void wake() {
        signalled = true;
        Thread t = thread;
        if (t != null) LockSupport.unpark(t);
    }

    private void await(long nanos) {
        if (!signalled) LockSupport.parkNanos(this, nanos);
        signalled = false;
    }

    private void run() {
        try {
            pump();
        } catch (RuntimeException e) {
            org.slf4j.LoggerFactory.getLogger(Subscription.class).warn("event subscription {} failed", id, e);
        } finally {
            onEnd.run();
            sink.end();
        }
    }

    private void pump() {
        EventJournal.Cursor cur = open();
        long heartbeatMs = settings.heartbeat().toMillis();
        long lastSent = clock.millis();
        while (!cancelled) {
            EventJournal.Batch b = journal.read(cur, settings.batchEvents());
            if (b.lost()) {
                if (cur.epoch() != journal.epoch()) { // the state was replaced by a snapshot: say so, go on after it
                    cur = seekAfterGap(delivered);
                    lastSent = clock.millis();
                    continue;
                }
                send(List.of(new StreamItem.Lagged(delivered, "the reader fell more than " + journal.capacity()
                        + " events behind; resume from index " + delivered)));
                return;
            }
            cur = b.next();
            List<StreamItem> items = new ArrayList<>();
            for (StateEvent e : b.events()) if (filter.matches(e)) items.add(new StreamItem.Event(e));
            long complete = Math.max(delivered, b.completeIndex());
            if (!items.isEmpty()) {
                delivered = complete;
                if (!send(items)) return;
                lastSent = clock.millis();
                continue;
            }
            delivered = complete;
            if (!b.events().isEmpty()) continue; // filtered out: read on before waiting
            long now = clock.millis();
            if (now - lastSent >= heartbeatMs) {
                if (!send(List.of(new StreamItem.Heartbeat(delivered)))) return;
                lastSent = now;
                continue;
            }
            await(java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(Math.max(1, heartbeatMs - (now - lastSent))));
        }
    }

    /** Where the stream starts, after its first item (a heartbeat at the head, or a gap). */
    private EventJournal.Cursor open() {
        if (from.isEmpty()) {
            EventJournal.Cursor c = journal.head();
            delivered = journal.headIndex();
            send(List.of(new StreamItem.Heartbeat(delivered)));
            return c;
        }
        long want = from.getAsLong();
        var c = journal.after(want);
        if (c.isPresent()) {
            delivered = want;
            return c.get();
        }
        return seekAfterGap(want);
    }

    /** Sends a gap for everything between {@code requested} and the floor, and a cursor just after the floor. */
    private EventJournal.Cursor seekAfterGap(long requested) {
        while (true) {
            long floor = journal.floor();
            var c = journal.after(floor);
            if (c.isEmpty()) continue; // the floor rose while we looked: look again
            String reason = journal.floorReason() == EventJournal.FloorReason.SNAPSHOT ? "snapshot" : "evicted";
            delivered = floor;
            send(List.of(new StreamItem.Gap(floor, floor + 1, requested, reason)));
            return c.get();
        }
    }

    /** Hands items over; while the sink is full, waits for it (up to the stall timeout). False: the stream ended. */
    private boolean send(List<StreamItem> items) {
        if (sink.send(items)) return !cancelled;
        paused = true;
        long since = clock.millis();
        long stallMs = settings.stallTimeout().toMillis();
        while (paused && !cancelled) {
            if (clock.millis() - since >= stallMs) {
                sink.send(List.of(new StreamItem.Lagged(delivered, "the reader took nothing for " + settings.stallTimeout().toSeconds()
                        + "s; resume from index " + delivered)));
                return false;
            }
            await(java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(Math.max(1, Math.min(stallMs, settings.heartbeat().toMillis()))));
        }
        return !cancelled;
    }
}
