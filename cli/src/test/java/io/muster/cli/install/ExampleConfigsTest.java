package io.muster.cli.install;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.muster.types.config.ConfigLoader;
import io.muster.types.config.HostPort;
import io.muster.types.config.Peer;
import io.muster.types.config.ServerConfig;
import io.muster.types.config.WorkerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Every configuration shipped in deploy/ loads with the same loader the daemons use. */
class ExampleConfigsTest {
    static final Path DEPLOY = InstallFixture.repo().resolve("deploy");

    static List<Path> yamlUnder(Path dir) throws Exception {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3, 5, 7})
    void serverExamplesFormOneConsistentClusterOfEachSize(int n) throws Exception {
        Path dir = DEPLOY.resolve("examples/" + n + (n == 1 ? "-server" : "-servers"));
        List<Path> files = yamlUnder(dir);
        assertEquals(n, files.size(), "one file per server in " + dir);
        Set<Integer> ids = new HashSet<>();
        List<Peer> firstPeers = null;
        Set<HostPort> grpc = new HashSet<>();
        for (Path f : files) {
            ServerConfig sc = ConfigLoader.loadServerFile(f, null);
            assertTrue(sc.warnings().isEmpty(), f + ": " + sc.warnings());
            assertEquals(Path.of("/var/lib/muster"), sc.dataDir());
            assertEquals(n, sc.peers().size(), f.toString());
            if (firstPeers == null) firstPeers = sc.peers();
            assertEquals(firstPeers, sc.peers(), f + " must list the same peers as the others");
            assertTrue(ids.add(sc.serverId()), f + " repeats node_id " + sc.serverId());
            assertEquals(sc.self().apiAddr().host(), sc.workerGrpcAddr().host(), f + ": worker gRPC on the server's own address");
            grpc.add(sc.workerGrpcAddr());
        }
        assertEquals(n, grpc.size());
    }

    @Test
    void workerExampleLoads() throws Exception {
        WorkerConfig wc = ConfigLoader.loadWorkerFile(DEPLOY.resolve("examples/worker.yaml"));
        assertEquals(3, wc.servers().size());
        assertEquals(Path.of("/etc/muster/worker.token"), wc.tokenFile());
        assertFalse(wc.labels().isEmpty());
        // The worker example points at the 3-server example's gRPC addresses.
        List<HostPort> expected = new ArrayList<>();
        for (Path f : yamlUnder(DEPLOY.resolve("examples/3-servers"))) expected.add(ConfigLoader.loadServerFile(f, null).workerGrpcAddr());
        assertEquals(expected, wc.servers());
    }

    @Test
    void bareClusterModeExampleLoadsWithADataDir() throws Exception {
        ServerConfig sc = ConfigLoader.loadServerFile(DEPLOY.resolve("examples/cluster_mode.yaml"), Path.of("/var/lib/muster"));
        assertEquals(1, sc.serverId());
        assertEquals(3, sc.peers().size());
    }

    @Test
    void composeConfigsLoad() throws Exception {
        Set<Integer> ids = new HashSet<>();
        for (int i = 1; i <= 3; i++) {
            ServerConfig sc = ConfigLoader.loadServerFile(DEPLOY.resolve("compose/server-" + i + ".yaml"), null);
            assertTrue(ids.add(sc.serverId()));
            assertEquals("server" + i, sc.self().apiAddr().host());
            assertTrue(sc.warnings().isEmpty(), sc.warnings().toString());
        }
        WorkerConfig wc = ConfigLoader.loadWorkerFile(DEPLOY.resolve("compose/worker.yaml"));
        assertEquals(List.of(HostPort.parse("server1:3670"), HostPort.parse("server2:3670"), HostPort.parse("server3:3670")), wc.servers());
        String compose = Files.readString(DEPLOY.resolve("compose.yaml"));
        for (String mounted : List.of("./compose/server-1.yaml", "./compose/server-2.yaml", "./compose/server-3.yaml", "./compose/worker.yaml")) {
            assertTrue(compose.contains(mounted), "compose.yaml does not mount " + mounted);
        }
    }

    /** compose.yaml hangs together: services, mounted files and scripts that exist, volumes that are declared. */
    @Test
    @SuppressWarnings("unchecked")
    void composeFileIsConsistent() throws Exception {
        Map<String, Object> compose = new org.yaml.snakeyaml.Yaml().load(Files.readString(DEPLOY.resolve("compose.yaml")));
        Map<String, Object> services = (Map<String, Object>) compose.get("services");
        assertEquals(Set.of("server1", "server2", "server3", "bootstrap", "worker"), services.keySet());
        Set<String> volumes = ((Map<String, Object>) compose.get("volumes")).keySet();
        for (var svc : services.entrySet()) {
            Map<String, Object> s = (Map<String, Object>) svc.getValue();
            assertEquals("${MUSTER_IMAGE:-muster:local}", s.get("image"), svc.getKey() + " (merge key resolved)");
            for (Object v : (List<Object>) s.get("volumes")) {
                String source = v.toString().split(":")[0];
                if (source.startsWith("./")) assertTrue(Files.isRegularFile(DEPLOY.resolve(source)), svc.getKey() + " mounts missing " + source);
                else if (!source.startsWith("/")) assertTrue(volumes.contains(source), svc.getKey() + " uses undeclared volume " + source);
            }
        }
        // Servers start through compose/server.sh: server1 runs `muster server init` once, the others read its secret.
        assertTrue(Files.isRegularFile(DEPLOY.resolve("compose/server.sh")));
        for (int i = 1; i <= 3; i++) {
            Map<String, Object> server = (Map<String, Object>) services.get("server" + i);
            assertEquals(List.of("bash", "/opt/muster/deploy/compose/server.sh"), server.get("entrypoint"));
            Map<String, Object> env = (Map<String, Object>) server.get("environment");
            if (i == 1) assertEquals("1", env.get("MUSTER_INIT"));
            else {
                assertEquals("/server1/cluster.secret", env.get("MUSTER_SECRET_FILE"));
                assertTrue(((List<Object>) server.get("volumes")).contains("server1-data:/server1:ro"), "server" + i + " reads server1's secret");
            }
        }
        Map<String, Object> worker = (Map<String, Object>) services.get("worker");
        assertTrue(((List<Object>) worker.get("volumes")).stream().noneMatch(v -> v.toString().startsWith("server1-data")),
                "workers never see the cluster secret");
        List<String> entry = (List<String>) ((Map<String, Object>) services.get("bootstrap")).get("entrypoint");
        assertTrue(entry.get(1).startsWith("/opt/muster/deploy/"), entry.toString());
        assertTrue(Files.isRegularFile(DEPLOY.resolve(entry.get(1).substring("/opt/muster/deploy/".length()))), "bootstrap script " + entry);
        String dockerfile = Files.readString(DEPLOY.resolve("Dockerfile"));
        assertTrue(dockerfile.contains("ARG BASE\nFROM ${BASE}\n") && dockerfile.contains("COPY deploy/ /opt/muster/deploy/"), dockerfile);
    }

    @Test
    void everyYamlInDeployIsCoveredAbove() throws Exception {
        // A new example must come with a loading test: list them all here so none slips through.
        Set<String> covered = new HashSet<>(List.of("compose.yaml", "compose/server-1.yaml", "compose/server-2.yaml",
                "compose/server-3.yaml", "compose/worker.yaml", "examples/worker.yaml", "examples/cluster_mode.yaml"));
        for (Path f : yamlUnder(DEPLOY)) {
            String rel = DEPLOY.relativize(f).toString();
            if (rel.startsWith("target/") || rel.matches("examples/[1357]-servers?/server(-\\d)?\\.yaml")) continue;
            assertTrue(covered.contains(rel), rel + " is not checked by ExampleConfigsTest");
        }
    }
}
