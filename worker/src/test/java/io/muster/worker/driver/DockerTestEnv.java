package io.muster.worker.driver;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.zerodep.ZerodepDockerHttpClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The Docker engine the tests talk to directly (to inspect what the driver made). Without an
 * engine or the test image the tests skip, unless MUSTER_DOCKER_REQUIRED=1 (CI), where they fail.
 */
final class DockerTestEnv {

    static final String IMAGE = "muster-test/busybox:1";

    private DockerTestEnv() {}

    static DockerClient client() {
        DefaultDockerClientConfig config = DefaultDockerClientConfig.createDefaultConfigBuilder().build();
        return DockerClientImpl.getInstance(config, new ZerodepDockerHttpClient.Builder()
                .dockerHost(config.getDockerHost())
                .sslConfig(config.getSSLConfig())
                .connectionTimeout(Duration.ofSeconds(10))
                .responseTimeout(Duration.ofSeconds(60))
                .build());
    }

    /** Why Docker tests cannot run here (no engine, no test image), or empty if they can. */
    static Optional<String> problem(DockerClient client) {
        try {
            client.pingCmd().exec();
        } catch (RuntimeException e) {
            return Optional.of("no Docker engine reachable at "
                    + DefaultDockerClientConfig.createDefaultConfigBuilder().build().getDockerHost()
                    + " (" + DockerDriver.rootMessage(e) + "); .ci/setup-docker.sh starts one");
        }
        try {
            client.inspectImageCmd(IMAGE).exec();
        } catch (NotFoundException e) {
            return Optional.of("the test image " + IMAGE + " is missing (.ci/setup-docker.sh builds it)");
        }
        return Optional.empty();
    }

    /** With MUSTER_DOCKER_REQUIRED=1 (CI) a missing engine is a failure, not a reason to skip. */
    static void failIfRequired(Optional<String> problem) {
        if (problem.isPresent() && "1".equals(System.getenv("MUSTER_DOCKER_REQUIRED"))) {
            fail("MUSTER_DOCKER_REQUIRED=1 but " + problem.get());
        }
    }

    /** Skips the calling test, naming the reason. */
    static void skipIf(Optional<String> problem) {
        assumeTrue(problem.isEmpty(), () -> "Docker test skipped: " + problem.orElse("")
                + " (set MUSTER_DOCKER_REQUIRED=1 to fail instead)");
    }

    static List<Container> containers(DockerClient client, String label, String value) {
        return client.listContainersCmd().withShowAll(true).withLabelFilter(Map.of(label, value)).exec();
    }

    static void removeAll(DockerClient client, String label, String value) {
        for (Container c : containers(client, label, value)) {
            try {
                client.removeContainerCmd(c.getId()).withForce(true).exec();
            } catch (NotFoundException alreadyGone) {
                // Removed by the driver meanwhile.
            }
        }
    }
}
