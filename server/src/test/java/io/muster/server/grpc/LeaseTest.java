package io.muster.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.muster.server.MusterServer;
import io.muster.server.testkit.Await;
import io.muster.server.testkit.TestCluster;
import io.muster.server.testkit.TestWorker;
import io.muster.types.config.HostPort;
import io.muster.types.state.NodeStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Heartbeat leases with an injected ticker: expiry marks a node down, a heartbeat brings it back, failover marks none down. */
@Timeout(240)
class LeaseTest {
    private static final Duration T = Duration.ofSeconds(30);

    private static HostPort grpc(MusterServer s) {
        return new HostPort("127.0.0.1", s.config().workerGrpcAddr().port());
    }

    @Test
    void missedHeartbeatMarksDownAndAHeartbeatRevives() throws Exception {
        AtomicLong nanos = new AtomicLong(1_000_000_000L);
        try (TestCluster c = TestCluster.builder(1).build()) {
            c.ticker = nanos::get;
            c.startAll();
            MusterServer s = c.awaitLeader(T);
            s.ready().get(30, TimeUnit.SECONDS);
            Await.until("grpc up", T, () -> s.grpc().port() > 0);
            var tok = s.joinTokens().create(Duration.ofHours(1), 1, Map.of(), "t").get(30, TimeUnit.SECONDS);
            try (TestWorker w = new TestWorker()) {
                w.register(grpc(s), tok.token(), TestWorker.profile("w", Map.of()));
                var stub = w.connect(grpc(s));
                int ttl = w.beat(stub).getNextTtlSecs();
                Await.until("ready", T, () -> s.state().node(w.nodeId).map(n -> n.state() == NodeStatus.READY).orElse(false));
                // Just before TTL + grace: still ready.
                nanos.addAndGet(TimeUnit.SECONDS.toNanos(ttl + 10) - 1_000_000);
                s.heartbeats().cleanUp();
                assertEquals(NodeStatus.READY, s.state().node(w.nodeId).orElseThrow().state());
                // Past it (Caffeine's timer wheel expires within ~1 s after the deadline, never before): marked down through Raft.
                nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(1_500));
                s.heartbeats().cleanUp();
                Await.until("down", T, () -> s.state().node(w.nodeId).map(n -> n.state() == NodeStatus.DOWN).orElse(false));
                // A heartbeat from a down node makes it ready again.
                w.beat(stub);
                Await.until("ready again", T, () -> s.state().node(w.nodeId).map(n -> n.state() == NodeStatus.READY).orElse(false));
            }
        }
    }

    @Test
    void leaderFailoverMarksNoWorkerDown() throws Exception {
        try (TestCluster c = TestCluster.builder(3).build().startAll()) {
            MusterServer leader = c.awaitLeader(T);
            for (MusterServer s : c.running()) s.ready().get(30, TimeUnit.SECONDS);
            Await.until("grpc up", T, () -> c.running().stream().allMatch(s -> s.grpc().port() > 0));
            var tok = leader.joinTokens().create(Duration.ofHours(1), 0, Map.of(), "t").get(30, TimeUnit.SECONDS);
            MusterServer follower = c.running().stream().filter(s -> s != leader).findFirst().orElseThrow();
            List<TestWorker> workers = new ArrayList<>();
            try {
                for (int i = 0; i < 5; i++) {
                    TestWorker w = new TestWorker();
                    workers.add(w);
                    w.register(grpc(follower), tok.token(), TestWorker.profile("w" + i, Map.of()));
                    w.beat(w.connect(grpc(follower)));
                }
                Await.until("all ready", T, () -> workers.stream().allMatch(w -> leader.state().node(w.nodeId).map(n -> n.state() == NodeStatus.READY).orElse(false)));
                c.kill(leader.config().serverId());
                MusterServer next = c.awaitLeader(T);
                // The new leader armed a failover lease for every live worker before any could expire.
                Await.until("leases armed", T, () -> next.heartbeats().leaseCount() == 5);
                next.heartbeats().cleanUp();
                for (TestWorker w : workers) assertEquals(NodeStatus.READY, next.state().node(w.nodeId).orElseThrow().state());
                // Workers carry on heartbeating through the surviving follower.
                MusterServer survivor = c.running().stream().filter(s -> s != next).findFirst().orElse(next);
                for (TestWorker w : workers) Await.until("beat after failover", T, () -> {
                    try {
                        return w.beat(w.connect(grpc(survivor))).getNextTtlSecs() > 0;
                    } catch (Exception e) {
                        return false;
                    }
                });
                assertTrue(workers.stream().allMatch(w -> next.state().node(w.nodeId).orElseThrow().state() == NodeStatus.READY));
            } finally {
                workers.forEach(TestWorker::close);
            }
        }
    }
}
