package io.muster.server.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.muster.server.MusterServer;
import io.muster.server.testkit.Await;
import io.muster.server.testkit.TestCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Real Ratis servers on loopback: election, replication, failover, quorum loss, restart from disk. */
@Timeout(180)
class RaftClusterTest {
    private static final Duration T = Duration.ofSeconds(30);

    @Test
    void threeServersElectReplicateAndSurviveLeaderLoss() throws Exception {
        try (TestCluster c = TestCluster.builder(3).build().startAll()) {
            MusterServer leader = c.awaitLeader(T);
            List<String> acknowledged = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                assertTrue(c.put(leader, "k" + i, "v" + i).getOk());
                acknowledged.add("k" + i);
            }
            // Writes replicate to every server.
            for (MusterServer s : c.running()) Await.until("server " + s.config().serverId() + " has all keys", T, () -> s.state().kvSize() == 20);

            int oldLeader = leader.config().serverId();
            c.kill(oldLeader);
            MusterServer newLeader = c.awaitLeader(T);
            assertNotEquals(oldLeader, newLeader.config().serverId());
            // A write through a follower is forwarded to the new leader.
            MusterServer follower = c.running().stream().filter(s -> s != newLeader).findFirst().orElseThrow();
            assertTrue(c.put(follower, "after-failover", "x").getOk());
            acknowledged.add("after-failover");

            // The old leader rejoins as a follower and catches up.
            MusterServer back = c.start(oldLeader);
            Await.until("old leader caught up", T, () -> back.state().kvSize() == 21);
            assertFalse(back.raft().status().isLeader() && back.raft().status().term() <= newLeader.raft().status().term() && newLeader.raft().status().isLeader());
            for (MusterServer s : c.running()) for (String k : acknowledged) assertTrue(s.state().kv(k).isPresent(), k + " on " + s.config().serverId());
        }
    }

    @Test
    void fiveServersToleratesTwoLossesAndRefusesWritesWithoutQuorum() throws Exception {
        try (TestCluster c = TestCluster.builder(5).build().startAll()) {
            MusterServer leader = c.awaitLeader(T);
            assertTrue(c.put(leader, "a", "1").getOk());
            // Lose two followers: still serving.
            List<Integer> followers = c.running().stream().map(s -> s.config().serverId()).filter(id -> id != leader.config().serverId()).toList();
            c.kill(followers.get(0));
            c.kill(followers.get(1));
            assertTrue(c.put(leader, "b", "2").getOk());
            // Lose a third: 2 of 5 cannot commit; the error says why.
            c.kill(followers.get(2));
            ExecutionException e = assertThrows(ExecutionException.class, () -> c.put(leader, "c", "3"));
            assertTrue(e.getCause() instanceof RaftUnavailableException, e.toString());
            assertTrue(e.getCause().getMessage().contains("quorum of 3 of 5"), e.getCause().getMessage());
            // They come back: the cluster recovers and serves writes again.
            c.start(followers.get(0));
            c.start(followers.get(1));
            c.start(followers.get(2));
            c.awaitLeader(T);
            // Through the same server whose write failed: its Raft client must have recovered too.
            Await.until("writes succeed again", T, () -> {
                try {
                    return c.put(leader, "d", "4").getOk();
                } catch (Exception ex) {
                    return false;
                }
            });
            for (MusterServer s : c.running()) Await.until("b replicated to " + s.config().serverId(), T, () -> s.state().kv("d").isPresent() && s.state().kv("b").isPresent());
            // A write whose client gave up is of unknown outcome, as in any Raft system: the old leader may still commit it when
            // its followers return (or a new leader may drop it). What must hold is that every server agrees.
            java.util.Set<Boolean> seen = new java.util.HashSet<>();
            for (MusterServer s : c.running()) seen.add(s.state().kv("c").isPresent());
            assertEquals(1, seen.size(), "the servers disagree about the unacknowledged write");
        }
    }
}
