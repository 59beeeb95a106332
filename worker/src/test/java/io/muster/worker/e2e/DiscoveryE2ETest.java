package io.muster.worker.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.muster.server.MusterServer;
import io.muster.server.testkit.Await;
import io.muster.server.testkit.TestCluster;
import io.muster.types.config.HostPort;
import io.muster.types.config.WorkerConfig;
import io.muster.types.discovery.Announcement;
import io.muster.types.discovery.AnnouncementCodec;
import io.muster.types.discovery.DiscoverySettings;
import io.muster.types.state.NodeStatus;
import io.muster.worker.WorkerDaemon;
import io.muster.worker.WorkerException;
import io.muster.worker.WorkerOptions;
import io.muster.worker.discovery.Multicast;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16 section 2 on real servers and real worker daemons, over multicast on this host's default interface (each
 * test on a private group and port): a worker with only a join token finds its cluster; an announcer that claims the
 * cluster's id but leads to another cluster's server is refused by the token's CA pin, by address; two clusters
 * announcing on one group stay apart.
 */
@Timeout(240)
class DiscoveryE2ETest {
    private static final Duration T = Duration.ofSeconds(60);
    private final List<WorkerDaemon> workers = new ArrayList<>();
    private final List<TestCluster> clusters = new ArrayList<>();
    private final ScheduledExecutorService rogue = Executors.newSingleThreadScheduledExecutor();

    @TempDir
    Path tmp;

    @BeforeAll
    static void needsMulticast() {
        assumeTrue(Multicast.loopsBack(), "skipped: this host does not deliver multicast back to its own sockets");
    }

    @AfterEach
    void tearDown() throws Exception {
        rogue.shutdownNow();
        for (WorkerDaemon w : workers) {
            try {
                w.close();
            } catch (RuntimeException e) {
                // keep closing
            }
        }
        for (TestCluster c : clusters) c.close();
    }

    /** A single-server cluster; announcing on {@code group} when it is non-null. */
    private MusterServer cluster(DiscoverySettings group) throws Exception {
        TestCluster.Builder b = TestCluster.builder(1);
        if (group != null) b.config(c -> c.withDiscovery(group));
        TestCluster c = b.build().startAll();
        clusters.add(c);
        MusterServer s = c.awaitLeader(T);
        s.ready().get(30, TimeUnit.SECONDS);
        Await.until("gRPC up", T, () -> s.grpc().port() > 0);
        return s;
    }

    private static String token(MusterServer s) throws Exception {
        return s.joinTokens().create(Duration.ofHours(1), 1, Map.of(), "discovery e2e").get(30, TimeUnit.SECONDS).token();
    }

    private WorkerDaemon discoveringWorker(String name, String token, DiscoverySettings group) {
        Path dir = tmp.resolve(name);
        WorkerDaemon w = new WorkerDaemon(new WorkerConfig(dir, List.of(), token, null, dir.resolve("identity"), Map.of(),
                List.of(), null, WorkerConfig.ResourceLimits.DEFAULT, group), WorkerOptions.defaults());
        workers.add(w);
        w.start();
        return w;
    }

    private static HostPort grpcOf(MusterServer s) {
        return new HostPort("127.0.0.1", s.config().workerGrpcAddr().port());
    }

    private void rogueAnnounces(DiscoverySettings group, String claimedCluster, HostPort leadsTo) {
        byte[] lie = AnnouncementCodec.encode(new Announcement(claimedCluster, 9, List.of(leadsTo)));
        rogue.scheduleAtFixedRate(() -> {
            try {
                Multicast.send(group, lie);
            } catch (Exception e) {
                // the next tick tries again
            }
        }, 0, 100, TimeUnit.MILLISECONDS);
    }

    private static long readyNodes(MusterServer s) {
        return s.state().nodes().stream().filter(n -> n.state() == NodeStatus.READY).count();
    }

    @Test
    void aWorkerWithOnlyATokenJoins() throws Exception {
        DiscoverySettings group = Multicast.privateGroup(Duration.ofMillis(500), Duration.ofSeconds(30), Duration.ofMillis(700));
        MusterServer a = cluster(group);
        String token = token(a);
        long start = System.nanoTime();
        WorkerDaemon w = discoveringWorker("w", token, group);
        Await.until("the discovering worker is ready", T, () -> readyNodes(a) == 1);
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertEquals(grpcOf(a).toString(), w.status().currentServer());
        System.out.println("discovery e2e: worker ready " + ms + " ms after start (announce interval 500 ms, settle 700 ms)");
    }

    @Test
    void aRogueAnnouncerIsRefusedByThePinNamingItsAddress() throws Exception {
        DiscoverySettings group = Multicast.privateGroup(Duration.ofMillis(500), Duration.ofSeconds(30), Duration.ofMillis(300));
        MusterServer a = cluster(null); // the genuine cluster does not announce: the rogue is all the worker hears
        MusterServer b = cluster(null); // another cluster's CA behind the rogue's address
        String aCluster = a.ready().get().clusterId();
        assertNotEquals(aCluster, b.ready().get().clusterId());
        rogueAnnounces(group, aCluster, grpcOf(b));
        WorkerDaemon w = discoveringWorker("w", token(a), group);
        WorkerException e = assertThrows(WorkerException.class, w::awaitTermination);
        assertTrue(e.getMessage().contains("no server proved it belongs to the cluster pinned by"), e.getMessage());
        assertTrue(e.getMessage().contains(grpcOf(b).toString()), e.getMessage());
        assertEquals(0, readyNodes(a));
        assertEquals(0, readyNodes(b));
    }

    @Test
    void twoClustersOnOneSegmentStayApartAndARogueIsPassedOver() throws Exception {
        DiscoverySettings group = Multicast.privateGroup(Duration.ofMillis(300), Duration.ofSeconds(30), Duration.ofSeconds(1));
        MusterServer a = cluster(group);
        MusterServer b = cluster(group);
        // Claims cluster a but leads to b: a's workers that dial it fail the pin and move on to a's real server.
        rogueAnnounces(group, a.ready().get().clusterId(), grpcOf(b));
        WorkerDaemon wa1 = discoveringWorker("a1", token(a), group);
        WorkerDaemon wa2 = discoveringWorker("a2", token(a), group);
        WorkerDaemon wb = discoveringWorker("b1", token(b), group);
        Await.until("two workers in a, one in b", T, () -> readyNodes(a) == 2 && readyNodes(b) == 1);
        assertEquals(grpcOf(a).toString(), wa1.status().currentServer());
        assertEquals(grpcOf(a).toString(), wa2.status().currentServer());
        assertEquals(grpcOf(b).toString(), wb.status().currentServer());
    }
}
