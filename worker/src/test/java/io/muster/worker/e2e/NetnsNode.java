package io.muster.worker.e2e;

import io.muster.server.MusterServer;
import io.muster.types.HeartbeatPolicy;
import io.muster.types.config.HostPort;
import io.muster.types.config.Peer;
import io.muster.types.config.ServerConfig;
import io.muster.types.config.WorkerConfig;
import io.muster.types.discovery.Announcement;
import io.muster.types.discovery.AnnouncementCodec;
import io.muster.types.discovery.DiscoverySettings;
import io.muster.worker.WorkerDaemon;
import io.muster.worker.WorkerException;
import io.muster.worker.WorkerOptions;
import java.net.DatagramPacket;
import java.net.InetAddress;
import java.net.MulticastSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The processes of {@link DiscoveryNetnsTest}, each started with {@code ip netns exec NS java -cp <test classpath>}:
 * a single-server cluster that announces (and writes its cluster id and a join token to files), a discovering
 * worker, and a rogue announcer.
 */
public final class NetnsNode {
    private NetnsNode() {}

    private static DiscoverySettings group(String group, String port) {
        return new DiscoverySettings(true, group, Integer.parseInt(port), Duration.ofSeconds(1), Duration.ofSeconds(30),
                Duration.ofSeconds(2));
    }

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "server" -> server(Path.of(args[1]), group(args[2], args[3]));
            case "worker" -> System.exit(worker(Path.of(args[1]), Files.readString(Path.of(args[2])).strip(), group(args[3], args[4])));
            case "rogue" -> rogue(group(args[1], args[2]), args[3], HostPort.parse(args[4]));
            default -> throw new IllegalArgumentException(args[0]);
        }
    }

    /** Workers dial the wildcard-bound gRPC port at the address the announcement came from. */
    private static void server(Path dir, DiscoverySettings discovery) throws Exception {
        Peer self = new Peer(1, new HostPort("127.0.0.1", 9001), new HostPort("127.0.0.1", 3669));
        ServerConfig config = new ServerConfig(dir, 1, List.of(self), new HostPort("0.0.0.0", 3670), HeartbeatPolicy.DEFAULTS,
                true, 10_000, 10_000, 72 * 3600, List.of()).withDiscovery(discovery);
        MusterServer server = new MusterServer(config, MusterServer.Options.defaults()).start();
        var material = server.ready().get(120, TimeUnit.SECONDS);
        for (int i = 0; i < 200 && server.grpc().port() <= 0; i++) Thread.sleep(100);
        String token = server.joinTokens().create(Duration.ofHours(1), 10, Map.of(), "netns").get(60, TimeUnit.SECONDS).token();
        Files.writeString(dir.resolve("token.tmp"), token);
        Files.writeString(dir.resolve("cluster-id"), material.clusterId());
        Files.move(dir.resolve("token.tmp"), dir.resolve("token")); // last: the test waits for this file
        Thread.sleep(Long.MAX_VALUE);
    }

    private static int worker(Path dir, String token, DiscoverySettings discovery) {
        WorkerDaemon w = new WorkerDaemon(new WorkerConfig(dir, List.of(), token, null, dir.resolve("identity"), Map.of(),
                List.of(), null, WorkerConfig.ResourceLimits.DEFAULT, discovery), WorkerOptions.defaults());
        w.start();
        try {
            w.awaitTermination();
            return 0;
        } catch (WorkerException e) {
            System.out.println("WORKER FAILED: " + e.getMessage());
            return 1;
        }
    }

    private static void rogue(DiscoverySettings group, String claimedCluster, HostPort leadsTo) throws Exception {
        byte[] lie = AnnouncementCodec.encode(new Announcement(claimedCluster, 9, List.of(leadsTo)));
        try (MulticastSocket socket = new MulticastSocket()) {
            socket.setTimeToLive(1);
            while (true) {
                socket.send(new DatagramPacket(lie, lie.length, InetAddress.getByName(group.group()), group.port()));
                Thread.sleep(200);
            }
        }
    }
}
