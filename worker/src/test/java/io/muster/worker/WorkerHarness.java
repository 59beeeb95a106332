package io.muster.worker;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.muster.proto.AllocState;
import io.muster.proto.AllocStatus;
import io.muster.proto.Allocation;
import io.muster.types.config.HostPort;
import io.muster.types.config.WorkerConfig;
import io.muster.worker.driver.ExecDriver;
import io.muster.worker.driver.OutputBuffer;
import io.muster.worker.fake.FakeCluster;
import io.muster.worker.fake.FakeServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** A fake cluster of one or more servers, workers started against it, and clean-up of everything they leave. */
final class WorkerHarness implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    final FakeCluster cluster = new FakeCluster();
    final List<FakeServer> servers = new ArrayList<>();
    final Path dataDir;
    private final List<WorkerDaemon> daemons = new ArrayList<>();

    WorkerHarness(Path dataDir, int serverCount) throws IOException {
        this.dataDir = dataDir;
        for (int i = 1; i <= serverCount; i++) {
            servers.add(new FakeServer(cluster, "s" + i, this::advertised));
        }
    }

    /** Live servers' addresses, as the real servers advertise worker_grpc_addr. */
    private List<String> advertised() {
        return servers.stream().filter(FakeServer::alive).map(s -> s.address().toString()).toList();
    }

    WorkerConfig config(String token) {
        return config(token, Map.of());
    }

    WorkerConfig config(String token, Map<String, String> labels) {
        List<HostPort> addresses = servers.stream().map(FakeServer::address).toList();
        return new WorkerConfig(dataDir, addresses, token, null, null, labels);
    }

    WorkerOptions options() {
        return WorkerOptions.defaults()
                .withClock(cluster.clock)
                .withDrivers(root -> List.of(new ExecDriver(new ExecDriver.Config(root, OutputBuffer.DEFAULT_CAPACITY,
                        OutputBuffer.DEFAULT_MAX_LOG_FILE_BYTES, Duration.ofMillis(20)))))
                .withVersion("test")
                .withPollWaitSecs(2)
                .withStopGrace(Duration.ofSeconds(2))
                .withBackoff(Duration.ofMillis(20), Duration.ofMillis(300))
                .withCallTimeout(Duration.ofSeconds(3))
                .withStatusBatchDelay(Duration.ofMillis(20))
                .withRenewalCheckInterval(Duration.ofMillis(50));
    }

    WorkerDaemon daemon(WorkerConfig config) {
        return daemon(config, options());
    }

    WorkerDaemon daemon(WorkerConfig config, WorkerOptions options) {
        WorkerDaemon d = new WorkerDaemon(config, options);
        daemons.add(d);
        return d;
    }

    /** Starts a worker and waits until it runs (registered or identity reused, loops started). */
    WorkerDaemon startRunning(String token) {
        WorkerDaemon d = daemon(config(token));
        d.start();
        awaitRunning(d);
        return d;
    }

    static void awaitRunning(WorkerDaemon d) {
        Await.until("the worker to run", () -> d.status().state() == WorkerDaemon.State.RUNNING
                || d.status().state() == WorkerDaemon.State.FAILED, () -> d.status().toString());
        if (d.status().state() == WorkerDaemon.State.FAILED) {
            throw new AssertionError("worker failed: " + d.status().failure());
        }
    }

    // ---- allocations ----

    static Allocation alloc(String id, String jobType, String groupJson) {
        return Allocation.newBuilder().setId(id).setJobId("job-" + id).setGroup("web").setIndex(3)
                .setJobType(jobType).setGroupSpecJson(ByteString.copyFromUtf8(groupJson)).build();
    }

    /** A group of one exec task running {@code sh -c script}. */
    static String shGroup(String script, int attempts) {
        Map<String, Object> task = new LinkedHashMap<>();
        task.put("name", "main");
        task.put("driver", "exec");
        task.put("command", "sh");
        task.put("args", List.of("-c", script));
        task.put("env", Map.of("GREETING", "hello"));
        task.put("resources", Map.of("cpu", 100, "memory", 64));
        task.put("network", false);
        task.put("some_future_field", "ignored");
        Map<String, Object> group = new LinkedHashMap<>();
        group.put("name", "web");
        group.put("count", 1);
        group.put("tasks", List.of(task));
        group.put("restart", Map.of("attempts", attempts, "delay", 0, "max_delay", 0, "mode", "fail"));
        try {
            return JSON.writeValueAsString(group);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    AllocStatus awaitState(String allocId, AllocState state) {
        Await.until("alloc " + allocId + " to be reported " + state, () -> {
            AllocStatus s = cluster.latestStatus(allocId);
            return s != null && s.getState() == state;
        }, () -> "latest: " + cluster.latestStatus(allocId));
        return cluster.latestStatus(allocId);
    }

    boolean everReported(String allocId, AllocState state) {
        return cluster.statusHistory.stream().anyMatch(s -> s.getAllocId().equals(allocId) && s.getState() == state);
    }

    @Override
    public void close() throws Exception {
        daemons.forEach(WorkerDaemon::close);
        for (FakeServer s : servers) {
            s.close();
        }
        killLeftoverTasks();
    }

    /** Closing a worker leaves its tasks running (by design); tests must not leave processes behind. */
    private void killLeftoverTasks() throws IOException {
        Path allocRoot = dataDir.resolve("allocs");
        if (!Files.isDirectory(allocRoot)) {
            return;
        }
        try (ExecDriver driver = new ExecDriver(ExecDriver.Config.defaults(allocRoot));
             Stream<Path> dirs = Files.list(allocRoot)) {
            for (Path dir : dirs.toList()) {
                driver.recover(dir.getFileName().toString()).ifPresent(h -> {
                    h.stop(Duration.ZERO);
                    Await.get(h.result(), "leftover task " + dir + " to die");
                });
            }
        }
    }
}
