package io.muster.server.testkit;

import io.muster.proto.raft.Command;
import io.muster.proto.raft.CommandResult;
import io.muster.proto.raft.KvPut;
import io.muster.server.MusterServer;
import io.muster.types.HeartbeatPolicy;
import io.muster.types.config.HostPort;
import io.muster.types.config.Peer;
import io.muster.types.config.ServerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * N real servers in this JVM on loopback ports, each with its own data dir. Servers can be killed
 * (abrupt close), restarted from their data dir, and added or removed.
 */
public final class TestCluster implements AutoCloseable {
    public final Path root;
    public final List<Peer> peers = new ArrayList<>();
    private final List<ServerConfig> configs = new ArrayList<>();
    private final MusterServer[] servers;
    private final boolean dev;
    private final long snapshotThreshold;
    private final HeartbeatPolicy heartbeat;
    private final java.util.function.UnaryOperator<ServerConfig> configure;
    public Clock clock = Clock.systemUTC();
    public com.github.benmanes.caffeine.cache.Ticker ticker = com.github.benmanes.caffeine.cache.Ticker.systemTicker();
    /** Cuts Raft links between servers on demand. */
    public final Partitions partitions = new Partitions();
    /** Runs on every server built here (restarts too) before it starts, e.g. to set a small digest interval. */
    public java.util.function.Consumer<MusterServer> beforeStart = s -> {};

    public static Builder builder(int size) {
        return new Builder(size);
    }

    public static final class Builder {
        private final int size;
        private boolean dev = true;
        private long snapshotThreshold = 100_000;
        private HeartbeatPolicy heartbeat = HeartbeatPolicy.DEFAULTS;
        private java.util.function.UnaryOperator<ServerConfig> configure = c -> c;

        Builder(int size) {
            this.size = size;
        }

        /** Secure mode: HTTPS API with the cluster's certificate and ACLs. */
        public Builder secure() {
            dev = false;
            return this;
        }

        public Builder snapshotThreshold(long n) {
            snapshotThreshold = n;
            return this;
        }

        public Builder heartbeat(HeartbeatPolicy p) {
            heartbeat = p;
            return this;
        }

        /** Changes every server's config, e.g. {@code c -> c.withMetrics(new ServerConfig.Metrics(true))}. */
        public Builder config(java.util.function.UnaryOperator<ServerConfig> change) {
            configure = change;
            return this;
        }

        public TestCluster build() throws Exception {
            return new TestCluster(size, dev, snapshotThreshold, heartbeat, configure);
        }
    }

    private TestCluster(int size, boolean dev, long snapshotThreshold, HeartbeatPolicy heartbeat,
                        java.util.function.UnaryOperator<ServerConfig> configure) throws Exception {
        this.configure = configure;
        this.dev = dev;
        this.snapshotThreshold = snapshotThreshold;
        this.heartbeat = heartbeat;
        this.root = Files.createTempDirectory("muster-cluster-");
        this.servers = new MusterServer[8];
        for (int i = 1; i <= size; i++) peers.add(newPeer(i));
        for (int i = 1; i <= size; i++) configs.add(config(i, peers));
        if (size > 1) {
            // The documented flow: `muster server init` on server 1, its secret handed to the others.
            secret = io.muster.server.tls.ClusterInit.run(configs.get(0), Clock.systemUTC());
            for (int i = 2; i <= size; i++) configs.set(i - 1, configs.get(i - 1).withTls(io.muster.types.config.ServerTls.NONE.withSecretFile(secretFile())));
        }
    }

    /** The cluster secret, as `muster server init` printed it (null for a single server, which made its own). */
    public io.muster.pki.secret.ClusterSecret secret;

    public Path secretFile() {
        return root.resolve("s1").resolve("cluster.secret");
    }

    public static Peer newPeer(int id) {
        return new Peer(id, new HostPort("127.0.0.1", Ports.free()), new HostPort("127.0.0.1", Ports.free()));
    }

    private ServerConfig config(int id, List<Peer> ps) {
        return configure.apply(new ServerConfig(root.resolve("s" + id), id, List.copyOf(ps), new HostPort("127.0.0.1", Ports.free()), heartbeat, dev,
                snapshotThreshold, 10_000, 72 * 3600, List.of()));
    }

    public TestCluster startAll() throws Exception {
        for (int i = 1; i <= configs.size(); i++) start(i);
        return this;
    }

    public MusterServer start(int id) throws Exception {
        MusterServer s = new MusterServer(configs.get(id - 1), new MusterServer.Options(false, clock, ticker, partitions.interceptor(id)));
        beforeStart.accept(s);
        servers[id] = s.start();
        return servers[id];
    }

    /** Starts a brand-new server that waits to be added to the cluster. */
    public MusterServer startJoining(Peer peer) throws Exception {
        List<Peer> all = new ArrayList<>(peers);
        all.add(peer);
        ServerConfig cfg = config(peer.id(), all).withTls(io.muster.types.config.ServerTls.NONE.withSecretFile(secretFile()));
        while (configs.size() < peer.id()) configs.add(null);
        configs.set(peer.id() - 1, cfg);
        MusterServer s = new MusterServer(cfg, new MusterServer.Options(true, clock, ticker, partitions.interceptor(peer.id())));
        beforeStart.accept(s);
        servers[peer.id()] = s.start();
        return servers[peer.id()];
    }

    public MusterServer server(int id) {
        return servers[id];
    }

    public ServerConfig config(int id) {
        return configs.get(id - 1);
    }

    public List<MusterServer> running() {
        List<MusterServer> out = new ArrayList<>();
        for (MusterServer s : servers) if (s != null) out.add(s);
        return out;
    }

    /** Abrupt stop, as a crash. */
    public void kill(int id) {
        if (servers[id] != null) servers[id].close();
        servers[id] = null;
    }

    public MusterServer restart(int id) throws Exception {
        kill(id);
        return start(id);
    }

    public Optional<MusterServer> leader() {
        for (MusterServer s : running()) {
            try {
                if (s.raft().status().isLeader() && s.raft().status().isLeaderReady()) return Optional.of(s);
            } catch (RuntimeException e) {
                // not running yet
            }
        }
        return Optional.empty();
    }

    public MusterServer awaitLeader(Duration timeout) {
        return Await.value("a ready leader", timeout, () -> leader().orElse(null));
    }

    public CommandResult put(MusterServer via, String key, String value) throws Exception {
        return via.raft().proposer().submit(Command.newBuilder().setProposedUnixMs(System.currentTimeMillis())
                .setKvPut(KvPut.newBuilder().setKey(key).setValue(com.google.protobuf.ByteString.copyFromUtf8(value))).build())
                .get(30, TimeUnit.SECONDS);
    }

    public String apiUrl(int id) {
        return (dev ? "http" : "https") + "://" + configs.get(id - 1).apiAddr();
    }

    @Override
    public void close() throws Exception {
        for (int i = 0; i < servers.length; i++) {
            if (servers[i] != null) {
                try {
                    servers[i].close();
                } catch (RuntimeException e) {
                    // keep closing the others
                }
                servers[i] = null;
            }
        }
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
