package io.muster.server.events;

import io.muster.server.state.Snapshots;
import io.muster.server.state.StateListener;
import java.time.Clock;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The event stream's service, free of any transport: the REST adapter ({@code EventApi}) and a gRPC one call
 * {@link #subscribe}. Owns this server's {@link EventJournal} and the {@link EventRecorder} that fills it (register
 * {@link #listener()} with the state before Raft starts applying), and bounds the number of subscribers.
 */
public final class EventBroker implements AutoCloseable {
    /**
     * @param bufferEvents   events kept for replay (the journal's ring); see docs/ARCHITECTURE.md for the memory per event
     * @param maxSubscribers concurrent subscriptions on this server; one more is refused ({@link TooManySubscribers})
     * @param heartbeat      a heartbeat item after this long without anything to send (keeps proxies from cutting idle streams)
     * @param stallTimeout   a subscriber whose transport takes nothing for this long is ended with a lagged item
     * @param batchEvents    events read from the journal per hand-over (more when one index has more)
     */
    public record Settings(int bufferEvents, int maxSubscribers, Duration heartbeat, Duration stallTimeout, int batchEvents) {
        public static final Settings DEFAULTS = new Settings(65_536, 256, Duration.ofSeconds(10), Duration.ofSeconds(60), 1024);

        /** From the server file's {@code events:} block. */
        public static Settings of(io.muster.types.config.ServerConfig.Events e) {
            return new Settings(e.buffer(), e.maxSubscribers(), Duration.ofSeconds(e.heartbeatSecs()), Duration.ofSeconds(e.stallTimeoutSecs()),
                    DEFAULTS.batchEvents());
        }

        public Settings {
            if (bufferEvents < 1 || maxSubscribers < 1 || batchEvents < 1) throw new IllegalArgumentException("event settings must be positive");
        }
    }

    /** The subscriber limit is reached. */
    public static final class TooManySubscribers extends RuntimeException {
        public TooManySubscribers(int limit) {
            super("this server already serves " + limit + " event streams (its limit); try again later or another server");
        }
    }

    private final Settings settings;
    private final Clock clock;
    private final EventJournal journal;
    private final EventRecorder recorder;
    private final ConcurrentHashMap<Long, Subscription> subscriptions = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private volatile boolean closed;

    public EventBroker(Snapshots state, Settings settings, Clock clock) {
        this.settings = settings;
        this.clock = clock;
        this.journal = new EventJournal(settings.bufferEvents(), state.appliedIndex());
        this.recorder = new EventRecorder(state, journal, this::wakeAll);
    }

    /** The state listener that records events: add it to the state once, before entries are applied. */
    public StateListener listener() {
        return recorder;
    }

    public EventJournal journal() {
        return journal;
    }

    public Settings settings() {
        return settings;
    }

    /**
     * Starts a subscription: with {@code fromIndex} every matching event after it (first a {@link StreamItem.Gap} if
     * this server no longer keeps them all), without it from now on (first a {@link StreamItem.Heartbeat} naming the
     * current index); then live, with heartbeats when idle. The sink gets items on the subscription's own thread.
     *
     * @throws TooManySubscribers when {@link Settings#maxSubscribers()} streams are open
     */
    public Subscription subscribe(OptionalLong fromIndex, EventFilter filter, EventSink sink) {
        if (closed) throw new IllegalStateException("the server is shutting down");
        long id = ids.incrementAndGet();
        Subscription[] self = new Subscription[1];
        Subscription s = new Subscription(id, fromIndex, filter, sink, journal, settings, clock, () -> subscriptions.remove(id, self[0]));
        self[0] = s;
        synchronized (subscriptions) { // check and add as one, so the limit holds under concurrent subscribes
            if (subscriptions.size() >= settings.maxSubscribers()) throw new TooManySubscribers(settings.maxSubscribers());
            subscriptions.put(id, s);
        }
        s.start();
        return s;
    }

    /** Open subscriptions now. */
    public int subscribers() {
        return subscriptions.size();
    }

    /** Apply thread, after each index: wakes subscribers waiting for events (an unpark each; nothing when there are none). */
    void wakeAll() {
        if (subscriptions.isEmpty()) return;
        for (Subscription s : subscriptions.values()) s.wake();
    }

    /** Wakes every subscription to look at the clock (stall and heartbeat checks), for tests with a manual clock. */
    public void poke() {
        wakeAll();
    }

    @Override
    public void close() {
        closed = true;
        subscriptions.values().forEach(Subscription::cancel);
    }
}
