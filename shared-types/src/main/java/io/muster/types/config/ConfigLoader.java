package io.muster.types.config;

import io.muster.types.HeartbeatPolicy;
import io.muster.types.config.ClusterMode.Raft;
import io.muster.types.config.ClusterMode.SingleNode;
import io.muster.types.config.ClusterMode.Static;
import io.muster.types.config.ClusterMode.WorkerTierServer;
import io.muster.types.config.ClusterMode.WorkerTierWorker;
import io.muster.types.yaml.SourceTree;
import io.muster.types.yaml.SourceTree.Loc;
import io.muster.types.yaml.SourceTree.Node;
import io.muster.types.yaml.SourceTree.Obj;
import io.muster.types.yaml.SourceTree.Scalar;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.TreeSet;
import io.muster.types.job.ActionCatalog;
import io.muster.types.yaml.Suggestions;

/**
 * Reads server and worker configuration: a full Muster file ({@code data_dir} + {@code cluster}) or a
 * bare ZLayer {@code cluster_mode.yaml}. Validation is strict and collects every problem at once.
 */
public final class ConfigLoader {
    public static final int DEFAULT_API_PORT = 3669;
    public static final int DEFAULT_WORKER_GRPC_PORT = 3670;
    public static final int DEFAULT_RAFT_PORT = 9001;

    private static final Set<String> SERVER_FILE_KEYS = Set.of("data_dir", "cluster", "api_addr", "raft_addr",
            "worker_grpc_addr", "snapshot_threshold", "max_pending_jobs", "worker_cert_lifetime", "secret_file", "tls", "gc", "metrics",
            "operations", "events", "discovery");
    private static final Set<String> SERVER_DISCOVERY_KEYS = Set.of("announce", "group", "port", "interval");
    private static final Set<String> WORKER_DISCOVERY_KEYS = Set.of("group", "port", "wait", "settle");
    private static final Set<String> EVENTS_KEYS = Set.of("buffer", "max_subscribers", "heartbeat", "stall_timeout");
    private static final Set<String> OPERATIONS_KEYS = Set.of("max_concurrent", "max_pending");
    private static final Set<String> TLS_KEYS = Set.of("ca_file", "cert_file", "key_file");
    private static final Set<String> GC_KEYS = Set.of("job_after", "alloc_after", "node_after", "token_after", "interval");
    private static final Set<String> METRICS_KEYS = Set.of("public");
    private static final Set<String> WORKER_FILE_KEYS = Set.of("data_dir", "cluster", "backends", "metrics", "resource_limits", "discovery");
    private static final Set<String> WORKER_METRICS_KEYS = Set.of("addr");
    private static final Set<String> PEER_KEYS = Set.of("id", "raft_addr", "api_addr");
    private static final Set<String> WORKER_TIER_KEYS = Set.of("mode", "role", "node_id", "peers", "worker_grpc_addr",
            "servers", "token_file", "identity_dir", "worker_ca_dir", "heartbeat_min_ttl", "heartbeat_max_ttl",
            "heartbeat_grace", "max_heartbeats_per_second", "failover_heartbeat_ttl", "labels", "backends", "discover");
    private static final Set<String> STATIC_KEYS = Set.of("mode", "node_id", "peers", "heartbeat_interval", "failure_threshold");

    private ConfigLoader() {}

    public static ServerConfig loadServerFile(Path file, Path dataDirOverride) throws ConfigException {
        return loadServer(read(file), file.toString(), dataDirOverride);
    }

    public static WorkerConfig loadWorkerFile(Path file) throws ConfigException {
        return loadWorker(read(file), file.toString());
    }

    private static String read(Path file) throws ConfigException {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new ConfigException(file.toString(), List.of("cannot read the file: " + e.getMessage()));
        }
    }

    /** {@code secret_file} and the operator-PKI {@code tls:} block (all three files or none). */
    private static ServerTls tls(Obj root, ConfigReader r) {
        Path secret = r.string("", root, "secret_file").map(Path::of).orElse(null);
        Node t = root.entries().get("tls");
        if (t == null) return new ServerTls(secret, null, null, null);
        Obj tm = r.map("tls", t).orElse(null);
        if (tm == null) return new ServerTls(secret, null, null, null);
        r.onlyKeys("tls", tm, TLS_KEYS);
        Path ca = r.string("tls", tm, "ca_file").map(Path::of).orElse(null);
        Path cert = r.string("tls", tm, "cert_file").map(Path::of).orElse(null);
        Path key = r.string("tls", tm, "key_file").map(Path::of).orElse(null);
        for (String k : List.of("ca_file", "cert_file", "key_file")) {
            if (!tm.entries().containsKey(k)) r.problem("tls." + k, tm, "is required when tls: is given (ca_file, cert_file and key_file together)");
        }
        return new ServerTls(secret, ca, cert, key);
    }

    /** The {@code gc:} block: integer seconds, each optional (defaults {@link ServerConfig.Gc#DEFAULTS}). */
    private static ServerConfig.Gc gc(Obj root, ConfigReader r) {
        ServerConfig.Gc d = ServerConfig.Gc.DEFAULTS;
        Node t = root.entries().get("gc");
        if (t == null || t instanceof Scalar s && s.isNull()) return d;
        Obj g = r.map("gc", t).orElse(null);
        if (g == null) return d;
        r.onlyKeys("gc", g, GC_KEYS);
        long year = 366L * 86400;
        return new ServerConfig.Gc(
                r.integer("gc", g, "job_after", 0, year).orElse(d.jobAfterSecs()),
                r.integer("gc", g, "alloc_after", 0, year).orElse(d.allocAfterSecs()),
                r.integer("gc", g, "node_after", 0, year).orElse(d.nodeAfterSecs()),
                r.integer("gc", g, "token_after", 0, year).orElse(d.tokenAfterSecs()),
                r.integer("gc", g, "interval", 1, 86400).orElse(d.intervalSecs()));
    }

    /** The {@code metrics:} block: {@code public} (true or false, default false). */
    private static ServerConfig.Metrics metrics(Obj root, ConfigReader r) {
        ServerConfig.Metrics d = ServerConfig.Metrics.DEFAULTS;
        Node t = root.entries().get("metrics");
        if (t == null || t instanceof Scalar s && s.isNull()) return d;
        Obj m = r.map("metrics", t).orElse(null);
        if (m == null) return d;
        r.onlyKeys("metrics", m, METRICS_KEYS);
        return new ServerConfig.Metrics(r.bool("metrics", m, "public").orElse(d.publicEndpoint()));
    }

    /**
     * A worker's {@code metrics:} block: {@code addr} (host:port) where it serves its Prometheus metrics; absent: none.
     * A bare port is refused rather than bound on every interface: the endpoint has no token (docs/SECURITY.md).
     */
    private static HostPort workerMetricsAddr(Obj root, ConfigReader r) {
        Node t = root.entries().get("metrics");
        if (t == null || t instanceof Scalar s && s.isNull()) return null;
        Obj m = r.map("metrics", t).orElse(null);
        if (m == null) return null;
        r.onlyKeys("metrics", m, WORKER_METRICS_KEYS);
        String addr = r.string("metrics", m, "addr").orElse(null);
        if (addr == null) {
            r.problem("metrics.addr", m, "is required (host:port, e.g. 127.0.0.1:9102)");
            return null;
        }
        try {
            return HostPort.parse(addr);
        } catch (IllegalArgumentException e) {
            r.problem("metrics.addr", m.entries().get("addr"), e.getMessage());
            return null;
        }
    }

    /** The {@code operations:} block: {@code max_concurrent} (1 – 10,000) and {@code max_pending} (0 – 1,000,000). */
    private static ServerConfig.Operations operations(Obj root, ConfigReader r) {
        ServerConfig.Operations d = ServerConfig.Operations.DEFAULTS;
        Node t = root.entries().get("operations");
        if (t == null || t instanceof Scalar s && s.isNull()) return d;
        Obj m = r.map("operations", t).orElse(null);
        if (m == null) return d;
        r.onlyKeys("operations", m, OPERATIONS_KEYS);
        return new ServerConfig.Operations(
                r.integer("operations", m, "max_concurrent", 1, 10_000).orElse((long) d.maxConcurrent()).intValue(),
                r.integer("operations", m, "max_pending", 0, 1_000_000).orElse((long) d.maxPending()).intValue());
    }

    /** The {@code events:} block: {@code buffer} (16 – 10,000,000 events), {@code max_subscribers}, {@code heartbeat}, {@code stall_timeout} (seconds). */
    private static ServerConfig.Events events(Obj root, ConfigReader r) {
        ServerConfig.Events d = ServerConfig.Events.DEFAULTS;
        Node t = root.entries().get("events");
        if (t == null || t instanceof Scalar s && s.isNull()) return d;
        Obj m = r.map("events", t).orElse(null);
        if (m == null) return d;
        r.onlyKeys("events", m, EVENTS_KEYS);
        return new ServerConfig.Events(
                r.integer("events", m, "buffer", 16, 10_000_000).orElse((long) d.buffer()).intValue(),
                r.integer("events", m, "max_subscribers", 1, 100_000).orElse((long) d.maxSubscribers()).intValue(),
                r.integer("events", m, "heartbeat", 1, 3600).orElse(d.heartbeatSecs()),
                r.integer("events", m, "stall_timeout", 1, 86_400).orElse(d.stallTimeoutSecs()));
    }

    /**
     * The {@code discovery:} block. Server: {@code announce} (default false), {@code group}, {@code port},
     * {@code interval} (seconds). Worker: {@code group}, {@code port}, {@code wait} and {@code settle} (seconds); whether a
     * worker listens at all is {@code cluster.discover}. Keys of the other side are errors, naming the line.
     */
    private static io.muster.types.discovery.DiscoverySettings discovery(Obj root, ConfigReader r, boolean forServer) {
        io.muster.types.discovery.DiscoverySettings d = io.muster.types.discovery.DiscoverySettings.DEFAULTS;
        Node t = root.entries().get("discovery");
        if (t == null || t instanceof Scalar s && s.isNull()) return d;
        Obj m = r.map("discovery", t).orElse(null);
        if (m == null) return d;
        r.onlyKeys("discovery", m, forServer ? SERVER_DISCOVERY_KEYS : WORKER_DISCOVERY_KEYS);
        boolean announce = forServer && r.bool("discovery", m, "announce").orElse(false);
        String group = r.string("discovery", m, "group").orElse(d.group());
        long port = r.integer("discovery", m, "port", 1, 65535).orElse((long) d.port());
        long interval = forServer ? r.integer("discovery", m, "interval", 1, 600).orElse(d.interval().toSeconds()) : d.interval().toSeconds();
        long wait = forServer ? d.listenFor().toSeconds() : r.integer("discovery", m, "wait", 1, 3600).orElse(d.listenFor().toSeconds());
        long settle = forServer ? d.settle().toSeconds() : r.integer("discovery", m, "settle", 0, 3600).orElse(d.settle().toSeconds());
        try {
            return new io.muster.types.discovery.DiscoverySettings(announce, group, (int) port, java.time.Duration.ofSeconds(interval),
                    java.time.Duration.ofSeconds(wait), java.time.Duration.ofSeconds(settle));
        } catch (IllegalArgumentException e) {
            r.problem("discovery", m, e.getMessage());
            return d;
        }
    }

    public static ServerConfig loadServer(String text, String source, Path dataDirOverride) throws ConfigException {
        ConfigReader r = new ConfigReader();
        Obj root = root(text, source, r);
        Obj cluster;
        String cpath;
        Path dataDir = dataDirOverride;
        HostPort topApi = null;
        HostPort topRaft = null;
        HostPort topGrpc = null;
        long snapshotThreshold = 50_000;
        int maxPendingJobs = 10_000;
        long certLifetime = 72 * 3600;
        ServerTls tls = ServerTls.NONE;
        ServerConfig.Gc gc = ServerConfig.Gc.DEFAULTS;
        ServerConfig.Metrics metrics = ServerConfig.Metrics.DEFAULTS;
        ServerConfig.Operations operations = ServerConfig.Operations.DEFAULTS;
        ServerConfig.Events events = ServerConfig.Events.DEFAULTS;
        io.muster.types.discovery.DiscoverySettings discovery = io.muster.types.discovery.DiscoverySettings.DEFAULTS;
        if (root.entries().containsKey("mode")) { // a bare ZLayer ClusterMode document
            cluster = root;
            cpath = "";
        } else {
            r.onlyKeys("", root, SERVER_FILE_KEYS);
            if (dataDir == null) dataDir = r.string("", root, "data_dir").map(Path::of).orElse(null);
            topApi = r.address("", root, "api_addr").orElse(null);
            topRaft = r.address("", root, "raft_addr").orElse(null);
            topGrpc = r.address("", root, "worker_grpc_addr").orElse(null);
            snapshotThreshold = r.integer("", root, "snapshot_threshold", 16, 100_000_000).orElse(snapshotThreshold);
            maxPendingJobs = r.integer("", root, "max_pending_jobs", 1, 10_000_000).orElse((long) maxPendingJobs).intValue();
            certLifetime = r.integer("", root, "worker_cert_lifetime", 300, 366L * 86400).orElse(certLifetime);
            tls = tls(root, r);
            gc = gc(root, r);
            metrics = metrics(root, r);
            operations = operations(root, r);
            events = events(root, r);
            discovery = discovery(root, r, true);
            Node c = root.entries().get("cluster");
            if (c == null) {
                cluster = Obj.of(Map.of("mode", Scalar.string("single-node", new Loc(1, 1))), new Loc(1, 1));
            } else {
                cluster = r.map("cluster", c).orElse(null);
                if (cluster == null) throw new ConfigException(source, r.problems);
            }
            cpath = "cluster";
        }
        if (dataDir == null) r.problem("data_dir", null, "is required (or pass --data-dir)");
        ClusterMode mode = clusterMode(cpath, cluster, r, true);
        List<String> warnings = new ArrayList<>();
        ServerConfig cfg = null;
        if (mode != null && r.problems.isEmpty()) {
            HeartbeatPolicy hb = HeartbeatPolicy.DEFAULTS;
            int id;
            List<Peer> peers;
            HostPort grpc = topGrpc;
            switch (mode) {
                case SingleNode s -> {
                    id = 1;
                    peers = List.of(new Peer(1, topRaft != null ? topRaft : new HostPort("127.0.0.1", DEFAULT_RAFT_PORT),
                            topApi != null ? topApi : new HostPort("127.0.0.1", DEFAULT_API_PORT)));
                }
                case Raft rm -> {
                    id = rm.nodeId();
                    peers = rm.peers();
                }
                case WorkerTierServer w -> {
                    id = w.nodeId();
                    peers = w.peers();
                    hb = w.heartbeat();
                    if (w.workerGrpcAddr() != null) grpc = w.workerGrpcAddr();
                }
                case Static st -> throw new IllegalStateException("refused earlier");
                case WorkerTierWorker ww -> throw new IllegalStateException("refused earlier");
            }
            if (grpc == null) grpc = new HostPort("0.0.0.0", DEFAULT_WORKER_GRPC_PORT);
            if (peers.size() % 2 == 0) warnings.add("cluster has " + peers.size() + " servers: an even count tolerates no more failures than "
                    + (peers.size() - 1) + " and risks split votes; use 3, 5 or 7");
            if (peers.size() > 7) warnings.add("cluster has " + peers.size() + " servers: more than 7 slows every commit; use 3, 5 or 7 and add workers instead");
            cfg = new ServerConfig(dataDir, id, List.copyOf(peers), grpc, hb, false, snapshotThreshold, maxPendingJobs, certLifetime,
                    List.copyOf(warnings), tls, gc, metrics, operations, events, discovery);
        }
        if (!r.problems.isEmpty()) throw new ConfigException(source, r.problems);
        return cfg;
    }

    public static WorkerConfig loadWorker(String text, String source) throws ConfigException {
        ConfigReader r = new ConfigReader();
        Obj root = root(text, source, r);
        Obj cluster;
        String cpath;
        Path dataDir = null;
        if (root.entries().containsKey("mode")) {
            cluster = root;
            cpath = "";
        } else {
            r.onlyKeys("", root, WORKER_FILE_KEYS);
            dataDir = r.string("", root, "data_dir").map(Path::of).orElse(null);
            Node c = root.entries().get("cluster");
            if (c == null) {
                r.problem("cluster", null, "is required (mode: worker-tier, role: worker, servers: [...])");
                throw new ConfigException(source, r.problems);
            }
            cluster = r.map("cluster", c).orElse(null);
            if (cluster == null) throw new ConfigException(source, r.problems);
            cpath = "cluster";
        }
        // backends: in the cluster block, or (full file) at the top level beside data_dir; both lists count.
        List<String> topBackends = cluster == root ? List.of() : backends("", root, r);
        WorkerConfig.ResourceLimits limits = cluster == root ? WorkerConfig.ResourceLimits.DEFAULT : resourceLimits(root, r);
        ClusterMode mode = clusterMode(cpath, cluster, r, false);
        WorkerConfig cfg = null;
        if (mode instanceof WorkerTierWorker w && r.problems.isEmpty()) {
            LinkedHashSet<String> enabled = new LinkedHashSet<>(topBackends);
            enabled.addAll(w.backends());
            List<HostPort> servers = new ArrayList<>();
            for (String s : w.servers()) servers.add(HostPort.parse(s));
            Path base = dataDir != null ? dataDir : Path.of("/var/lib/muster");
            Path identity = w.identityDir() != null ? Path.of(w.identityDir()) : base.resolve("worker/identity");
            io.muster.types.discovery.DiscoverySettings discovery = cluster == root
                    ? io.muster.types.discovery.DiscoverySettings.DEFAULTS : discovery(root, r, false);
            cfg = new WorkerConfig(base, servers, null, w.tokenFile() != null ? Path.of(w.tokenFile()) : null, identity, w.labels(), List.copyOf(enabled),
                    cluster == root ? null : workerMetricsAddr(root, r), limits, discovery.withEnabled(w.discover()));
        } else if (mode != null && r.problems.isEmpty()) {
            r.problem(ConfigReader.join(cpath, "mode"), cluster.entries().get("mode"),
                    "a worker needs mode: worker-tier with role: worker");
        }
        if (!r.problems.isEmpty()) throw new ConfigException(source, r.problems);
        return cfg;
    }

    private static Obj root(String text, String source, ConfigReader r) throws ConfigException {
        Node tree;
        try {
            tree = SourceTree.parse(text);
        } catch (SourceTree.SyntaxException e) {
            throw new ConfigException(source, List.of(e.getMessage()));
        }
        if (!(tree instanceof Obj m)) throw new ConfigException(source, List.of("the document must be a mapping (line " + tree.loc().line() + ")"));
        return m;
    }

    private static ClusterMode clusterMode(String path, Obj c, ConfigReader r, boolean forServer) {
        String mpath = ConfigReader.join(path, "mode");
        Optional<String> mode = r.string(path, c, "mode");
        if (mode.isEmpty()) {
            r.problem(mpath, c, "is required: single-node | raft | static | worker-tier");
            return null;
        }
        Node modeNode = c.entries().get("mode");
        switch (mode.get()) {
            case "single-node" -> {
                r.onlyKeys(path, c, Set.of("mode"));
                if (!forServer) return new SingleNode();
                return new SingleNode();
            }
            case "raft" -> {
                r.onlyKeys(path, c, Set.of("mode", "node_id", "peers"));
                Integer id = r.integer(path, c, "node_id", 1, Integer.MAX_VALUE).map(Long::intValue).orElse(null);
                if (id == null && !c.entries().containsKey("node_id")) r.problem(ConfigReader.join(path, "node_id"), c, "is required in raft mode");
                List<Peer> peers = peers(path, c, id, r);
                return id == null ? null : new Raft(id, peers);
            }
            case "static" -> {
                r.onlyKeys(path, c, STATIC_KEYS);
                r.problem(mpath, modeNode, "mode 'static' is refused: it has no consensus log, so two servers can make "
                        + "conflicting writes; use 'raft' (or 'worker-tier' with role: server) with the same peers, each given a raft_addr");
                return null;
            }
            case "worker-tier" -> {
                r.onlyKeys(path, c, WORKER_TIER_KEYS);
                HeartbeatPolicy hb = heartbeat(path, c, r);
                Map<String, String> labels = r.stringMap(path, c, "labels");
                Optional<String> role = r.string(path, c, "role");
                String rpath = ConfigReader.join(path, "role");
                if (role.isEmpty()) {
                    r.problem(rpath, c, "is required in worker-tier mode: server | worker");
                    return null;
                }
                if (role.get().equals("server")) {
                    if (!forServer) {
                        r.problem(rpath, c.entries().get("role"), "this is a server config; start it with 'muster server --config'");
                        return null;
                    }
                    Integer id = r.integer(path, c, "node_id", 1, Integer.MAX_VALUE).map(Long::intValue).orElse(null);
                    if (id == null && !c.entries().containsKey("node_id")) r.problem(ConfigReader.join(path, "node_id"), c, "is required for role: server");
                    List<Peer> peers = peers(path, c, id, r);
                    HostPort grpc = r.address(path, c, "worker_grpc_addr").orElse(null);
                    for (String workerOnly : List.of("servers", "token_file", "identity_dir", "backends", "discover")) {
                        if (c.entries().containsKey(workerOnly))
                            r.problem(ConfigReader.join(path, workerOnly), c.entries().get(workerOnly), "is a worker setting; a server does not use it");
                    }
                    return id == null || hb == null ? null
                            : new WorkerTierServer(id, peers, grpc, r.string(path, c, "worker_ca_dir").orElse(null), hb, labels);
                }
                if (role.get().equals("worker")) {
                    if (forServer) {
                        r.problem(rpath, c.entries().get("role"), "this is a worker config; start it with 'muster worker --config'");
                        return null;
                    }
                    List<String> servers = r.list(path, c, "servers", it -> {
                        if (it.node() instanceof Scalar s && !s.isNull()) {
                            try {
                                HostPort.parse(s.text());
                                return Optional.of(s.text());
                            } catch (IllegalArgumentException e) {
                                r.problem(it.path(), it.node(), "bad address: " + e.getMessage());
                                return Optional.empty();
                            }
                        }
                        r.problem(it.path(), it.node(), "must be a host:port string");
                        return Optional.empty();
                    });
                    boolean discover = r.bool(path, c, "discover").orElse(false);
                    if (servers.isEmpty() && !discover && r.problems.isEmpty())
                        r.problem(ConfigReader.join(path, "servers"), c, "needs at least one server worker_grpc_addr (or discover: true)");
                    for (String serverOnly : List.of("node_id", "peers", "worker_ca_dir")) {
                        if (c.entries().containsKey(serverOnly))
                            r.problem(ConfigReader.join(path, serverOnly), c.entries().get(serverOnly), "is a server setting; a worker does not use it");
                    }
                    List<String> backends = backends(path, c, r);
                    return hb == null ? null : new WorkerTierWorker(servers, r.string(path, c, "token_file").orElse(null),
                            r.string(path, c, "identity_dir").orElse(null), hb, labels, backends, discover);
                }
                r.problem(rpath, c.entries().get("role"), "must be server or worker, got '" + role.get() + "'");
                return null;
            }
            default -> {
                r.problem(mpath, modeNode, "unknown mode '" + mode.get() + "': use single-node | raft | static | worker-tier");
                return null;
            }
        }
    }

    /** {@code resource_limits: {enabled: true, cgroup_parent: muster}} beside {@code data_dir}; both keys optional. */
    private static WorkerConfig.ResourceLimits resourceLimits(Obj root, ConfigReader r) {
        Node n = root.entries().get("resource_limits");
        if (n == null) return WorkerConfig.ResourceLimits.DEFAULT;
        Obj o = r.map("resource_limits", n).orElse(null);
        if (o == null) return WorkerConfig.ResourceLimits.DEFAULT;
        r.onlyKeys("resource_limits", o, Set.of("enabled", "cgroup_parent"));
        boolean enabled = r.bool("resource_limits", o, "enabled").orElse(true);
        String parent = r.string("resource_limits", o, "cgroup_parent").orElse(WorkerConfig.ResourceLimits.DEFAULT.cgroupParent());
        try {
            return new WorkerConfig.ResourceLimits(enabled, parent);
        } catch (IllegalArgumentException e) {
            r.problem("resource_limits.cgroup_parent", o.entries().get("cgroup_parent"),
                    "must be one cgroup name matching " + WorkerConfig.ResourceLimits.CGROUP_NAME.pattern() + " (no '/' or '..')");
            return WorkerConfig.ResourceLimits.DEFAULT;
        }
    }

    /**
     * {@code backends: [apt, systemd, file]}: the system-changing action backends the worker enables. Names are
     * checked against the built-in catalogue; naming a read-only one (always on) is allowed and changes nothing.
     */
    private static List<String> backends(String path, Obj c, ConfigReader r) {
        Set<String> known = ActionCatalog.builtIn().keySet();
        List<String> out = r.list(path, c, "backends", it -> {
            if (it.node() instanceof Scalar s && !s.isNull() && s.kind() == SourceTree.Kind.STRING) {
                if (known.contains(s.text())) return Optional.of(s.text());
                r.problem(it.path(), it.node(), "unknown backend '" + s.text() + "'" + Suggestions.hint(s.text(), known)
                        + "; valid: " + String.join(", ", new TreeSet<>(known)));
                return Optional.empty();
            }
            r.problem(it.path(), it.node(), "must be a backend name (one of " + String.join(", ", new TreeSet<>(known)) + ")");
            return Optional.empty();
        });
        return List.copyOf(new LinkedHashSet<>(out));
    }

    private static HeartbeatPolicy heartbeat(String path, Obj c, ConfigReader r) {
        long min = r.integer(path, c, "heartbeat_min_ttl", 1, 86400).orElse(10L);
        long max = r.integer(path, c, "heartbeat_max_ttl", 1, 86400).orElse(600L);
        long grace = r.integer(path, c, "heartbeat_grace", 0, 86400).orElse(10L);
        long rate = r.integer(path, c, "max_heartbeats_per_second", 1, 1_000_000).orElse(50L);
        long failover = r.integer(path, c, "failover_heartbeat_ttl", 1, 86400).orElse(300L);
        if (max < min) {
            r.problem(ConfigReader.join(path, "heartbeat_max_ttl"), c.entries().get("heartbeat_max_ttl"),
                    "must be >= heartbeat_min_ttl (" + min + ")");
            return null;
        }
        return new HeartbeatPolicy((int) min, (int) max, (int) grace, (int) rate, (int) failover);
    }

    private static List<Peer> peers(String path, Obj c, Integer selfId, ConfigReader r) {
        String ppath = ConfigReader.join(path, "peers");
        List<ConfigReader.Indexed> nodes = new ArrayList<>();
        List<Peer> peers = r.list(path, c, "peers", it -> {
            Optional<Obj> m = r.map(it.path(), it.node());
            if (m.isEmpty()) return Optional.empty();
            r.onlyKeys(it.path(), m.get(), PEER_KEYS);
            Optional<Long> id = r.integer(it.path(), m.get(), "id", 1, Integer.MAX_VALUE);
            if (!m.get().entries().containsKey("id")) r.problem(ConfigReader.join(it.path(), "id"), it.node(), "is required");
            if (!m.get().entries().containsKey("raft_addr")) r.problem(ConfigReader.join(it.path(), "raft_addr"), it.node(), "is required");
            if (!m.get().entries().containsKey("api_addr")) r.problem(ConfigReader.join(it.path(), "api_addr"), it.node(), "is required");
            Optional<HostPort> raft = r.address(it.path(), m.get(), "raft_addr");
            Optional<HostPort> api = r.address(it.path(), m.get(), "api_addr");
            if (id.isEmpty() || raft.isEmpty() || api.isEmpty()) return Optional.empty();
            nodes.add(it);
            return Optional.of(new Peer(id.get().intValue(), raft.get(), api.get()));
        });
        if (!c.entries().containsKey("peers")) {
            r.problem(ppath, c, "is required: list every server (including this one) with id, raft_addr, api_addr");
            return peers;
        }
        Map<Integer, Integer> seenIds = new HashMap<>();
        Map<String, Integer> seenRaft = new HashMap<>();
        Map<String, Integer> seenApi = new HashMap<>();
        for (int i = 0; i < peers.size(); i++) {
            Peer p = peers.get(i);
            Node at = nodes.get(i).node();
            Integer prev = seenIds.putIfAbsent(p.id(), i);
            if (prev != null) r.problem(nodes.get(i).path() + ".id", at, "duplicate id " + p.id() + " (also " + nodes.get(prev).path() + ")");
            prev = seenRaft.putIfAbsent(p.raftAddr().toString(), i);
            if (prev != null) r.problem(nodes.get(i).path() + ".raft_addr", at, "duplicate address " + p.raftAddr() + " (also " + nodes.get(prev).path() + ")");
            prev = seenApi.putIfAbsent(p.apiAddr().toString(), i);
            if (prev != null) r.problem(nodes.get(i).path() + ".api_addr", at, "duplicate address " + p.apiAddr() + " (also " + nodes.get(prev).path() + ")");
        }
        if (selfId != null && !peers.isEmpty() && peers.stream().noneMatch(p -> p.id() == selfId))
            r.problem(ppath, c.entries().get("peers"), "has no entry for this server (node_id " + selfId + ")");
        return peers;
    }
}
