package io.muster.worker.driver;

import static io.muster.worker.driver.DockerDriver.LABEL_ALLOC_ID;
import static io.muster.worker.driver.DockerDriver.LABEL_JOB_ID;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.HostConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Against a real engine with the local image muster-test/busybox:1 (see .ci/setup-docker.sh). */
class DockerDriverTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    /** Every container of this run carries this job id, so clean-up by label catches them all. */
    private static final String JOB = "driver-test-" + UUID.randomUUID().toString().substring(0, 8);

    private static DockerClient docker;
    private static Optional<String> problem = Optional.of("not probed");
    private DockerDriver driver;

    @TempDir
    Path allocDir;

    @BeforeAll
    static void engine() {
        docker = DockerTestEnv.client();
        problem = DockerTestEnv.problem(docker);
        DockerTestEnv.failIfRequired(problem);
    }

    @AfterAll
    static void closeEngine() throws IOException {
        if (docker != null) {
            if (problem.isEmpty()) {
                DockerTestEnv.removeAll(docker, LABEL_JOB_ID, JOB);
            }
            docker.close();
        }
    }

    @BeforeEach
    void setUp() {
        DockerTestEnv.skipIf(problem);
        driver = new DockerDriver(DockerDriver.Config.defaults());
        DriverAvailability availability = driver.probe();
        assertTrue(availability.usable(), availability.detail());
    }

    @AfterEach
    void tearDown() {
        if (driver == null) {
            return;
        }
        driver.close();
        DockerTestEnv.removeAll(docker, LABEL_JOB_ID, JOB); // even when the test failed half-way
    }

    private static String alloc(String name) {
        return JOB + "-" + name;
    }

    private TaskRequest.Builder task(String name, String command, String... args) {
        return TaskRequest.builder(alloc(name)).jobId(JOB).group("g").taskName(name)
                .image(DockerTestEnv.IMAGE).command(command).args(args);
    }

    private static int containerCount(String allocId) {
        return DockerTestEnv.containers(docker, LABEL_ALLOC_ID, allocId).size();
    }

    @Test
    void capturesDemultiplexedOutputAndExitCodeThenRemovesTheContainer() throws IOException {
        TaskHandle h = driver.start(task("out", "sh", "-c", "echo out; echo err >&2; echo $MUSTER_ALLOC_ID $GREETING")
                .env("GREETING", "hi").workDir(allocDir).build());
        TaskResult r = TestWait.result(h, WAIT);
        assertTrue(r.success(), r.toString());
        assertEquals("out\n" + alloc("out") + " hi\n", h.output().stdout().tailString(4096));
        assertEquals("err\n", h.output().stderr().tailString(4096));
        assertFalse(r.finishedAt().isBefore(r.startedAt()));
        assertEquals(64, h.taskId().length(), "taskId is the container id");
        // Mirrored to the alloc dir so it survives the worker.
        assertEquals("err\n", Files.readString(allocDir.resolve(OutputBuffer.STDERR_FILE)));
        assertTrue(Files.readString(allocDir.resolve(OutputBuffer.STDOUT_FILE)).startsWith("out\n"));
        assertEquals(0, containerCount(alloc("out")), "exited container removed after its result was collected");
    }

    @Test
    void secretsArriveAsEnvAndAReadOnlyFileAndTheOutputIsRedacted() throws IOException {
        String db = "docker-db-" + Long.toHexString(System.nanoTime());
        String key = "docker-key-" + Long.toHexString(System.nanoTime());
        TaskSecrets secrets = new TaskSecrets(java.util.List.of(
                new TaskSecrets.Secret("db", db.getBytes(java.nio.charset.StandardCharsets.UTF_8), "DB", null, false),
                new TaskSecrets.Secret("key", key.getBytes(java.nio.charset.StandardCharsets.UTF_8), null, "/run/secrets/tls.key", false)));
        TaskHandle h = driver.start(task("secrets", "sh", "-c", "echo env $DB; echo half-${DB%??}; printf %s ${DB#${DB%??}}; echo; "
                + "cat /run/secrets/tls.key; echo; stat -c %a /run/secrets/tls.key; (echo x > /run/secrets/tls.key) 2>/dev/null || echo read-only; "
                + "echo err $DB >&2").workDir(allocDir).secrets(secrets).build());
        TaskResult r = TestWait.result(h, WAIT);
        assertTrue(r.success(), r + " " + h.output().stderr().tailString(4096));
        String out = h.output().stdout().tailString(4096);
        assertTrue(out.startsWith("env [redacted:db]\n"), out);
        assertTrue(out.contains("[redacted:key]\n400\nread-only\n"), out);
        assertEquals("err [redacted:db]\n", h.output().stderr().tailString(4096));
        for (Path f : List.of(allocDir.resolve(OutputBuffer.STDOUT_FILE), allocDir.resolve(OutputBuffer.STDERR_FILE))) {
            String text = Files.readString(f);
            assertFalse(text.contains(db) || text.contains(key), f + ": " + text);
        }
        assertFalse(out.contains(db) || out.contains(key), out);
        assertFalse(Files.exists(allocDir.resolve(SecretFiles.DIR)), "the secret files are gone with the task");
    }

    @Test
    void aContainerThatReceivedSecretsIsNotReattachedByANewWorker() {
        TaskSecrets secrets = new TaskSecrets(java.util.List.of(
                new TaskSecrets.Secret("db", "v".repeat(12).getBytes(java.nio.charset.StandardCharsets.UTF_8), "DB", null, false)));
        TaskHandle h = driver.start(task("noreattach", "sleep", "300").workDir(allocDir).secrets(secrets).build());
        TestWait.until(() -> containerCount(alloc("noreattach")) == 1, WAIT, "container running");
        driver.close(); // the worker goes; the container keeps running
        driver = new DockerDriver(DockerDriver.Config.defaults());
        TaskHandle recovered = driver.recover(alloc("noreattach")).orElseThrow();
        TaskResult r = TestWait.result(recovered, WAIT);
        assertEquals(TaskResult.Outcome.LOST, r.outcome(), r.toString());
        assertTrue(r.message().contains("not re-attached"), r.message());
        assertEquals(0, containerCount(alloc("noreattach")), "removed, so the restart policy runs it again with fetched values");
    }

    @Test
    void reportsNonZeroExit() {
        TaskResult r = TestWait.result(driver.start(task("exit3", "sh", "-c", "exit 3").build()), WAIT);
        assertEquals(TaskResult.Outcome.EXITED, r.outcome());
        assertEquals(3, r.exitCode());
        assertTrue(r.message().contains("3"), r.message());
    }

    @Test
    void timeoutStopsTheContainer() {
        TaskHandle h = driver.start(task("timeout", "sleep", "300")
                .timeout(Duration.ofSeconds(1)).killGrace(Duration.ofSeconds(2)).build());
        TaskResult r = TestWait.result(h, WAIT);
        assertEquals(TaskResult.Outcome.TIMED_OUT, r.outcome(), r.toString());
        assertEquals(128 + 15, r.exitCode(), "SIGTERM, forwarded by the init, ended it before the grace");
        assertTrue(Duration.between(r.startedAt(), r.finishedAt()).compareTo(Duration.ofMillis(900)) >= 0, r.toString());
        assertEquals(0, containerCount(alloc("timeout")));
    }

    @Test
    void runningContainerIsSandboxed() {
        TaskHandle h = driver.start(task("sandbox", "sh", "-c", "echo ready; exec sleep 300")
                .cpu(500).memoryMb(64).build());
        TestWait.outputContains(h, "ready", WAIT);
        InspectContainerResponse c = docker.inspectContainerCmd(h.taskId()).exec();
        assertTrue(c.getState().getRunning());
        HostConfig hc = c.getHostConfig();
        assertEquals("none", hc.getNetworkMode());
        assertTrue(Arrays.asList(hc.getCapDrop()).contains(Capability.ALL), Arrays.toString(hc.getCapDrop()));
        assertTrue(hc.getCapAdd() == null || hc.getCapAdd().length == 0);
        assertEquals(Boolean.TRUE, hc.getReadonlyRootfs());
        assertTrue(hc.getSecurityOpts().contains("no-new-privileges"), hc.getSecurityOpts().toString());
        assertFalse(Boolean.TRUE.equals(hc.getPrivileged()));
        assertEquals(64L << 20, hc.getMemory());
        assertEquals(64L << 20, hc.getMemorySwap());
        assertEquals(256L, hc.getPidsLimit());
        assertEquals(500_000_000L, hc.getNanoCPUs(), "500 MHz at 1000 MHz per core = half a CPU");
        assertEquals(500, hc.getCpuShares());
        assertNotNull(hc.getTmpFs().get("/tmp"));
        assertEquals(Map.of(
                        DockerDriver.LABEL_MANAGED, "true", LABEL_ALLOC_ID, alloc("sandbox"), LABEL_JOB_ID, JOB,
                        DockerDriver.LABEL_GROUP, "g", DockerDriver.LABEL_TASK, "sandbox"),
                filterMusterIdentity(c.getConfig().getLabels()));
        assertEquals("/muster-" + alloc("sandbox"), c.getName());

        h.stop(Duration.ZERO);
        TaskResult r = TestWait.result(h, WAIT);
        assertEquals(TaskResult.Outcome.STOPPED, r.outcome(), r.toString());

        TaskHandle net = driver.start(task("net", "sleep", "300").network(true).build());
        assertEquals("bridge", docker.inspectContainerCmd(net.taskId()).exec().getHostConfig().getNetworkMode());
        net.stop(Duration.ZERO);
        assertTrue(TestWait.result(net, WAIT).stopped());
    }

    private static Map<String, String> filterMusterIdentity(Map<String, String> labels) {
        return Map.of(
                DockerDriver.LABEL_MANAGED, labels.get(DockerDriver.LABEL_MANAGED),
                LABEL_ALLOC_ID, labels.get(LABEL_ALLOC_ID),
                LABEL_JOB_ID, labels.get(LABEL_JOB_ID),
                DockerDriver.LABEL_GROUP, labels.get(DockerDriver.LABEL_GROUP),
                DockerDriver.LABEL_TASK, labels.get(DockerDriver.LABEL_TASK));
    }

    @Test
    void aFreshDriverReattachesToTheRunningContainerInsteadOfStartingAnother() {
        TaskRequest request = task("recover", "sh", "-c", "echo started; exec sleep 300").workDir(allocDir).build();
        TaskHandle first = driver.start(request);
        TestWait.outputContains(first, "started", WAIT);
        driver.close(); // worker restart: the container must keep running
        assertEquals(TaskResult.Outcome.DETACHED, TestWait.result(first, WAIT).outcome());
        assertTrue(docker.inspectContainerCmd(first.taskId()).exec().getState().getRunning());

        driver = new DockerDriver(DockerDriver.Config.defaults());
        TaskHandle recovered = driver.recover(alloc("recover")).orElseThrow();
        assertEquals(first.taskId(), recovered.taskId());
        assertFalse(recovered.result().isDone());
        TestWait.outputContains(recovered, "started", WAIT); // replayed from the engine's log
        TaskHandle again = driver.start(request);
        assertEquals(first.taskId(), again.taskId(), "start of a running alloc re-attaches");
        assertEquals(1, containerCount(alloc("recover")), "no second container");

        // And a third driver instance whose first call is start(): still no duplicate.
        DockerDriver third = new DockerDriver(DockerDriver.Config.defaults());
        try {
            assertEquals(first.taskId(), third.start(request).taskId());
            assertEquals(1, containerCount(alloc("recover")));
        } finally {
            third.close();
        }

        recovered.stop(Duration.ofSeconds(1));
        TaskResult r = TestWait.result(recovered, WAIT);
        assertEquals(TaskResult.Outcome.STOPPED, r.outcome(), r.toString());
        assertEquals(0, containerCount(alloc("recover")));
        assertTrue(driver.recover(alloc("recover")).isEmpty());
    }

    @Test
    void recoverReportsAContainerThatEndedWhileTheWorkerWasAway() {
        TaskHandle first = driver.start(task("ended", "sleep", "300").build());
        driver.close();
        docker.killContainerCmd(first.taskId()).exec(); // dies while no driver watches
        TestWait.until(() -> !docker.inspectContainerCmd(first.taskId()).exec().getState().getRunning(), WAIT,
                "the container to die");

        driver = new DockerDriver(DockerDriver.Config.defaults());
        Optional<TaskHandle> recovered = driver.recover(alloc("ended"));
        TaskResult r = TestWait.result(recovered.orElseThrow(), WAIT);
        assertEquals(TaskResult.Outcome.EXITED, r.outcome());
        assertEquals(128 + 9, r.exitCode());
        assertTrue(r.message().contains("no worker watched"), r.message());
        assertEquals(0, containerCount(alloc("ended")));
    }

    @Test
    void missingImageFailsTheStartNamingTheImage() {
        TaskHandle h = driver.start(task("noimage", "true").image("muster-test/not-here:0").build());
        TaskResult r = TestWait.result(h, WAIT);
        assertEquals(TaskResult.Outcome.FAILED_TO_START, r.outcome());
        assertTrue(r.message().contains("muster-test/not-here:0"), r.message());
        assertEquals(0, containerCount(alloc("noimage")));
    }

    @Test
    void missingCommandInTheImageFailsTheStart() {
        TaskResult r = TestWait.result(driver.start(task("nocmd", "no-such-binary").build()), WAIT);
        assertEquals(TaskResult.Outcome.FAILED_TO_START, r.outcome());
        assertTrue(r.message().contains("no-such-binary"), r.message());
        assertEquals(0, containerCount(alloc("nocmd")), "the container that could not start was removed");
    }
}
