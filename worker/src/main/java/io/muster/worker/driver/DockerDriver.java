package io.muster.worker.driver;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.AccessMode;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Volume;
import com.github.dockerjava.api.model.Info;
import com.github.dockerjava.api.model.LogConfig;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.zerodep.ZerodepDockerHttpClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a task as a Docker container through docker-java (engine at {@code DOCKER_HOST}, default
 * {@code unix:///var/run/docker.sock}).
 *
 * <p><b>Sandbox</b>, always applied: network mode {@code none} unless {@link TaskRequest#network()}
 * (then the default {@code bridge}); all capabilities dropped; read-only root filesystem with a
 * tmpfs at /tmp ({@link Config#tmpfsSize}); {@code no-new-privileges}; never privileged; a pids
 * limit ({@link Config#pidsLimit}); Docker's init as PID 1 so signals reach the task and zombies
 * are reaped; the json-file log bounded to 2 files of {@link Config#maxLogFileBytes}.
 * <b>Memory</b>: {@code memoryMb} MiB hard limit, with swap equal to it (no extra swap).
 * <b>CPU</b>: {@code cpu} is MHz-like; it becomes a hard cap of
 * {@code NanoCpus = cpu / cpuMhzPerCore} CPUs (clamped to [0.01, host CPUs]) plus
 * {@code CpuShares = cpu} (clamped to [2, 262144]) so that, under contention, tasks share CPU in
 * proportion to what they asked for. {@code cpu = 0} sets neither.
 *
 * <p><b>Identity</b>: the container is named {@code muster-<allocId>} and labelled
 * {@code io.muster.managed=true}, {@code io.muster.alloc_id}, {@code io.muster.job_id},
 * {@code io.muster.group}, {@code io.muster.task}, plus what recovery needs (log dir, timeout
 * deadline, kill grace). {@link #start} and {@link #recover} look the allocation's container up
 * by label first, so a running container is re-attached (log follow + wait), never duplicated.
 *
 * <p><b>Output</b>: the log stream is demultiplexed into the handle's {@link OutputBuffer} and,
 * when the request has a workDir, mirrored to {@code stdout.log}/{@code stderr.log} there. On
 * re-attach the engine's own log is replayed from the start, so the mirror files are rewritten
 * from it rather than appended to (no duplicates). Exited containers are removed once their
 * result is collected, unless {@link Config#removeExited} is false. Images are never pulled: a
 * missing image fails the start with a message naming it.
 */
public final class DockerDriver implements TaskDriver {

    private static final Logger log = LoggerFactory.getLogger(DockerDriver.class);
    public static final String NAME = "docker";

    public static final String LABEL_MANAGED = "io.muster.managed";
    public static final String LABEL_ALLOC_ID = "io.muster.alloc_id";
    public static final String LABEL_JOB_ID = "io.muster.job_id";
    public static final String LABEL_GROUP = "io.muster.group";
    public static final String LABEL_TASK = "io.muster.task";
    static final String LABEL_LOG_DIR = "io.muster.log_dir";
    static final String LABEL_DEADLINE = "io.muster.deadline_epoch_ms";
    static final String LABEL_TIMEOUT = "io.muster.timeout";
    static final String LABEL_KILL_GRACE = "io.muster.kill_grace_ms";
    /** Set on a container whose task received secrets: such a container is never re-attached (see {@link #attach}). */
    static final String LABEL_SECRETS = "io.muster.secrets";
    static final String CONTAINER_PREFIX = "muster-";

    /**
     * @param dockerHost engine address; null = {@code DOCKER_HOST} or the default Unix socket
     * @param outputBufferBytes in-memory output kept per stream
     * @param maxLogFileBytes bound of each mirror file and of each of the engine's two log files
     * @param pidsLimit maximum processes in a container
     * @param tmpfsSize size of the writable /tmp (Docker size syntax, e.g. "64m")
     * @param cpuMhzPerCore how many {@code cpu} units make one full core
     * @param removeExited remove containers once their result is collected
     * @param useInit run Docker's init (tini) as PID 1
     * @param clock wall clock: start and end times of tasks, the recorded timeout deadline
     */
    public record Config(String dockerHost, int outputBufferBytes, long maxLogFileBytes, long pidsLimit,
                         String tmpfsSize, int cpuMhzPerCore, boolean removeExited, boolean useInit, Clock clock) {
        public Config {
            Objects.requireNonNull(clock, "clock");
            if (outputBufferBytes <= 0 || maxLogFileBytes <= 0 || pidsLimit <= 0 || cpuMhzPerCore <= 0) {
                throw new IllegalArgumentException("buffer, log file size, pids limit and MHz per core must be > 0");
            }
        }

        /** With the system clock. */
        public Config(String dockerHost, int outputBufferBytes, long maxLogFileBytes, long pidsLimit,
                      String tmpfsSize, int cpuMhzPerCore, boolean removeExited, boolean useInit) {
            this(dockerHost, outputBufferBytes, maxLogFileBytes, pidsLimit, tmpfsSize, cpuMhzPerCore, removeExited,
                    useInit, Clock.systemUTC());
        }

        public static Config defaults() {
            return new Config(null, OutputBuffer.DEFAULT_CAPACITY, OutputBuffer.DEFAULT_MAX_LOG_FILE_BYTES, 256,
                    "64m", 1000, true, true);
        }

        public Config withClock(Clock c) {
            return new Config(dockerHost, outputBufferBytes, maxLogFileBytes, pidsLimit, tmpfsSize, cpuMhzPerCore,
                    removeExited, useInit, c);
        }
    }

    private final Config config;
    private final DockerClientConfig clientConfig;
    private final DockerClient client;
    private final ScheduledExecutorService scheduler;
    private final ExecutorService blocking;
    private final Map<String, DockerTaskHandle> active = new ConcurrentHashMap<>();
    private final Map<String, Object> allocLocks = new ConcurrentHashMap<>();
    private volatile Integer hostCpus;
    private volatile boolean closed;

    public DockerDriver(Config config) {
        this.config = config;
        DefaultDockerClientConfig.Builder b = DefaultDockerClientConfig.createDefaultConfigBuilder();
        if (config.dockerHost() != null) {
            b.withDockerHost(config.dockerHost());
        }
        this.clientConfig = b.build();
        // No response timeout: log-follow and wait requests legitimately stay open for the task's life.
        ZerodepDockerHttpClient http = new ZerodepDockerHttpClient.Builder()
                .dockerHost(clientConfig.getDockerHost())
                .sslConfig(clientConfig.getSSLConfig())
                .connectionTimeout(Duration.ofSeconds(10))
                .build();
        this.client = DockerClientImpl.getInstance(clientConfig, http);
        this.scheduler = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("docker-driver-timer").factory());
        this.blocking = Executors.newCachedThreadPool(Thread.ofPlatform().daemon().name("docker-driver-", 0).factory());
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public DriverAvailability probe() {
        try {
            client.pingCmd().exec();
            Info info = client.infoCmd().exec();
            hostCpus = info.getNCPU();
            return DriverAvailability.usable(NAME, "docker " + info.getServerVersion() + " at "
                    + clientConfig.getDockerHost() + ", " + info.getNCPU() + " CPUs");
        } catch (RuntimeException e) {
            return DriverAvailability.unusable(NAME, "docker engine not reachable at " + clientConfig.getDockerHost()
                    + ": " + rootMessage(e));
        }
    }

    static String containerName(String allocId) {
        return CONTAINER_PREFIX + allocId;
    }

    private Object lockFor(String allocId) {
        return allocLocks.computeIfAbsent(allocId, k -> new Object());
    }

    @Override
    public TaskHandle start(TaskRequest request) {
        checkOpen();
        String allocId = request.allocId();
        synchronized (lockFor(allocId)) {
            Instant attempted = config.clock().instant();
            DockerTaskHandle running = active.get(allocId);
            if (running != null && !running.isDone()) {
                return running;
            }
            if (request.image() == null || request.image().isBlank()) {
                return failed(request, "docker: task '" + request.taskName() + "' has no image", attempted);
            }
            try {
                Optional<Container> existing = findContainer(allocId);
                if (existing.isPresent() && "running".equals(existing.get().getState())) {
                    log.info("alloc {}: container {} already running, re-attached instead of starting another",
                            allocId, existing.get().getId());
                    return attach(existing.get(), null);
                }
                if (existing.isPresent()) {
                    // A finished (or never started) container of an earlier attempt: start means run anew.
                    removeQuietly(existing.get().getId());
                }
                try {
                    client.inspectImageCmd(request.image()).exec();
                } catch (NotFoundException e) {
                    return failed(request, "docker: image '" + request.image() + "' is not present on this node;"
                            + " images are not pulled from a registry, load it first (docker load / docker import)", attempted);
                }
                String id;
                try {
                    id = create(request);
                } catch (ConflictException e) {
                    // Someone created the name meanwhile (another worker instance): join it if it runs.
                    Optional<Container> raced = findContainer(allocId);
                    if (raced.isPresent() && "running".equals(raced.get().getState())) {
                        return attach(raced.get(), null);
                    }
                    return failed(request, "docker: container name " + containerName(allocId) + " is taken: "
                            + rootMessage(e), attempted);
                }
                try {
                    client.startContainerCmd(id).exec();
                } catch (RuntimeException e) {
                    removeQuietly(id);
                    return failed(request, "docker: cannot start container of image '" + request.image() + "': "
                            + rootMessage(e), attempted);
                }
                Instant startedAt = config.clock().instant();
                log.info("alloc {}: started container {} from {}", allocId, id, request.image());
                DockerTaskHandle.Watch watch = new DockerTaskHandle.Watch(allocId, id, startedAt,
                        request.hasTimeout() ? startedAt.plus(request.timeout()).toEpochMilli() : 0,
                        request.timeout(), request.killGrace(), null);
                return watch(watch, request.workDir(), false, request.secrets().redactor());
            } catch (RuntimeException e) {
                return failed(request, "docker: " + rootMessage(e), attempted);
            }
        }
    }

    @Override
    public Optional<TaskHandle> recover(String allocId) {
        checkOpen();
        TaskRequest.builder(allocId).build(); // same id rules as a request
        synchronized (lockFor(allocId)) {
            DockerTaskHandle running = active.get(allocId);
            if (running != null && !running.isDone()) {
                return Optional.of(running);
            }
            Optional<Container> existing;
            try {
                existing = findContainer(allocId);
            } catch (RuntimeException e) {
                // Not knowing is not the same as lost: the caller should retry, not reschedule.
                throw new IllegalStateException("docker: cannot look up the container of alloc " + allocId + ": "
                        + rootMessage(e), e);
            }
            if (existing.isEmpty()) {
                return Optional.empty();
            }
            boolean stillRunning = "running".equals(existing.get().getState());
            log.info("alloc {}: recovering container {} ({})", allocId, existing.get().getId(), existing.get().getState());
            return Optional.of(attach(existing.get(), stillRunning ? null
                    : "the container ended while no worker watched it"));
        }
    }

    /** Watches a container found by label, restoring timeout and log dir from its labels. */
    private TaskHandle attach(Container c, String note) {
        Map<String, String> labels = c.getLabels() == null ? Map.of() : c.getLabels();
        String allocId = labels.get(LABEL_ALLOC_ID);
        Instant startedAt = c.getCreated() != null ? Instant.ofEpochSecond(c.getCreated()) : config.clock().instant();
        if (labels.containsKey(LABEL_SECRETS)) {
            // A new worker process holds no secret values, so it could not redact this container's output (docker
            // replays it all): the container goes, and the restart policy runs the task again with fetched values.
            removeQuietly(c.getId());
            SecretFiles.remove(Path.of(labels.getOrDefault(LABEL_LOG_DIR, "/nonexistent")));
            return new CompletedTaskHandle(allocId, c.getId(), new TaskResult(TaskResult.Outcome.LOST, TaskResult.UNKNOWN_EXIT_CODE,
                    "docker: a container that received secrets is not re-attached after a worker restart (its output could not"
                            + " be redacted); removed", startedAt, config.clock().instant()), new OutputBuffer(1024));
        }
        Duration timeout = Duration.ZERO;
        try {
            timeout = Duration.parse(labels.getOrDefault(LABEL_TIMEOUT, "PT0S"));
        } catch (DateTimeParseException ignored) {
            // Foreign or old label: no timeout.
        }
        DockerTaskHandle.Watch watch = new DockerTaskHandle.Watch(allocId, c.getId(), startedAt,
                parseLong(labels.get(LABEL_DEADLINE)), timeout,
                Duration.ofMillis(parseLong(labels.getOrDefault(LABEL_KILL_GRACE, "5000"))), note);
        String logDir = labels.get(LABEL_LOG_DIR);
        return watch(watch, logDir == null || logDir.isEmpty() ? null : Path.of(logDir), true, SecretRedactor.NONE);
    }

    private TaskHandle watch(DockerTaskHandle.Watch watch, Path logDir, boolean replay, SecretRedactor redactor) {
        OutputBuffer output = logDir != null && Files.isDirectory(logDir)
                ? OutputBuffer.mirroredTo(logDir, config.outputBufferBytes(), config.maxLogFileBytes(), replay)
                : new OutputBuffer(config.outputBufferBytes());
        String allocId = watch.allocId();
        DockerTaskHandle handle = new DockerTaskHandle(watch, client, scheduler, blocking, config.removeExited(), output,
                () -> active.remove(allocId), config.clock(), redactor, () -> {
                    if (logDir != null) SecretFiles.remove(logDir);
                });
        active.put(allocId, handle);
        handle.begin();
        return handle;
    }

    private String create(TaskRequest r) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(LABEL_MANAGED, "true");
        labels.put(LABEL_ALLOC_ID, r.allocId());
        labels.put(LABEL_JOB_ID, r.jobId());
        labels.put(LABEL_GROUP, r.group());
        labels.put(LABEL_TASK, r.taskName());
        labels.put(LABEL_KILL_GRACE, Long.toString(r.killGrace().toMillis()));
        if (r.workDir() != null) {
            labels.put(LABEL_LOG_DIR, r.workDir().toAbsolutePath().normalize().toString());
        }
        if (r.hasTimeout()) {
            labels.put(LABEL_TIMEOUT, r.timeout().toString());
            // Provisional: the deadline counts from creation, a few ms before the start.
            labels.put(LABEL_DEADLINE, Long.toString(config.clock().instant().plus(r.timeout()).toEpochMilli()));
        }
        List<String> env = new ArrayList<>();
        env.add("MUSTER_ALLOC_ID=" + r.allocId());
        env.add("MUSTER_JOB_ID=" + r.jobId());
        env.add("MUSTER_GROUP=" + r.group());
        env.add("MUSTER_TASK=" + r.taskName());
        r.env().forEach((k, v) -> env.add(k + "=" + v));
        if (!r.secrets().isEmpty()) {
            labels.put(LABEL_SECRETS, Integer.toString(r.secrets().all().size()));
            r.secrets().env().forEach((k, v) -> env.add(k + "=" + v));
        }

        HostConfig hc = hostConfig(r);
        if (!r.secrets().files().isEmpty()) {
            if (r.workDir() == null) throw new IllegalArgumentException("secret files need the allocation directory");
            try {
                SecretFiles.Written w = SecretFiles.write(r.workDir(), r.secrets());
                List<Bind> binds = new ArrayList<>();
                for (TaskSecrets.Secret x : r.secrets().files())
                    binds.add(new Bind(w.dir().resolve(x.fileName()).toString(), new Volume(x.file()), AccessMode.ro));
                hc.withBinds(binds);
            } catch (java.io.IOException e) {
                throw new IllegalStateException("cannot write the task's secret files: " + e.getMessage(), e);
            }
        }
        var cmd = client.createContainerCmd(r.image())
                .withName(containerName(r.allocId()))
                .withLabels(labels)
                .withEnv(env)
                .withTty(false)
                .withHostConfig(hc);
        if (r.command() != null && !r.command().isBlank()) {
            List<String> argv = new ArrayList<>();
            argv.add(r.command());
            argv.addAll(r.args());
            cmd.withCmd(argv);
        } else if (!r.args().isEmpty()) {
            cmd.withCmd(r.args());
        }
        return cmd.exec().getId();
    }

    HostConfig hostConfig(TaskRequest r) {
        HostConfig hc = HostConfig.newHostConfig()
                .withNetworkMode(r.network() ? "bridge" : "none")
                .withCapDrop(Capability.ALL)
                .withPrivileged(false)
                .withReadonlyRootfs(true)
                .withTmpFs(Map.of("/tmp", "rw,nosuid,nodev,size=" + config.tmpfsSize()))
                .withSecurityOpts(List.of("no-new-privileges"))
                .withPidsLimit(config.pidsLimit())
                .withInit(config.useInit())
                .withLogConfig(new LogConfig(LogConfig.LoggingType.JSON_FILE,
                        Map.of("max-size", Long.toString(config.maxLogFileBytes()), "max-file", "2")));
        if (r.memoryMb() > 0) {
            long bytes = (long) r.memoryMb() << 20;
            hc.withMemory(bytes).withMemorySwap(bytes);
        }
        if (r.cpu() > 0) {
            hc.withNanoCPUs(nanoCpus(r.cpu())).withCpuShares(Math.max(2, Math.min(262_144, r.cpu())));
        }
        return hc;
    }

    /** cpu / cpuMhzPerCore CPUs, in units of 1e-9 CPU, clamped to what Docker accepts. */
    long nanoCpus(int cpu) {
        long requested = (long) cpu * 1_000_000_000L / config.cpuMhzPerCore();
        long max = (long) hostCpus() * 1_000_000_000L;
        return Math.max(10_000_000L, Math.min(requested, max));
    }

    private int hostCpus() {
        Integer n = hostCpus;
        if (n == null) {
            try {
                n = client.infoCmd().exec().getNCPU();
            } catch (RuntimeException e) {
                n = Runtime.getRuntime().availableProcessors();
            }
            hostCpus = n;
        }
        return n;
    }

    /** The allocation's container, running or not (newest first if somehow several). */
    private Optional<Container> findContainer(String allocId) {
        List<Container> found = client.listContainersCmd()
                .withShowAll(true)
                .withLabelFilter(Map.of(LABEL_MANAGED, "true", LABEL_ALLOC_ID, allocId))
                .exec();
        return found.stream()
                .sorted((a, b) -> Long.compare(b.getCreated() == null ? 0 : b.getCreated(), a.getCreated() == null ? 0 : a.getCreated()))
                .filter(c -> "running".equals(c.getState()))
                .findFirst()
                .or(() -> found.stream().findFirst());
    }

    private void removeQuietly(String containerId) {
        try {
            client.removeContainerCmd(containerId).withForce(true).exec();
        } catch (RuntimeException e) {
            log.debug("remove {}: {}", containerId, e.toString());
        }
    }

    private TaskHandle failed(TaskRequest request, String message, Instant attempted) {
        log.warn("alloc {}: {}", request.allocId(), message);
        return new CompletedTaskHandle(request.allocId(), "", TaskResult.failedToStart(message, attempted, config.clock().instant()),
                new OutputBuffer(1024));
    }

    private static long parseLong(String s) {
        try {
            return s == null ? 0 : Long.parseLong(s);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** docker-java wraps the engine's JSON error; the innermost message is the useful one. */
    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = t.getMessage() != null ? t.getMessage() : t.toString();
        int i = m.indexOf("{\"message\":\"");
        if (i >= 0) {
            int end = m.lastIndexOf("\"}");
            m = m.substring(i + 12, end > i ? end : m.length());
        }
        return m.strip();
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("docker driver is closed");
        }
    }

    /** Stops watching; containers keep running (see {@link TaskDriver#close()}). */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        active.values().forEach(DockerTaskHandle::detach);
        active.clear();
        try {
            client.close();
        } catch (IOException e) {
            log.debug("closing docker client", e);
        }
        scheduler.shutdownNow();
        blocking.shutdownNow();
    }
}
