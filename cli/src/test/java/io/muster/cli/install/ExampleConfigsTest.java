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
