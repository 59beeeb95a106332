package io.muster.server.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.muster.proto.raft.Command;
import io.muster.proto.raft.KvPut;
import io.muster.server.MusterServer;
import io.muster.server.testkit.Await;
import io.muster.server.testkit.TestCluster;
import io.muster.types.config.Peer;
import java.io.File;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcFactory;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Snapshots and log purge, restart from disk, leadership transfer, membership change, and a partitioned leader. */
@Timeout(300)
class RaftOperationsTest {
    private static final Duration T = Duration.ofSeconds(40);

    @Test
    void snapshotPurgeAndInstallOnAFollowerThatMissedThePurgedLog() throws Exception {
        try (TestCluster c = TestCluster.builder(3).snapshotThreshold(64).build().startAll()) {
            MusterServer leader = c.awaitLeader(T);
            // The cluster identity is committed (by server 1, where `muster server init` ran) before a server goes away.
            for (MusterServer s : c.running()) s.ready().get(60, java.util.concurrent.TimeUnit.SECONDS);
            int down = c.running().stream().map(s -> s.config().serverId()).filter(id -> id != leader.config().serverId()).findFirst().orElseThrow();
            long hadBeforeKill = c.server(down).raft().status().lastLogIndex();
            c.kill(down);
            for (int i = 0; i < 1500; i++) assertTrue(c.put(leader, "key-" + i, "value-" + i).getOk());
            // Snapshots were taken automatically and the log behind them purged.
            Await.until("log purged on the leader", T, () -> leader.raft().log().startIndex() > 1);
            File[] snaps = leader.raft().storageDir().listFiles();
            assertTrue(snaps != null && snaps.length > 0);
            // The follower that was down while the log was purged catches up by snapshot install.
            MusterServer back = c.start(down);
            Await.until("follower caught up", T, () -> back.state().kvSize() == 1500);
            // It had only up to `hadBeforeKill` and the leader no longer has what follows: its state came from an installed
            // snapshot (the state's event floor is the index of the last snapshot it was restored from).
            assertTrue(back.state().eventFloor() > hadBeforeKill + 64,
                    "the returning follower was restored from the leader's snapshot (floor " + back.state().eventFloor() + ", had " + hadBeforeKill + ")");
            // Everyone restarts from disk and keeps the state.
            for (int id = 1; id <= 3; id++) c.kill(id);
            for (int id = 1; id <= 3; id++) c.start(id);
            MusterServer again = c.awaitLeader(T);
            for (MusterServer s : c.running()) Await.until("state restored on " + s.config().serverId(), T, () -> s.state().kvSize() == 1500);
            assertTrue(c.put(again, "after-restart", "ok").getOk());
        }
    }

    @Test
    void transferLeadershipToANamedServerAndAutomatically() throws Exception {
        try (TestCluster c = TestCluster.builder(3).build().startAll()) {
            MusterServer leader = c.awaitLeader(T);
            assertTrue(c.put(leader, "x", "1").getOk());
            int target = leader.config().serverId() % 3 + 1;
            assertEquals(target, leader.raft().admin().transferLeadership(Optional.of(target), 10_000));
            MusterServer named = c.awaitLeader(T);
            assertEquals(target, named.config().serverId());
            int auto = named.raft().admin().transferLeadership(Optional.empty(), 10_000);
            assertNotEquals(target, auto);
            MusterServer third = c.awaitLeader(T);
            assertEquals(auto, third.config().serverId());
            assertTrue(c.put(third, "y", "2").getOk());
            assertThrows(IllegalArgumentException.class, () -> third.raft().admin().transferLeadership(Optional.of(42), 1000));
        }
    }

    @Test
    void addAndRemoveServersAtRuntime() throws Exception {
        try (TestCluster c = TestCluster.builder(3).build().startAll()) {
            MusterServer leader = c.awaitLeader(T);
            for (int i = 0; i < 10; i++) assertTrue(c.put(leader, "k" + i, "v").getOk());
            Peer fourth = TestCluster.newPeer(4);
            MusterServer joining = c.startJoining(fourth);
            leader.raft().admin().addServer(fourth);
            Await.until("4 members", T, () -> leader.raft().currentPeers().size() == 4);
            Await.until("new server caught up", T, () -> joining.state().kvSize() == 10);
            assertThrows(IllegalArgumentException.class, () -> leader.raft().admin().addServer(fourth));
            int removed = leader.config().serverId() == 1 ? 2 : 1;
            leader.raft().admin().removeServer(removed);
            Await.until("3 members", T, () -> leader.raft().currentPeers().size() == 3);
            c.kill(removed);
            MusterServer l2 = c.awaitLeader(T);
            assertTrue(c.put(l2, "after-membership", "ok").getOk());
            Await.until("replicated to the new member", T, () -> joining.state().kv("after-membership").isPresent());
        }
    }

    @Test
    void partitionedLeaderCannotCommitAndHealingLeavesOneHistory() throws Exception {
        try (TestCluster c = TestCluster.builder(3).build().startAll()) {
            MusterServer old = c.awaitLeader(T);
            assertTrue(c.put(old, "before", "1").getOk());
            int oldId = old.config().serverId();
            c.partitions.isolate(oldId);
            // The majority elects a new leader and commits.
            MusterServer fresh = Await.value("a new leader in the majority", T, () -> c.running().stream()
                    .filter(s -> s.config().serverId() != oldId)
                    .filter(s -> s.raft().status().isLeader() && s.raft().status().isLeaderReady()).findFirst().orElse(null));
            assertTrue(c.put(fresh, "majority", "2").getOk());
            // The isolated server cannot commit a write sent straight to it.
            long oldCommit = old.raft().status().commitIndex();
            RaftPeer only = old.raft().currentPeers().stream().filter(p -> p.getId().toString().equals(Integer.toString(oldId))).findFirst().orElseThrow();
            RaftProperties p = RaftSettings.properties(old.config(), old.config().dataDir().resolve("raft"));
            try (RaftClient direct = RaftClient.newBuilder().setProperties(p).setRaftGroup(RaftGroup.valueOf(RaftNode.GROUP_ID, only))
                    .setClientRpc(new GrpcFactory(new org.apache.ratis.conf.Parameters()).newRaftClientRpc(ClientId.randomId(), p))
                    .setRetryPolicy(RetryPolicies.noRetry()).build()) {
                byte[] cmd = Command.newBuilder().setProposedUnixMs(1).setKvPut(KvPut.newBuilder().setKey("isolated")
                        .setValue(com.google.protobuf.ByteString.copyFromUtf8("x"))).build().toByteArray();
                boolean committed;
                try {
                    committed = direct.async().send(Message.valueOf(UnsafeByteOperations.unsafeWrap(cmd))).get(5, TimeUnit.SECONDS).isSuccess();
                } catch (Exception e) {
                    committed = false;
                }
                assertTrue(!committed, "an isolated server must not commit");
            }
            assertEquals(oldCommit, old.raft().status().commitIndex() < oldCommit ? old.raft().status().commitIndex() : oldCommit);
            assertTrue(old.state().kv("majority").isEmpty(), "the isolated server cannot see the majority's write yet");
            // Heal: one history everywhere.
            c.partitions.heal();
            for (MusterServer s : c.running()) Await.until("server " + s.config().serverId() + " converged", T,
                    () -> s.state().kv("majority").isPresent() && s.state().kv("before").isPresent());
            MusterServer leaderNow = c.awaitLeader(T);
            assertTrue(c.put(leaderNow, "after-heal", "3").getOk());
            for (MusterServer s : c.running()) {
                Await.until("after-heal on " + s.config().serverId(), T, () -> s.state().kv("after-heal").isPresent());
                assertTrue(s.state().kv("isolated").isEmpty(), "the uncommitted write must be gone on " + s.config().serverId());
                assertEquals(leaderNow.state().kvSize(), s.state().kvSize());
            }
        }
    }
}
