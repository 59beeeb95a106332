package io.muster.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Builds the container image from the unpacked release with deploy/build-image.sh (base imported from this
 * machine's Java, as CI does without a registry) and runs the packaged code inside it. Needs a Docker engine:
 * skipped without one, failed without one when MUSTER_DOCKER_REQUIRED is set (CI).
 */
class ReleaseImageTest {
    record Result(int code, String output) {}

    static Result run(long timeoutSeconds, String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail(String.join(" ", cmd) + " did not finish within " + timeoutSeconds + " s:\n" + out);
        }
        return new Result(p.exitValue(), out);
    }

    static void requireDocker() throws Exception {
        Result info;
        try {
            info = run(60, "docker", "info");
        } catch (java.io.IOException e) {
            info = new Result(127, e.getMessage());
        }
        if (info.code() != 0) {
            if (System.getenv("MUSTER_DOCKER_REQUIRED") != null) fail("a Docker engine is required (MUSTER_DOCKER_REQUIRED) but `docker info` failed:\n" + info.output());
            Assumptions.abort("no Docker engine (`docker info` failed); the image test is skipped");
        }
    }

    @Test
    void imageBuiltFromTheReleaseRunsThePackagedCode(@TempDir Path tmp) throws Exception {
        requireDocker();
        String version = ReleaseTarballTest.required("muster.version");
        List<Tar.Entry> entries = Tar.read(Path.of(ReleaseTarballTest.required("muster.tarball")));
        Tar.unpack(entries, tmp);
        Path home = tmp.resolve("muster-" + version);
        long jars = entries.stream().filter(e -> e.name().startsWith("muster-" + version + "/lib/") && e.name().endsWith(".jar")).count();

        String tag = "muster-release-test:" + version + "-" + Integer.toHexString(ThreadLocalRandom.current().nextInt());
        Result build = run(900, "bash", home.resolve("deploy/build-image.sh").toString(), "--tag", tag);
        assertEquals(0, build.code(), build.output());
        try {
            // The image's own Java, found the way bin/muster finds it, and the release where the Dockerfile put it.
            Result layout = run(120, "docker", "run", "--rm", "--network", "none", "--entrypoint", "bash", tag, "-c",
                    "set -e; . /opt/muster/bin/java-env.sh; muster_pick_java; \"$JAVA\" -version 2>&1 | head -1; "
                            + "test -x /opt/muster/bin/muster; ls /opt/muster/lib/*.jar | wc -l; test -d /opt/muster/deploy/systemd");
            assertEquals(0, layout.code(), layout.output());
            assertTrue(layout.output().lines().anyMatch(l -> l.strip().equals(Long.toString(jars))), "lib/ jar count " + jars + ":\n" + layout.output());

            // A dedicated non-root user (not root, whatever the base image's default) in its own data directory.
            Result config = run(60, "docker", "image", "inspect", "--format", "{{.Config.User}}|{{.Config.WorkingDir}}", tag);
            assertEquals(0, config.code(), config.output());
            String[] userAndDir = config.output().strip().split("\\|", -1);
            String uid = userAndDir[0].split(":")[0];
            assertTrue(!uid.isEmpty() && !uid.equals("0") && !uid.equals("root"), "image user: " + config.output());
            assertEquals(DockerfileTest.DATA_DIR, userAndDir[1], "image working directory: " + config.output());
            Result who = run(120, "docker", "run", "--rm", "--network", "none", "--entrypoint", "bash", tag, "-c",
                    "set -e; id -u; pwd; touch probe && rm probe; mkdir -p worker/identity && rmdir worker/identity worker");
            assertEquals(0, who.code(), "the image user must be able to write its data directory:\n" + who.output());
            assertEquals(List.of(uid, DockerfileTest.DATA_DIR), who.output().strip().lines().toList(), who.output());

            // The packaged install command, loaded by the image's JVM from /opt/muster/lib (picocli's own entry point
            // reflects on it to generate a completion script, so no Muster main class is needed).
            Result loads = run(120, "docker", "run", "--rm", "--network", "none", "--entrypoint", "bash", tag, "-c",
                    "set -e; cd /tmp; java -cp '/opt/muster/lib/*' picocli.AutoComplete -n muster-worker-install "
                            + "io.muster.cli.install.WorkerInstallCommand; grep -c -- --token-file muster-worker-install_completion");
            assertEquals(0, loads.code(), loads.output());

            if (Files.exists(Path.of(ReleaseTarballTest.required("muster.repo"), "cli/src/main/java/io/muster/cli/Main.java"))) {
                Result help = run(120, "docker", "run", "--rm", "--network", "none", tag, "worker", "install", "--help");
                assertEquals(0, help.code(), help.output());
                assertTrue(help.output().contains("--token-file"), help.output());
            }
        } finally {
            run(120, "docker", "rmi", "-f", tag);
        }
    }
}
