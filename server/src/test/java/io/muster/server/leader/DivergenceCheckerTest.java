package io.muster.server.leader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.muster.server.state.ClusterState;
import io.muster.server.digest.DigestRecorder;
import io.muster.server.state.StateDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The leader's comparison, with digests made up by the test: who is named, when an alarm clears. */
class DivergenceCheckerTest {
    static final StateDigest A = d(1), B = d(2), C = d(3);

    static StateDigest d(int b) {
        byte[] x = new byte[32];
        x[0] = (byte) b;
        return StateDigest.ofBytes(x);
    }

    static SortedMap<Long, StateDigest> at(Object... indexAndDigest) {
        SortedMap<Long, StateDigest> m = new TreeMap<>();
        for (int i = 0; i < indexAndDigest.length; i += 2) m.put(((Number) indexAndDigest[i]).longValue(), (StateDigest) indexAndDigest[i + 1]);
        return m;
    }

    final Map<Integer, SortedMap<Long, StateDigest>> answers = new HashMap<>();
    final DivergenceChecker checker = new DivergenceChecker(1, new DigestRecorder(new ClusterState(), 10, Runnable::run),
            new DivergenceChecker.Peers() {
                public Collection<Integer> others() {
                    return List.of(2, 3);
                }

                public CompletableFuture<SortedMap<Long, StateDigest>> digests(int id) {
                    SortedMap<Long, StateDigest> a = answers.get(id);
                    return a == null ? CompletableFuture.failedFuture(new RuntimeException("unreachable")) : CompletableFuture.completedFuture(a);
                }
            }, Duration.ofSeconds(1), Clock.fixed(Instant.parse("2030-01-01T00:00:00Z"), ZoneOffset.UTC));

    void compare(SortedMap<Long, StateDigest> mine) {
        checker.compare(mine, answers, List.of(2, 3));
    }

    @Test
    void equalDigestsRaiseNothing() {
        answers.put(2, at(10, A, 20, B));
        answers.put(3, at(20, B, 30, C)); // 30 is not applied on the leader yet, 10 no longer kept by 3
        compare(at(10, A, 20, B));
        assertEquals(List.of(), checker.alarms());
        assertEquals(3, checker.comparisons(), "2 at 10 and 20, 3 at 20");
        assertEquals(0, checker.mismatches());
        // Indexes compared before are not compared again.
        compare(at(10, A, 20, B));
        assertEquals(3, checker.comparisons());
    }

    @Test
    void aFollowerOutsideTheMajorityIsTheSuspect() throws Exception {
        answers.put(2, at(10, A, 20, C));
        answers.put(3, at(10, A, 20, B));
        compare(at(10, A, 20, B));
        DivergenceChecker.Alarm a = checker.alarms().getFirst();
        assertEquals(1, checker.alarms().size());
        assertEquals(20, a.index());
        assertEquals(List.of(1, 2), a.view().servers());
        assertEquals(2, a.suspect());
        assertEquals(10, a.lastMatchingIndex());
        assertEquals(B, a.referenceDigest());
        assertEquals(C, a.otherDigest());
        io.muster.client.ClusterStatus.Alarm view = a.view();
        assertEquals("state_divergence", view.type());
        assertEquals(Map.of("1", B.hex(), "2", C.hex()), view.digests());
        assertEquals(2, view.suspect());
        assertEquals(Long.valueOf(10), view.lastMatchingIndex());
        // The cluster status object, as the server writes it: server ids and the suspect stay JSON numbers.
        com.fasterxml.jackson.databind.JsonNode json = io.muster.server.api.Http.JSON.valueToTree(view);
        List<String> names = new java.util.ArrayList<>();
        json.fieldNames().forEachRemaining(names::add);
        assertEquals(List.of("type", "index", "servers", "digests", "suspect", "last_index", "last_matching_index", "detected_at", "message"), names);
        assertEquals("[1,2]", json.get("servers").toString());
        assertTrue(json.get("suspect").isIntegralNumber());
        assertEquals(json.toString(), io.muster.server.api.Http.JSON.writeValueAsString(
                io.muster.server.api.Http.JSON.treeToValue(json, io.muster.client.ClusterStatus.Alarm.class)));
        assertEquals(1, checker.mismatches());
        // Later mismatches keep the first index and move last_index on.
        answers.put(2, at(30, A));
        answers.put(3, at(30, C));
        compare(at(30, C));
        a = checker.alarms().getFirst();
        assertEquals(20, a.index());
        assertEquals(30, a.lastIndex());
        assertEquals(2, checker.mismatches());
    }

    @Test
    void aLeaderOutsideTheMajorityNamesItself() {
        answers.put(2, at(10, B));
        answers.put(3, at(10, B));
        compare(at(10, A));
        assertEquals(2, checker.alarms().size());
        for (DivergenceChecker.Alarm a : checker.alarms()) assertEquals(1, a.suspect(), a.toString());
    }

    @Test
    void withoutAMajorityNoSuspectIsNamed() {
        answers.put(2, at(10, B));
        answers.put(3, at(10, C));
        compare(at(10, A));
        assertEquals(2, checker.alarms().size());
        for (DivergenceChecker.Alarm a : checker.alarms()) assertNull(a.suspect());
        // Only one follower answered: 2 of 3 is a majority only if they agree.
        answers.clear();
        DivergenceChecker fresh = new DivergenceChecker(1, new DigestRecorder(new ClusterState(), 10, Runnable::run), null,
                Duration.ofSeconds(1), Clock.systemUTC());
        fresh.compare(at(10, A), Map.of(2, at(10, B)), List.of(2, 3));
        assertNull(fresh.alarms().getFirst().suspect());
    }

    @Test
    void aLaterMatchClearsTheAlarmButNotTheCounter() {
        answers.put(2, at(10, B));
        answers.put(3, at(10, A));
        compare(at(10, A));
        assertEquals(1, checker.alarms().size());
        answers.put(2, at(20, C));
        answers.put(3, at(20, C));
        compare(at(10, A, 20, C));
        assertEquals(List.of(), checker.alarms());
        assertEquals(1, checker.mismatches());
    }

    @Test
    void aRemovedServerTakesItsAlarmWithIt() {
        answers.put(2, at(10, B));
        compare(at(10, A));
        assertEquals(1, checker.alarms().size());
        checker.compare(at(10, A), Map.of(), List.of(3));
        assertEquals(List.of(), checker.alarms());
    }

    @Test
    void aRoundAsksEveryMemberAndSkipsTheUnreachable() throws Exception {
        ClusterState s = new ClusterState();
        DigestRecorder local = new DigestRecorder(s, 1, Runnable::run);
        s.addListener(local);
        new io.muster.server.state.CommandApplier(s).skip(1, 1);
        StateDigest mine = local.recent().get(1L);
        answers.put(2, at(1, mine));
        // 3 is unreachable
        DivergenceChecker c = new DivergenceChecker(1, local, new DivergenceChecker.Peers() {
            public Collection<Integer> others() {
                return List.of(2, 3);
            }

            public CompletableFuture<SortedMap<Long, StateDigest>> digests(int id) {
                SortedMap<Long, StateDigest> a = answers.get(id);
                return a == null ? CompletableFuture.failedFuture(new RuntimeException("unreachable")) : CompletableFuture.completedFuture(a);
            }
        }, Duration.ofSeconds(1), Clock.systemUTC());
        c.checkNow().get();
        assertEquals(1, c.comparisons());
        assertEquals(1, c.lastComparedWith(2));
        assertEquals(0, c.lastComparedWith(3));
        DivergenceChecker.StatusFields fields = c.statusFields();
        assertEquals(List.of(), fields.alarms());
        assertEquals(1, fields.check().comparisons());
        assertEquals(Long.valueOf(1), fields.check().lastComparedIndex());
        c.close();
    }
}
