package io.muster.types.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConfigLoaderTest {
    private static final String GOOD = """
            data_dir: /var/lib/muster
            cluster:
              mode: worker-tier
              role: server
              node_id: 1
              peers:
                - {id: 1, raft_addr: "127.0.0.1:9001", api_addr: "127.0.0.1:3669"}
                - {id: 2, raft_addr: "127.0.0.1:9002", api_addr: "127.0.0.1:3679"}
                - {id: 3, raft_addr: "127.0.0.1:9003", api_addr: "127.0.0.1:3689"}
              worker_grpc_addr: "127.0.0.1:3670"
              heartbeat_min_ttl: 10
              heartbeat_max_ttl: 600
              heartbeat_grace: 10
              max_heartbeats_per_second: 50
              failover_heartbeat_ttl: 300
            """;

    private static String problem(String yaml) {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.loadServer(yaml, "server.yaml", null));
        return e.getMessage();
    }

    @Test
    void contractExampleLoads() throws Exception {
        ServerConfig c = ConfigLoader.loadServer(GOOD, "server.yaml", null);
        assertEquals(1, c.serverId());
        assertEquals(3, c.peers().size());
        assertEquals(new HostPort("127.0.0.1", 3670), c.workerGrpcAddr());
        assertEquals(50, c.heartbeat().maxHeartbeatsPerSecond());
        assertTrue(c.warnings().isEmpty());
    }

    /**
     * Pinned on purpose (docs/SECURITY.md, "Listening addresses"): the worker port listens on every interface by
     * default because workers on other machines must reach it, and it is mTLS for everything but Register (which
     * needs a signed join token); the operator API and Raft stay on loopback until configured otherwise, and
     * `muster dev` keeps everything on loopback.
     */
    @Test
    void theWorkerPortListensOnAllInterfacesByDefaultAndTheApiOnLoopback() throws Exception {
        ServerConfig single = ConfigLoader.loadServer("data_dir: /var/lib/muster\n", "server.yaml", null);
        assertEquals(new HostPort("0.0.0.0", ConfigLoader.DEFAULT_WORKER_GRPC_PORT), single.workerGrpcAddr());
        assertEquals(new HostPort("127.0.0.1", ConfigLoader.DEFAULT_API_PORT), single.apiAddr());
        assertEquals(new HostPort("127.0.0.1", ConfigLoader.DEFAULT_RAFT_PORT), single.raftAddr());
        ServerConfig tier = ConfigLoader.loadServer(GOOD.replace("  worker_grpc_addr: \"127.0.0.1:3670\"\n", ""), "server.yaml", null);
        assertEquals(new HostPort("0.0.0.0", 3670), tier.workerGrpcAddr());
        assertEquals("127.0.0.1", ServerConfig.dev(Path.of("/tmp/d"), 1, 2, 3).workerGrpcAddr().host(), "muster dev stays on loopback");
    }

    @Test
    void bareZlayerClusterModeWithDataDirFlag() throws Exception {
        String bare = """
                mode: raft
                node_id: 2
                peers:
                  - {id: 1, raft_addr: "10.0.0.1:9001", api_addr: "10.0.0.1:3669"}
                  - {id: 2, raft_addr: "10.0.0.2:9001", api_addr: "10.0.0.2:3669"}
                  - {id: 3, raft_addr: "10.0.0.3:9001", api_addr: "10.0.0.3:3669"}
                """;
        ServerConfig c = ConfigLoader.loadServer(bare, "cluster_mode.yaml", Path.of("/tmp/d"));
        assertEquals(Path.of("/tmp/d"), c.dataDir());
        assertEquals(2, c.serverId());
    }

    @Test
    void unknownFieldNamesFieldAndLineAndSuggests() {
        String msg = problem(GOOD.replace("heartbeat_grace: 10", "heartbeat_grase: 10"));
        assertTrue(msg.contains("cluster.heartbeat_grase: unknown field (did you mean 'heartbeat_grace'?) (line 13"), msg);
    }

    @Test
    void duplicateIds() {
        String msg = problem(GOOD.replace("{id: 2,", "{id: 1,"));
        assertTrue(msg.contains("cluster.peers[1].id: duplicate id 1 (also cluster.peers[0]) (line 8"), msg);
    }

    @Test
    void missingSelfEntry() {
        String msg = problem(GOOD.replace("node_id: 1", "node_id: 9"));
        assertTrue(msg.contains("cluster.peers: has no entry for this server (node_id 9)"), msg);
    }

    @Test
    void badAddresses() {
        String msg = problem(GOOD.replace("127.0.0.1:9002", "127.0.0.1:99999").replace("\"127.0.0.1:3689\"", "\"nohost\""));
        assertTrue(msg.contains("cluster.peers[1].raft_addr: bad address: '127.0.0.1:99999' has port 99999 outside 1-65535 (line 8"), msg);
        assertTrue(msg.contains("cluster.peers[2].api_addr: bad address: 'nohost' is not host:port (line 9"), msg);
        assertTrue(msg.contains("2 problems"), msg);
    }

    @Test
    void staticModeIsRefusedWithTheReason() {
        String msg = problem("data_dir: /d\ncluster:\n  mode: static\n  node_id: 1\n  peers: []\n");
        assertTrue(msg.contains("cluster.mode: mode 'static' is refused"), msg);
        assertTrue(msg.contains("(line 3"), msg);
    }

    @Test
    void evenAndLargeServerCountsWarn() throws Exception {
        StringBuilder peers = new StringBuilder();
        for (int i = 1; i <= 8; i++) peers.append("    - {id: ").append(i).append(", raft_addr: \"127.0.0.1:90").append(10 + i).append("\", api_addr: \"127.0.0.1:30").append(10 + i).append("\"}\n");
        ServerConfig c = ConfigLoader.loadServer("data_dir: /d\ncluster:\n  mode: raft\n  node_id: 1\n  peers:\n" + peers, "s.yaml", null);
        assertEquals(2, c.warnings().size());
        assertTrue(c.warnings().get(0).contains("even count"), c.warnings().toString());
        assertTrue(c.warnings().get(1).contains("more than 7"), c.warnings().toString());
    }

    @Test
    void wrongTypesAndRolesAndSyntax() {
        assertTrue(problem(GOOD.replace("heartbeat_min_ttl: 10", "heartbeat_min_ttl: ten")).contains("cluster.heartbeat_min_ttl: must be a whole number, got 'ten' (line 11"));
        assertTrue(problem(GOOD.replace("role: server", "role: worker")).contains("this is a worker config"));
        assertTrue(problem(GOOD.replace("heartbeat_max_ttl: 600", "heartbeat_max_ttl: 5")).contains("must be >= heartbeat_min_ttl"));
        assertTrue(problem("data_dir: /d\ncluster: [\n").contains("invalid YAML"));
        assertTrue(problem("cluster:\n  mode: single-node\n").contains("data_dir: is required"));
        assertTrue(problem("data_dir: /d\ndata_dir: /e\n").contains("duplicate key 'data_dir'"));
    }

    @Test
    void workerConfigAndItsErrors() throws Exception {
        WorkerConfig w = ConfigLoader.loadWorker("""
                data_dir: /var/lib/muster
                cluster:
                  mode: worker-tier
                  role: worker
                  servers: ["https://10.0.0.1:3670", "10.0.0.2:3670"]
                  token_file: /etc/muster/worker.token
                  labels: {zone: a}
                """, "worker.yaml");
        assertEquals(2, w.servers().size());
        assertEquals(Path.of("/var/lib/muster/worker/identity"), w.identityDir());
        assertTrue(!w.toString().contains("token=mst"));
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.loadWorker("cluster:\n  mode: worker-tier\n  role: worker\n  servers: []\n", "w.yaml"));
        assertTrue(e.getMessage().contains("cluster.servers: needs at least one server"), e.getMessage());
    }

    @Test
    void workerBackendsAreEnabledByNameAndUnknownOnesNamed() throws Exception {
        WorkerConfig none = ConfigLoader.loadWorker("cluster:\n  mode: worker-tier\n  role: worker\n  servers: [\"10.0.0.1:3670\"]\n", "w.yaml");
        assertEquals(List.of(), none.backends());
        WorkerConfig w = ConfigLoader.loadWorker("""
                data_dir: /d
                backends: [apt]
                cluster:
                  mode: worker-tier
                  role: worker
                  servers: ["10.0.0.1:3670"]
                  backends: [systemd, file, apt]
                """, "worker.yaml");
        assertEquals(List.of("apt", "systemd", "file"), w.backends());
        assertTrue(w.toString().contains("backends=[apt, systemd, file]"), w.toString());
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.loadWorker(
                "cluster:\n  mode: worker-tier\n  role: worker\n  servers: [\"10.0.0.1:3670\"]\n  backends: [apt, yum, 3]\n", "w.yaml"));
        assertTrue(e.getMessage().contains("cluster.backends[1]: unknown backend 'yum'"), e.getMessage());
        assertTrue(e.getMessage().contains("valid: apt, file, ping, sysinfo, systemd, test"), e.getMessage());
        assertTrue(e.getMessage().contains("cluster.backends[2]: must be a backend name"), e.getMessage());
        ConfigException server = assertThrows(ConfigException.class, () -> ConfigLoader.loadServer("""
                data_dir: /d
                cluster:
                  mode: worker-tier
                  role: server
                  node_id: 1
                  backends: [apt]
                """, "s.yaml", null));
        assertTrue(server.getMessage().contains("cluster.backends: is a worker setting"), server.getMessage());
    }

    @Test
    void workerResourceLimitsAreOnByDefaultAndConfigurable() throws Exception {
        String cluster = "cluster:\n  mode: worker-tier\n  role: worker\n  servers: [\"10.0.0.1:3670\"]\n";
        assertEquals(WorkerConfig.ResourceLimits.DEFAULT, ConfigLoader.loadWorker(cluster, "w.yaml").resourceLimits());
        assertEquals(new WorkerConfig.ResourceLimits(true, "muster"), WorkerConfig.ResourceLimits.DEFAULT);
        WorkerConfig w = ConfigLoader.loadWorker("data_dir: /d\nresource_limits: {enabled: false, cgroup_parent: batch.slice}\n" + cluster, "w.yaml");
        assertEquals(new WorkerConfig.ResourceLimits(false, "batch.slice"), w.resourceLimits());
        ConfigException escape = assertThrows(ConfigException.class, () -> ConfigLoader.loadWorker(
                "data_dir: /d\nresource_limits: {cgroup_parent: ../../etc}\n" + cluster, "w.yaml"));
        assertTrue(escape.getMessage().contains("resource_limits.cgroup_parent: must be one cgroup name"), escape.getMessage());
        assertTrue(escape.getMessage().contains("line 2"), escape.getMessage());
        ConfigException typo = assertThrows(ConfigException.class, () -> ConfigLoader.loadWorker(
                "data_dir: /d\nresource_limits: {enable: false}\n" + cluster, "w.yaml"));
        assertTrue(typo.getMessage().contains("resource_limits.enable: unknown"), typo.getMessage());
        ConfigException notBool = assertThrows(ConfigException.class, () -> ConfigLoader.loadWorker(
                "data_dir: /d\nresource_limits: {enabled: sometimes}\n" + cluster, "w.yaml"));
        assertTrue(notBool.getMessage().contains("resource_limits.enabled: must be true or false"), notBool.getMessage());
    }

    @Test
    void singleNodeDefaults() throws Exception {
        ServerConfig c = ConfigLoader.loadServer("data_dir: /d\ncluster:\n  mode: single-node\n", "s.yaml", null);
        assertInstanceOf(HostPort.class, c.apiAddr());
        assertEquals(3669, c.apiAddr().port());
    }

    @Test
    void gcBlockDefaultsAndOverrides() throws Exception {
        assertEquals(ServerConfig.Gc.DEFAULTS, ConfigLoader.loadServer(GOOD, "server.yaml", null).gc());
        assertEquals(new ServerConfig.Gc(14_400, 3_600, 86_400, 3_600, 300), ServerConfig.Gc.DEFAULTS);
        ServerConfig c = ConfigLoader.loadServer(GOOD + "gc: {job_after: 600, alloc_after: 0, node_after: 7200, token_after: 60, interval: 30}\n",
                "server.yaml", null);
        assertEquals(new ServerConfig.Gc(600, 0, 7200, 60, 30), c.gc());
        ServerConfig partial = ConfigLoader.loadServer(GOOD + "gc:\n  job_after: 60\n", "server.yaml", null);
        assertEquals(new ServerConfig.Gc(60, 3_600, 86_400, 3_600, 300), partial.gc());
        // The older constructors keep working and take the defaults.
        assertEquals(ServerConfig.Gc.DEFAULTS, ServerConfig.dev(Path.of("/tmp/d"), 1, 2, 3).gc());
        assertEquals(new ServerConfig.Gc(1, 2, 3, 4, 5), ServerConfig.dev(Path.of("/tmp/d"), 1, 2, 3).withGc(new ServerConfig.Gc(1, 2, 3, 4, 5))
                .withDataDir(Path.of("/tmp/e")).gc());
    }

    @Test
    void gcBlockIsStrictWithPathAndLine() {
        String msg = problem(GOOD + "gc:\n  job_after: -1\n  interval: 0\n  alloc_after: soon\n  node_aftr: 5\n");
        assertTrue(msg.contains("gc.job_after: must be between 0 and 31622400, got -1 (line 17"), msg);
        assertTrue(msg.contains("gc.interval: must be between 1 and 86400, got 0 (line 18"), msg);
        assertTrue(msg.contains("gc.alloc_after: must be a whole number, got 'soon' (line 19"), msg);
        assertTrue(msg.contains("gc.node_aftr: unknown field (did you mean 'node_after'?) (line 20"), msg);
        assertTrue(problem(GOOD + "gc: 5\n").contains("gc: must be a mapping (line 16"), problem(GOOD + "gc: 5\n"));
    }

    @Test
    void metricsBlockDefaultsAndPublic() throws Exception {
        assertEquals(ServerConfig.Metrics.DEFAULTS, ConfigLoader.loadServer(GOOD, "server.yaml", null).metrics());
        assertEquals(false, ServerConfig.Metrics.DEFAULTS.publicEndpoint(), "the endpoint needs a token by default");
        assertEquals(true, ConfigLoader.loadServer(GOOD + "metrics: {public: true}\n", "server.yaml", null).metrics().publicEndpoint());
        assertEquals(false, ConfigLoader.loadServer(GOOD + "metrics:\n  public: false\n", "server.yaml", null).metrics().publicEndpoint());
        assertEquals(ServerConfig.Metrics.DEFAULTS, ConfigLoader.loadServer(GOOD + "metrics: {}\n", "server.yaml", null).metrics());
        // The copies keep it, and the older constructors take the default.
        ServerConfig c = ConfigLoader.loadServer(GOOD + "metrics: {public: true}\n", "server.yaml", null);
        assertEquals(true, c.withDataDir(Path.of("/tmp/e")).withGc(ServerConfig.Gc.DEFAULTS).withTls(ServerTls.NONE).metrics().publicEndpoint());
        assertEquals(ServerConfig.Metrics.DEFAULTS, ServerConfig.dev(Path.of("/tmp/d"), 1, 2, 3).metrics());
    }

    @Test
    void operationsBlockSetsTheQueueLimitsStrictly() throws Exception {
        assertEquals(ServerConfig.Operations.DEFAULTS, ConfigLoader.loadServer(GOOD, "server.yaml", null).operations());
        assertEquals(new ServerConfig.Operations(2, 0),
                ConfigLoader.loadServer(GOOD + "operations: {max_concurrent: 2, max_pending: 0}\n", "server.yaml", null).operations());
        assertEquals(new ServerConfig.Operations(3, 100),
                ConfigLoader.loadServer(GOOD + "operations: {max_concurrent: 3}\n", "server.yaml", null).operations(), "an absent key keeps its default");
        String msg = problem(GOOD + "operations:\n  max_concurrent: 0\n  max_pendng: 4\n");
        assertTrue(msg.contains("operations.max_concurrent:") && msg.contains("(line 17"), msg);
        assertTrue(msg.contains("operations.max_pendng: unknown field (did you mean 'max_pending'?) (line 18"), msg);
    }

    @Test
    void metricsBlockIsStrictWithPathAndLine() {
        String msg = problem(GOOD + "metrics:\n  public: yes please\n");
        assertTrue(msg.contains("metrics.public: must be true or false, got 'yes please' (line 17"), msg);
        msg = problem(GOOD + "metrics:\n  public: 1\n  publik: true\n");
        assertTrue(msg.contains("metrics.public: must be true or false, got '1' (line 17"), msg);
        assertTrue(msg.contains("metrics.publik: unknown field (did you mean 'public'?) (line 18"), msg);
        assertTrue(problem(GOOD + "metrics: true\n").contains("metrics: must be a mapping (line 16"), problem(GOOD + "metrics: true\n"));
        assertTrue(problem(GOOD + "metric: {public: true}\n").contains("metric: unknown field (did you mean 'metrics'?)"),
                problem(GOOD + "metric: {public: true}\n"));
    }
}
