package io.muster.worker.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.muster.proto.NodeProfile;
import io.muster.types.config.HostPort;
import io.muster.worker.fake.FakeCluster;
import io.muster.worker.fake.FakeServer;
import io.muster.worker.rpc.Backoff;
import io.muster.worker.rpc.ServerList;
import io.muster.worker.rpc.TlsChannels;
import io.muster.worker.util.Ticker;
import io.muster.worker.util.Waker;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RegistrarTest {

    @Test
    void registrationMovesPastAnUnreachableServer() throws Exception {
        FakeCluster cluster = new FakeCluster();
        try (FakeServer server = new FakeServer(cluster, "s1", List::of)) {
            HostPort dead;
            try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                dead = new HostPort("127.0.0.1", socket.getLocalPort());
            }
            List<HostPort> addresses = List.of(dead, server.address());
            long seed = 0;
            while (!new ServerList(addresses, new SplittableRandom(seed)).current().equals(dead)) {
                seed++; // a list that starts at the dead server, so the retry path is what runs
            }
            ServerList servers = new ServerList(addresses, new SplittableRandom(seed));
            Registrar registrar = new Registrar(servers, new TlsChannels("test"), cluster.clock,
                    new Backoff(Duration.ofMillis(10), Duration.ofMillis(50), new SplittableRandom(1)), new Waker(Ticker.SYSTEM),
                    Duration.ofSeconds(5));

            JoinToken token = JoinToken.parse(cluster.token(1), "test token");
            Registrar.Result result = registrar.register(token, NodeProfile.newBuilder().setHostname("h").build())
                    .orElseThrow();

            assertEquals(server.address(), servers.current());
            assertEquals(1, cluster.registrations.size());
            assertEquals(FakeCluster.CLUSTER_ID, result.identity().clusterId());
            assertTrue(result.identity().nodeId() >= 100);
            assertEquals(cluster.clusterCa.certificate(), result.identity().clusterCa());
        }
    }
}
