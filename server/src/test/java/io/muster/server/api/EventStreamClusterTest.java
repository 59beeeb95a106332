package io.muster.server.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.muster.client.MusterApiException;
import io.muster.client.MusterClient;
import io.muster.client.SpecFormat;
import io.muster.server.MusterServer;
import io.muster.server.testkit.Await;
import io.muster.server.testkit.TestCluster;
import io.muster.types.config.ServerConfig;
import java.net.http.HttpClient;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The event stream on a 3-server cluster: a follower serves replay and live events; a consumer whose server dies
 * reconnects to another with its last complete index and sees every event once, in order (compared with a full
 * replay); a restarted server that loaded a snapshot says so with a gap.
 */
@Timeout(300)
class EventStreamClusterTest {
    private static final Duration T = Duration.ofSeconds(60);
    private static final String JOB = "{\"id\": \"%s\", \"type\": \"batch\", \"groups\": [{\"name\": \"g\", \"count\": 1, "
            + "\"tasks\": [{\"name\": \"t\", \"driver\": \"exec\", \"command\": \"true\"}]}]}";
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static TestCluster cluster() throws Exception {
        // Heartbeats every second (they carry the index reached); a snapshot every 64 entries, so a restart loads one.
        return TestCluster.builder(3).snapshotThreshold(64).config(c -> c.withEvents(new ServerConfig.Events(65_536, 16, 1, 60)))
                .build().startAll();
    }

    /** One event line as compared across servers: index, type, key. */
    record Seen(long index, String type, String key) {}

    private static Seen seen(JsonNode n) {
        return new Seen(n.get("index").asLong(), n.get("type").asText(), n.get("key").asText());
    }

    private static boolean isEvent(JsonNode n) {
        return n.has("topic");
    }

    private static void submit(TestCluster c, String id) {
        Instant until = Instant.now().plus(T);
        while (true) {
            MusterServer any = c.running().getFirst();
            try (MusterClient client = MusterClient.builder().address(c.apiUrl(any.config().serverId())).build()) {
                client.submitJob(JOB.formatted(id), SpecFormat.JSON);
                return;
            } catch (MusterApiException e) {
                if (!e.isTransient() || Instant.now().isAfter(until)) throw e;
            }
        }
    }

    /** Reads events from {@code reader} until {@code done} says so; returns the events and the last complete index. */
    private static List<JsonNode> readUntil(EventStreamReader r, java.util.function.Predicate<List<JsonNode>> done) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        Instant until = Instant.now().plus(T);
        while (!done.test(out)) {
            JsonNode n = r.next(Duration.ofSeconds(5));
            if (Instant.now().isAfter(until)) throw new AssertionError("timed out; got " + out.size() + " lines");
            if (n == null) continue;
            if (n == EventStreamReader.END) break;
            out.add(n);
        }
        return out;
    }

    @Test
    void aFollowerReplaysAndStreamsLive() throws Exception {
        try (TestCluster c = cluster()) {
            MusterServer leader = c.awaitLeader(T);
            leader.ready().get(30, TimeUnit.SECONDS);
            int follower = leader.config().serverId() % 3 + 1;
            for (int i = 0; i < 3; i++) submit(c, "before-" + i);
            long mark = leader.state().appliedIndex();
            for (int i = 0; i < 3; i++) submit(c, "after-" + i);
            String base = c.apiUrl(follower) + "/v1/events";
            try (EventStreamReader replay = new EventStreamReader(http, base + "?index=" + mark + "&topic=Job", null)) {
                assertEquals(200, replay.status, replay.errorBody);
                List<JsonNode> got = readUntil(replay, l -> l.stream().filter(EventStreamClusterTest::isEvent).count() >= 3);
                List<String> keys = got.stream().filter(EventStreamClusterTest::isEvent).map(n -> n.get("key").asText()).toList();
                assertEquals(List.of("after-0", "after-1", "after-2"), keys, "only what came after the index, from a follower");
                for (JsonNode n : got) if (isEvent(n)) assertTrue(n.get("index").asLong() > mark);
                submit(c, "live-0"); // live, through the same follower's stream
                List<JsonNode> live = readUntil(replay, l -> l.stream().anyMatch(EventStreamClusterTest::isEvent));
                JsonNode e = live.stream().filter(EventStreamClusterTest::isEvent).findFirst().orElseThrow();
                assertEquals("JobRegistered", e.get("type").asText());
                assertEquals("live-0", e.get("key").asText());
                assertEquals("live-0", e.get("job_id").asText());
                assertEquals(1, e.get("payload").get("version").asInt());
            }
            // A job filter: that job's events only.
            try (EventStreamReader one = new EventStreamReader(http, base + "?index=0&job=after-1", null)) {
                List<JsonNode> got = readUntil(one, l -> l.stream().anyMatch(n -> "heartbeat".equals(n.path("type").asText())));
                List<JsonNode> events = got.stream().filter(EventStreamClusterTest::isEvent).toList();
                assertTrue(!events.isEmpty() && events.stream().allMatch(n -> n.get("job_id").asText().equals("after-1")), got.toString());
            }
            // A bad topic is refused before the stream opens.
            try (EventStreamReader bad = new EventStreamReader(http, base + "?topic=Secret", null)) {
                assertEquals(400, bad.status);
                assertTrue(bad.errorBody.contains("unknown topic 'Secret'"), bad.errorBody);
            }
        }
    }

    @Test
    void aConsumerSurvivesItsServerDyingWithoutLossOrReordering() throws Exception {
        try (TestCluster c = cluster()) {
            MusterServer leader = c.awaitLeader(T);
            leader.ready().get(30, TimeUnit.SECONDS);
            int first = leader.config().serverId();
            int jobs = 40;
            // Writes keep coming throughout, through whichever server is up.
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                for (int i = 0; i < jobs; i++) submit(c, "c-" + i);
            });
            List<Seen> consumed = new ArrayList<>();
            long complete = 0;
            int server = first;
            boolean killed = false;
            Instant until = Instant.now().plus(Duration.ofMinutes(3));
            while (consumed.stream().noneMatch(s -> s.key().equals("c-" + (jobs - 1)))) {
                assertTrue(Instant.now().isBefore(until), "consumer did not see every job: " + consumed.size());
                try (EventStreamReader r = new EventStreamReader(http, c.apiUrl(server) + "/v1/events?topic=Job&index=" + complete, null)) {
                    if (r.status != 200) throw new AssertionError(r.status + " " + r.errorBody);
                    List<Seen> pending = new ArrayList<>(); // events of an index not known complete yet
                    while (true) {
                        JsonNode n = r.next(Duration.ofSeconds(3));
                        if (n == null || n == EventStreamReader.END) break;
                        String type = n.path("type").asText();
                        if (type.equals("gap") || type.equals("lagged")) throw new AssertionError("unexpected " + n);
                        long idx = n.get("index").asLong();
                        // A line with a higher index (or a heartbeat) completes the indexes before it.
                        if (idx > complete && !pending.isEmpty() && pending.getLast().index() < idx || type.equals("heartbeat")) {
                            long upTo = type.equals("heartbeat") ? idx : idx - 1;
                            for (Seen s : List.copyOf(pending)) if (s.index() <= upTo) {
                                consumed.add(s);
                                pending.remove(s);
                            }
                            complete = Math.max(complete, upTo);
                        }
                        if (isEvent(n)) pending.add(seen(n));
                        if (!killed && consumed.size() >= jobs / 3) {
                            killed = true;
                            c.kill(server); // the consumer's server (the leader) dies mid-stream
                            break;
                        }
                        if (consumed.stream().anyMatch(s -> s.key().equals("c-" + (jobs - 1)))) break;
                    }
                }
                if (c.server(server) == null) server = c.running().getFirst().config().serverId(); // reconnect elsewhere
            }
            writer.get(2, TimeUnit.MINUTES);
            // The reference: a full replay from a surviving server.
            List<Seen> reference = new ArrayList<>();
            try (EventStreamReader r = new EventStreamReader(http, c.apiUrl(server) + "/v1/events?topic=Job&index=0", null)) {
                long target = consumed.getLast().index();
                for (JsonNode n : readUntil(r, l -> !l.isEmpty() && l.getLast().get("index").asLong() >= target && !isEvent(l.getLast())))
                    if (isEvent(n) && n.get("index").asLong() <= target) reference.add(seen(n));
            }
            assertTrue(killed);
            assertEquals(reference, consumed, "the consumer saw exactly the replayed sequence across the reconnect");
            for (int i = 0; i < jobs; i++) {
                String key = "c-" + i;
                assertEquals(1, consumed.stream().filter(s -> s.key().equals(key)).count(), key + " seen once");
            }
        }
    }

    @Test
    void aRestartedServerSaysWhatItNoLongerHas() throws Exception {
        try (TestCluster c = cluster()) {
            MusterServer leader = c.awaitLeader(T);
            leader.ready().get(30, TimeUnit.SECONDS);
            int follower = leader.config().serverId() % 3 + 1;
            for (int i = 0; i < 100; i++) c.put(c.awaitLeader(T), "k" + i, "v"); // past the snapshot threshold
            submit(c, "before-restart");
            long applied = c.awaitLeader(T).state().appliedIndex();
            Await.until("follower applied", T, () -> c.server(follower).state().appliedIndex() >= applied);
            MusterServer again = c.restart(follower);
            Await.until("restarted follower caught up", T, () -> again.state().appliedIndex() >= applied);
            long floor = again.events().journal().floor();
            assertTrue(floor > 0, "the restarted server loaded a snapshot");
            try (EventStreamReader r = new EventStreamReader(http, c.apiUrl(follower) + "/v1/events?index=1", null)) {
                assertEquals(200, r.status, r.errorBody);
                JsonNode gap = r.next(T);
                assertNotNull(gap);
                assertEquals("gap", gap.get("type").asText(), gap.toString());
                assertEquals("snapshot", gap.get("reason").asText());
                assertEquals(floor, gap.get("index").asLong());
                assertEquals(floor + 1, gap.get("oldest_index").asLong());
                assertEquals(1, gap.get("requested_index").asLong());
            }
        }
    }
}
