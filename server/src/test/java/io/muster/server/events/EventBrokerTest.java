package io.muster.server.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.muster.server.state.ClusterState;
import io.muster.server.testkit.Await;
import io.muster.server.testkit.ManualClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The broker and its journal without a server: events appended by hand, subscribers with recording sinks. */
@Timeout(60)
class EventBrokerTest {
    private static final Duration T = Duration.ofSeconds(10);
    private final ManualClock clock = new ManualClock(1_767_225_600_000L);
    private EventBroker broker;

    /** Records items; {@code full} makes it answer "no more" (a transport whose buffer is full). */
    static final class Sink implements EventSink {
        final List<StreamItem> items = new CopyOnWriteArrayList<>();
        final AtomicBoolean full = new AtomicBoolean();
        volatile boolean ended;

        @Override
        public boolean send(List<StreamItem> batch) {
            items.addAll(batch);
            return !full.get();
        }

        @Override
        public void end() {
            ended = true;
        }

        List<StateEvent> events() {
            List<StateEvent> out = new ArrayList<>();
            for (StreamItem i : items) if (i instanceof StreamItem.Event e) out.add(e.event());
            return out;
        }

        List<Long> indexes() {
            return events().stream().map(StateEvent::index).toList();
        }
    }

    private EventBroker broker(int buffer, int maxSubscribers) {
        broker = new EventBroker(new ClusterState(), new EventBroker.Settings(buffer, maxSubscribers, Duration.ofHours(1), Duration.ofSeconds(60), 4), clock);
        return broker;
    }

    @AfterEach
    void close() {
        if (broker != null) broker.close();
    }

    private static StateEvent job(long index, String id) {
        return new StateEvent(index, Topic.JOB, "JobRegistered", id, id, 0, new EventPayload.Job(1, "batch", false));
    }

    private static StateEvent alloc(long index, String job, long node) {
        return new StateEvent(index, Topic.ALLOCATION, "AllocationUpdated", job + ".a" + index, job, node, EventPayload.NONE);
    }

    private static StateEvent node(long index, long node) {
        return new StateEvent(index, Topic.NODE, "NodeDown", Long.toString(node), null, node, EventPayload.NONE);
    }

    /** Appends index {@code i} with its events and wakes subscribers, as the recorder does after each entry. */
    private void append(long i, StateEvent... events) {
        broker.journal().append(i, List.of(events));
        broker.wakeAll();
    }

    @Test
    void replaysFromAnIndexThenDeliversLive() {
        broker(1000, 10);
        for (long i = 1; i <= 20; i++) append(i, job(i, "j" + i));
        Sink s = new Sink();
        broker.subscribe(OptionalLong.of(12), EventFilter.ALL, s);
        Await.until("replayed 13..20", T, () -> s.events().size() == 8);
        assertEquals(List.of(13L, 14L, 15L, 16L, 17L, 18L, 19L, 20L), s.indexes(), "only events after the index, in order");
        for (long i = 21; i <= 30; i++) append(i, job(i, "j" + i), alloc(i, "j" + i, 1));
        Await.until("live 21..30", T, () -> s.events().size() == 28);
        List<Long> idx = s.indexes();
        for (int k = 1; k < idx.size(); k++) assertTrue(idx.get(k) >= idx.get(k - 1), "in index order: " + idx);
        assertEquals(30L, idx.getLast());
        assertTrue(s.items.stream().noneMatch(i -> i instanceof StreamItem.Gap), "nothing missing: no gap");
    }

    @Test
    void withoutAnIndexStartsAtTheHeadWithAHeartbeatNamingIt() {
        broker(100, 10);
        append(1, job(1, "old"));
        append(2);
        Sink s = new Sink();
        broker.subscribe(OptionalLong.empty(), EventFilter.ALL, s);
        Await.until("first item", T, () -> !s.items.isEmpty());
        assertEquals(new StreamItem.Heartbeat(2), s.items.getFirst());
        append(3, job(3, "new"));
        Await.until("live event", T, () -> s.events().size() == 1);
        assertEquals("new", s.events().getFirst().key());
    }

    @Test
    void anIndexOlderThanTheBufferGetsAnExplicitGapFirst() {
        broker(10, 10); // keeps 10 events: 1..25 leaves 16..25
        for (long i = 1; i <= 25; i++) append(i, job(i, "j" + i));
        assertEquals(15, broker.journal().floor());
        Sink s = new Sink();
        broker.subscribe(OptionalLong.of(3), EventFilter.ALL, s);
        Await.until("replay after the gap", T, () -> s.events().size() == 10);
        assertEquals(new StreamItem.Gap(15, 16, 3, "evicted"), s.items.getFirst(), "the gap comes first and says what is missing");
        assertEquals(16L, s.indexes().getFirst());
        // Exactly at the floor: complete, no gap.
        Sink t = new Sink();
        broker.subscribe(OptionalLong.of(15), EventFilter.ALL, t);
        Await.until("replay", T, () -> t.events().size() == 10);
        assertInstanceOf(StreamItem.Event.class, t.items.getFirst());
    }

    @Test
    void aSnapshotRestoreIsAGapForEarlierIndexesAndForOpenStreams() {
        broker(100, 10);
        append(1, job(1, "a"));
        Sink open = new Sink();
        broker.subscribe(OptionalLong.of(0), EventFilter.ALL, open);
        Await.until("a", T, () -> open.events().size() == 1);
        broker.journal().reset(50); // the state now comes from a snapshot at index 50 (restart, or installed by the leader)
        broker.wakeAll();
        append(51, job(51, "b"));
        Await.until("b after the gap", T, () -> open.events().size() == 2);
        assertTrue(open.items.contains(new StreamItem.Gap(50, 51, 1, "snapshot")), open.items.toString());
        Sink late = new Sink();
        broker.subscribe(OptionalLong.of(1), EventFilter.ALL, late);
        Await.until("b", T, () -> late.events().size() == 1);
        assertEquals(new StreamItem.Gap(50, 51, 1, "snapshot"), late.items.getFirst());
    }

    @Test
    void filtersByTopicJobAndNode() {
        broker(100, 10);
        Sink jobs = new Sink();
        Sink web = new Sink();
        Sink node7 = new Sink();
        broker.subscribe(OptionalLong.of(0), new EventFilter(EnumSet.of(Topic.JOB), null, 0), jobs);
        broker.subscribe(OptionalLong.of(0), new EventFilter(EnumSet.allOf(Topic.class), "web", 0), web);
        broker.subscribe(OptionalLong.of(0), new EventFilter(EnumSet.of(Topic.NODE, Topic.ALLOCATION), null, 7), node7);
        append(1, job(1, "web"), job(1, "db"));
        append(2, alloc(2, "web", 7), alloc(2, "db", 8));
        append(3, node(3, 7), node(3, 8));
        append(4, job(4, "last"));
        Await.until("all delivered", T, () -> jobs.events().size() == 3 && web.events().size() == 2 && node7.events().size() == 2);
        assertEquals(List.of("web", "db", "last"), jobs.events().stream().map(StateEvent::key).toList());
        assertEquals(List.of(Topic.JOB, Topic.ALLOCATION), web.events().stream().map(StateEvent::topic).toList());
        assertTrue(web.events().stream().allMatch(e -> "web".equals(e.jobId())));
        assertEquals(List.of("web.a2", "7"), node7.events().stream().map(StateEvent::key).toList());
    }

    @Test
    void aReaderThatStopsReadingIsEndedWithLaggedNotBuffered() {
        broker(16, 10);
        Sink slow = new Sink();
        slow.full.set(true); // its transport buffer is full after the first hand-over
        broker.subscribe(OptionalLong.of(0), EventFilter.ALL, slow);
        append(1, job(1, "a"));
        Await.until("first batch", T, () -> slow.events().size() == 1);
        for (long i = 2; i <= 1000; i++) append(i, job(i, "j" + i));
        // Nothing more is handed over while it is full: the broker holds no queue for it, only its cursor.
        assertEquals(1, slow.events().size());
        clock.advance(Duration.ofSeconds(61));
        broker.poke();
        Await.until("ended", T, () -> slow.ended);
        StreamItem last = slow.items.getLast();
        assertEquals(new StreamItem.Lagged(1, "the reader took nothing for 60s; resume from index 1"), last);
        Await.until("subscription released", T, () -> broker.subscribers() == 0);
    }

    @Test
    void aReaderOverwrittenWhileWaitingIsToldWhereToResume() {
        broker(16, 10);
        Sink slow = new Sink();
        slow.full.set(true);
        Subscription sub = broker.subscribe(OptionalLong.of(0), EventFilter.ALL, slow);
        append(1, job(1, "a"));
        Await.until("first batch", T, () -> slow.events().size() == 1);
        for (long i = 2; i <= 100; i++) append(i, job(i, "j" + i)); // far more than the 16 kept
        slow.full.set(false);
        sub.resume();
        Await.until("ended", T, () -> slow.ended);
        assertEquals(new StreamItem.Lagged(1, "the reader fell more than 16 events behind; resume from index 1"), slow.items.getLast());
    }

    @Test
    void resumingFromTheLastIndexMissesNothing() {
        broker(1000, 10);
        Sink first = new Sink();
        Subscription a = broker.subscribe(OptionalLong.of(0), EventFilter.ALL, first);
        for (long i = 1; i <= 40; i++) append(i, job(i, "j" + i), alloc(i, "j" + i, i % 3));
        Await.until("40 indexes", T, () -> first.events().size() == 80);
        a.cancel();
        long resume = first.events().get(37).index(); // stopped part-way: resume after the last index seen whole
        Sink second = new Sink();
        broker.subscribe(OptionalLong.of(resume - 1), EventFilter.ALL, second);
        for (long i = 41; i <= 50; i++) append(i, job(i, "j" + i));
        Await.until("rest", T, () -> second.events().size() == (80 - 36) + 10);
        List<StateEvent> joined = new ArrayList<>(first.events().subList(0, 36));
        joined.addAll(second.events());
        List<Long> idx = joined.stream().map(StateEvent::index).toList();
        for (int k = 1; k < idx.size(); k++) assertTrue(idx.get(k) >= idx.get(k - 1));
        assertEquals(90, joined.size(), "every event once");
    }

    @Test
    void heartbeatsCarryTheIndexReachedEvenWhenFilteredOut() {
        broker = new EventBroker(new ClusterState(), new EventBroker.Settings(100, 10, Duration.ofMillis(1), Duration.ofSeconds(60), 4),
                java.time.Clock.systemUTC());
        Sink s = new Sink();
        broker.subscribe(OptionalLong.of(0), new EventFilter(EnumSet.of(Topic.NODE), null, 0), s);
        append(1, job(1, "a"));
        append(2, job(2, "b"));
        Await.until("heartbeat at 2", T, () -> s.items.contains(new StreamItem.Heartbeat(2)));
        assertEquals(List.of(), s.events());
    }

    @Test
    void theSubscriberLimitIsEnforced() {
        broker(100, 2);
        broker.subscribe(OptionalLong.empty(), EventFilter.ALL, new Sink());
        Subscription b = broker.subscribe(OptionalLong.empty(), EventFilter.ALL, new Sink());
        var e = assertThrows(EventBroker.TooManySubscribers.class, () -> broker.subscribe(OptionalLong.empty(), EventFilter.ALL, new Sink()));
        assertTrue(e.getMessage().contains("2 event streams"), e.getMessage());
        b.cancel();
        Await.until("slot freed", T, () -> broker.subscribers() == 1);
        broker.subscribe(OptionalLong.empty(), EventFilter.ALL, new Sink());
    }
}
