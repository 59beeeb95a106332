package io.muster.server.leader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.muster.server.MusterServer;
import io.muster.server.state.StateListener;
import io.muster.server.state.Tamper;
import io.muster.server.testkit.Await;
import io.muster.server.testkit.TestCluster;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The divergence check on three real servers: a state changed behind Raft's back is named; a healthy cluster never is. */
@Timeout(300)
class DivergenceClusterTest {
    private static final Duration T = Duration.ofSeconds(60);
    private static final long INTERVAL = 20;

    static void configure(MusterServer s) {
        s.digests().interval(INTERVAL);
        s.divergence().period(Duration.ofMillis(200));
    }

    static void awaitReady(TestCluster c) throws Exception {
        for (MusterServer s : c.running()) s.ready().get(60, TimeUnit.SECONDS);
    }

    static List<Integer> followers(TestCluster c, MusterServer leader) {
        return c.running().stream().map(s -> s.config().serverId()).filter(id -> id != leader.config().serverId()).toList();
    }

    static void putMany(TestCluster c, MusterServer via, String prefix, int n) throws Exception {
        for (int i = 0; i < n; i++) assertTrue(c.put(via, prefix + i, "v" + i).getOk());
    }

    /** The leader has compared its digests with every follower's at an index above {@code after}. */
    static void awaitCompared(MusterServer leader, List<Integer> with, long after) {
        for (int id : with)
            Await.until("leader " + leader.config().serverId() + " compared with server " + id + " beyond index " + after, T,
                    () -> leader.divergence().lastComparedWith(id) > after);
    }

    static JsonNode status(TestCluster c, int id) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(c.apiUrl(id) + "/v1/cluster/status"))
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return new ObjectMapper().readTree(r.body());
    }

    @Test
    void aFollowerChangedBehindRaftsBackIsNamedWithTheIndex() throws Exception {
        try (TestCluster c = TestCluster.builder(3).build()) {
            c.beforeStart = DivergenceClusterTest::configure;
            c.startAll();
            awaitReady(c);
            MusterServer leader = c.awaitLeader(T);
            int leaderId = leader.config().serverId();
            putMany(c, leader, "before-", 30);
            List<Integer> followers = followers(c, leader);
            awaitCompared(leader, followers, 0);
            assertEquals(List.of(), leader.divergence().alarms(), "a healthy cluster raises nothing");

            int victim = followers.getFirst();
            MusterServer f = c.server(victim);
            long last = leader.state().appliedIndex();
            Await.until("the follower applied everything", T, () -> f.state().appliedIndex() >= last);
            long tamperedAt = f.state().appliedIndex();
            Tamper.kvBehindRaft(f.state(), "written-outside-raft", "oops");
            putMany(c, leader, "after-", 2 * (int) INTERVAL);

            DivergenceChecker.Alarm a = Await.value("a divergence alarm on the leader", T,
                    () -> leader.divergence().alarms().stream().findFirst().orElse(null));
            long expected = (tamperedAt / INTERVAL + 1) * INTERVAL; // the first agreed index after the write
            assertTrue(a.index() == expected || a.index() == tamperedAt && tamperedAt % INTERVAL == 0,
                    "alarm at index " + a.index() + ", tampered after applying " + tamperedAt);
            assertEquals(leaderId, a.reference());
            assertEquals(victim, a.other());
            assertEquals(victim, a.suspect(), "the other follower agrees with the leader: the victim is outside the majority");
            assertTrue(a.lastMatchingIndex() < a.index());
            assertEquals(leader.digests().recent().get(a.index()), a.referenceDigest());
            assertTrue(leader.divergence().mismatches() >= 1);
            // The third server is not in any alarm.
            awaitCompared(leader, followers, a.index());
            assertEquals(1, leader.divergence().alarms().size(), leader.divergence().alarms().toString());

            JsonNode st = status(c, leaderId);
            JsonNode alarm = st.get("alarms").get(0);
            assertEquals("state_divergence", alarm.get("type").asText());
            assertEquals(a.index(), alarm.get("index").asLong());
            assertEquals(List.of(leaderId, victim), List.of(alarm.get("servers").get(0).asInt(), alarm.get("servers").get(1).asInt()));
            assertEquals(a.otherDigest().hex(), alarm.get("digests").get(Integer.toString(victim)).asText());
            assertEquals(victim, alarm.get("suspect").asInt());
            assertTrue(st.get("divergence_check").get("mismatches").asLong() >= 1);
            // A follower's API answers with the leader's status, alarms included.
            assertEquals(1, status(c, followers.get(1)).get("alarms").size());
        }
    }

    @Test
    void aHealthyClusterRaisesNothingAcrossALeaderChangeAndASnapshotInstall() throws Exception {
        Map<Integer, Set<Long>> applied = new ConcurrentHashMap<>();
        try (TestCluster c = TestCluster.builder(3).snapshotThreshold(64).build()) {
            c.beforeStart = s -> {
                configure(s);
                Set<Long> mine = ConcurrentHashMap.newKeySet();
                applied.put(s.config().serverId(), mine);
                s.state().addListener(new StateListener() {
                    @Override
                    public void applied(long index) {
                        mine.add(index);
                    }
                });
            };
            c.startAll();
            awaitReady(c);
            MusterServer leader = c.awaitLeader(T);
            putMany(c, leader, "a-", 60);
            awaitCompared(leader, followers(c, leader), 0);

            // Leadership moves: the new leader compares too, and finds the same agreement.
            int next = followers(c, leader).getFirst();
            assertEquals(next, leader.raft().admin().transferLeadership(Optional.of(next), 10_000));
            MusterServer second = c.awaitLeader(T);
            assertEquals(next, second.config().serverId());
            long before = second.state().appliedIndex();
            putMany(c, second, "b-", 60);
            awaitCompared(second, followers(c, second), before);

            // A follower misses a purged log and catches up by snapshot install.
            int lagging = followers(c, second).getFirst();
            long lastBeforeKill = c.server(lagging).state().appliedIndex();
            c.kill(lagging);
            putMany(c, second, "c-", 600);
            Await.until("log purged on the leader", T, () -> second.raft().log().startIndex() > lastBeforeKill + 1);
            MusterServer back = c.start(lagging);
            long target = second.state().appliedIndex();
            Await.until("the returning follower caught up", T, () -> back.state().appliedIndex() >= target);
            assertTrue(back.raft().log().startIndex() > lastBeforeKill + 1, "it installed a snapshot instead of replaying the log");
            long installed = back.raft().log().startIndex();
            putMany(c, second, "d-", 3 * (int) INTERVAL);
            awaitCompared(second, List.of(lagging), installed);

            // Digests only for indexes the server applied: none for those the install skipped.
            Set<Long> skipped = new java.util.TreeSet<>();
            for (long i = lastBeforeKill + 1; i < installed; i++) if (!applied.get(lagging).contains(i)) skipped.add(i);
            assertTrue(!skipped.isEmpty(), "the install skipped indexes");
            for (long i : back.digests().recent().keySet()) assertTrue(applied.get(lagging).contains(i), "digest at " + i + " was not applied here");

            for (MusterServer s : c.running()) {
                assertEquals(List.of(), s.divergence().alarms(), "server " + s.config().serverId());
                assertEquals(0, s.divergence().mismatches(), "server " + s.config().serverId());
            }
            assertEquals(0, status(c, second.config().serverId()).get("alarms").size());
            assertTrue(second.divergence().comparisons() > 0);
        }
    }
}
