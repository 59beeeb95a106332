package io.muster.worker.driver;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import io.muster.worker.driver.cgroup.CgroupUsage;
import io.muster.worker.driver.cgroup.Cgroups;
import io.muster.worker.driver.cgroup.TaskCgroup;
import io.muster.worker.driver.cgroup.TaskLimits;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a task as a plain child process (Linux only).
 *
 * <ul>
 *   <li><b>Isolation</b>: none beyond its own session and process group, created by launching the
 *       command through {@code setsid} (util-linux), which exec()s it so the task's pid is also its
 *       group id. Stop and timeout signal the whole group (TERM, then KILL after the grace), and
 *       when the task exits by itself, whatever it left running in its group is killed.</li>
 *   <li><b>Limits</b>: where the worker found usable cgroups ({@link Cgroups#detect}), each task runs in its own
 *       cgroup ({@code <parent>/<allocId>}) with {@code memoryMb} as a hard memory limit, {@code cpu} as its CPU
 *       weight and {@code pidsMax} as its process limit. The task joins the cgroup before its command runs: setsid
 *       starts {@code sh}, which writes its own pid into the cgroup and exec()s the command, so not one of the
 *       task's instructions or forks happens outside it. An OOM kill is told apart from any other SIGKILL by the
 *       cgroup's own counter, and when the task ends everything left in its cgroup is killed (a task that called
 *       setsid to leave its process group does not escape). Without cgroups none of this is enforced, which the
 *       worker logs at start and advertises in its node profile.</li>
 *   <li><b>Environment</b>: not inherited from the worker. The base is PATH (a fixed system
 *       path), HOME (= workDir), LANG=C.UTF-8 and MUSTER_ALLOC_ID, MUSTER_JOB_ID, MUSTER_GROUP,
 *       MUSTER_TASK, MUSTER_ALLOC_DIR; the task's env is applied on top (and may replace PATH).
 *       stdin is /dev/null.</li>
 *   <li><b>Output</b>: the task writes {@code stdout.log}/{@code stderr.log} in its alloc dir
 *       directly (opened O_APPEND), and the driver tails them into the handle's
 *       {@link OutputBuffer}. Writing to files rather than to pipes held by the worker is what lets
 *       a task outlive a worker restart: with pipes, its next write after the worker died would
 *       raise SIGPIPE and kill it. Files are bounded by copy-truncate at
 *       {@link Config#maxLogFileBytes} (see {@link LogFileTailer}).</li>
 *   <li><b>Recovery</b>: {@code <workDir>/.muster-exec-task} holds the pid and its start time
 *       (ticks since boot from /proc/PID/stat). {@link #recover} looks in
 *       {@code <allocRoot>/<allocId>}; if the same process still runs it re-attaches through
 *       {@link ProcessHandle}: stop and timeout work again, output is tailed again (the last
 *       buffer's worth is replayed), but the exit code is unknown because the task is not our
 *       child, which the result's message says. That is why {@code workDir} must be
 *       {@code <allocRoot>/<allocId>}.</li>
 * </ul>
 */
public final class ExecDriver implements TaskDriver {

    private static final Logger log = LoggerFactory.getLogger(ExecDriver.class);
    public static final String NAME = "exec";
    static final String BASE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    private static final List<String> SYSTEM_DIRS = List.of("/usr/bin", "/bin", "/usr/sbin", "/sbin");
    static final Cgroups NO_CGROUPS = Cgroups.unavailable("the worker was not configured to use cgroups");
    /**
     * Run by the task's own process before its command: joins each cgroup named (its pid is {@code $$}), then
     * becomes the command. Arguments: the number of cgroup.procs files, the files, the command and its arguments.
     */
    static final String CGROUP_JOIN = "n=$1; shift; while [ \"$n\" -gt 0 ]; do echo $$ > \"$1\" || { echo \"muster: cannot join"
            + " cgroup $1\" >&2; exit 125; }; shift; n=$((n - 1)); done; exec \"$@\"";

    /**
     * @param allocRoot directory holding one directory per allocation, named by allocId
     * @param outputBufferBytes in-memory output kept per stream
     * @param maxLogFileBytes size at which stdout.log/stderr.log are rotated to *.log.1
     * @param logPollInterval how often the log files are tailed into the buffer
     * @param clock wall clock: start and end times of tasks, the recorded timeout deadline
     * @param cgroups how tasks are confined (detected once by the worker), or {@link Cgroups.Unavailable}
     */
    public record Config(Path allocRoot, int outputBufferBytes, long maxLogFileBytes, Duration logPollInterval,
                         Clock clock, Cgroups cgroups) {
        public Config {
            Objects.requireNonNull(allocRoot, "allocRoot");
            Objects.requireNonNull(clock, "clock");
            Objects.requireNonNull(cgroups, "cgroups");
            allocRoot = allocRoot.toAbsolutePath().normalize();
            if (outputBufferBytes <= 0 || maxLogFileBytes <= 0 || logPollInterval.isNegative() || logPollInterval.isZero()) {
                throw new IllegalArgumentException("buffer size, log file size and poll interval must be > 0");
            }
        }

        /** Without cgroups. */
        public Config(Path allocRoot, int outputBufferBytes, long maxLogFileBytes, Duration logPollInterval, Clock clock) {
            this(allocRoot, outputBufferBytes, maxLogFileBytes, logPollInterval, clock, NO_CGROUPS);
        }

        /** With the system clock, without cgroups. */
        public Config(Path allocRoot, int outputBufferBytes, long maxLogFileBytes, Duration logPollInterval) {
            this(allocRoot, outputBufferBytes, maxLogFileBytes, logPollInterval, Clock.systemUTC());
        }

        public static Config defaults(Path allocRoot) {
            return new Config(allocRoot, OutputBuffer.DEFAULT_CAPACITY, OutputBuffer.DEFAULT_MAX_LOG_FILE_BYTES,
                    Duration.ofMillis(100));
        }

        public Config withClock(Clock c) {
            return new Config(allocRoot, outputBufferBytes, maxLogFileBytes, logPollInterval, c, cgroups);
        }

        public Config withCgroups(Cgroups c) {
            return new Config(allocRoot, outputBufferBytes, maxLogFileBytes, logPollInterval, clock, c);
        }
    }

    private final Config config;
    private final String setsid;
    private final String killBinary;
    private final String shell;
    private final ScheduledExecutorService scheduler;
    private final Map<String, ExecTaskHandle> active = new ConcurrentHashMap<>();
    private volatile boolean closed;

    public ExecDriver(Config config) {
        this.config = config;
        this.setsid = findSystemBinary("setsid");
        this.killBinary = findSystemBinary("kill");
        this.shell = findSystemBinary("sh");
        this.scheduler = Executors.newScheduledThreadPool(2, Thread.ofPlatform().daemon().name("exec-driver-", 0).factory());
    }

    private static String findSystemBinary(String name) {
        return SYSTEM_DIRS.stream().map(d -> Path.of(d, name)).filter(Files::isExecutable)
                .map(Path::toString).findFirst().orElse(null);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public DriverAvailability probe() {
        if (!System.getProperty("os.name", "").toLowerCase().contains("linux")) {
            return DriverAvailability.unusable(NAME, "exec driver needs Linux, this is " + System.getProperty("os.name"));
        }
        if (!ProcFs.available()) {
            return DriverAvailability.unusable(NAME, "/proc is not readable");
        }
        if (setsid == null) {
            return DriverAvailability.unusable(NAME, "setsid (util-linux) not found in " + SYSTEM_DIRS);
        }
        try {
            Files.createDirectories(config.allocRoot());
        } catch (IOException e) {
            return DriverAvailability.unusable(NAME, "alloc root " + config.allocRoot() + " unusable: " + e);
        }
        if (!Files.isWritable(config.allocRoot())) {
            return DriverAvailability.unusable(NAME, "alloc root " + config.allocRoot() + " is not writable");
        }
        if (cgroups().enforced()) {
            // Task cgroups left empty by a worker that died while its tasks ended: a minute old at least (see sweep).
            int swept = cgroups().sweep(config.clock().instant().minus(Duration.ofMinutes(1)));
            if (swept > 0) log.info("removed {} empty task cgroup(s) left by an earlier worker", swept);
        }
        return DriverAvailability.usable(NAME, "setsid " + setsid + ", kill "
                + (killBinary != null ? killBinary : "(none: per-process signalling)") + "; resource limits "
                + (cgroups().enforced() && shell == null ? "not enforced: no sh in " + SYSTEM_DIRS : cgroups().describe()));
    }

    /** How this driver confines tasks (what the node advertises). */
    public Cgroups cgroups() {
        return shell == null ? Cgroups.unavailable("no sh in " + SYSTEM_DIRS + " to join a task to its cgroup") : config.cgroups();
    }

    /** What each running task's cgroup counted, by task key (an allocation id, or {@code <alloc id>.<task>}). */
    public Map<String, TaskUsage> usage() {
        Map<String, TaskUsage> out = new LinkedHashMap<>();
        active.forEach((key, handle) -> handle.cgroup().ifPresent(c -> out.put(key, new TaskUsage(c.usage(), c.limits()))));
        return out;
    }

    /** A task's cgroup counters and the limits it runs under. */
    public record TaskUsage(CgroupUsage usage, TaskLimits limits) {}

    private Path allocDir(String allocId) {
        return config.allocRoot().resolve(allocId);
    }

    @Override
    public synchronized TaskHandle start(TaskRequest request) {
        checkOpen();
        Instant attempted = config.clock().instant();
        String allocId = request.allocId();
        ExecTaskHandle running = active.get(allocId);
        if (running != null && !running.isDone()) {
            return running;
        }
        Optional<String> invalid = validate(request);
        if (invalid.isPresent()) {
            return failed(request, invalid.get(), attempted);
        }
        Path dir = allocDir(allocId);
        // A task started by an earlier worker process for this alloc that still runs: re-attach.
        Optional<TaskHandle> survivor = recoverFrom(allocId, dir, false);
        if (survivor.isPresent()) {
            log.info("alloc {}: task already running (pid {}), re-attached instead of starting again",
                    allocId, survivor.get().taskId());
            return survivor.get();
        }
        Map<String, String> env = environment(request, dir);
        TaskSecrets secrets = request.secrets();
        if (!secrets.isEmpty()) {
            env.putAll(secrets.env());
            if (!secrets.files().isEmpty()) {
                try {
                    SecretFiles.Written w = SecretFiles.write(dir, secrets);
                    env.put(TaskSecrets.DIR_VARIABLE, w.dir().toString());
                    log.info("alloc {}: {} secret file(s) in {} ({})", allocId, secrets.files().size(), w.dir(),
                            w.tmpfs() ? "tmpfs" : "0700 directory: no tmpfs (the worker is not root or cannot mount)");
                } catch (IOException e) {
                    SecretFiles.remove(dir);
                    return failed(request, "exec: cannot write the task's secret files: " + e.getMessage(), attempted);
                }
            }
        }
        String executable;
        try {
            executable = resolveCommand(request.command(), env.get("PATH"), dir);
        } catch (IllegalArgumentException e) {
            SecretFiles.remove(dir);
            return failed(request, e.getMessage(), attempted);
        }

        TaskCgroup cgroup = null;
        if (cgroups().enforced()) {
            TaskLimits limits = new TaskLimits((long) request.memoryMb() << 20, request.cpu(),
                    request.pidsMax() > 0 ? request.pidsMax() : TaskLimits.DEFAULT_PIDS_MAX);
            try {
                cgroup = cgroups().create(allocId, limits);
            } catch (IOException | RuntimeException e) {
                SecretFiles.remove(dir);
                return failed(request, "exec: cannot create the task's cgroup: " + e.getMessage(), attempted);
            }
        }
        List<String> argv = new ArrayList<>();
        argv.add(setsid);
        argv.add("--wait"); // only matters if setsid ever has to fork: then it still reports the exit code
        if (cgroup != null) {
            argv.addAll(List.of(shell, "-c", CGROUP_JOIN, "muster-cgroup-join", Integer.toString(cgroup.procsFiles().size())));
            cgroup.procsFiles().forEach(f -> argv.add(f.toString()));
        }
        argv.add(executable);
        argv.addAll(request.args());
        Path stdout = dir.resolve(OutputBuffer.STDOUT_FILE);
        Path stderr = dir.resolve(OutputBuffer.STDERR_FILE);
        long stdoutStart = LogFileTailer.sizeOf(stdout);
        long stderrStart = LogFileTailer.sizeOf(stderr);
        byte[] stdinJson = secrets.stdinJson();
        // A task with secrets writes through the worker (pipes), so its output is redacted before it reaches a file;
        // the price: it does not outlive the worker (its next write after the worker died raises SIGPIPE).
        boolean piped = !secrets.isEmpty();
        ProcessBuilder pb = new ProcessBuilder(argv)
                .directory(dir.toFile())
                .redirectInput(stdinJson != null ? ProcessBuilder.Redirect.PIPE : ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(piped ? ProcessBuilder.Redirect.PIPE : ProcessBuilder.Redirect.appendTo(stdout.toFile()))
                .redirectError(piped ? ProcessBuilder.Redirect.PIPE : ProcessBuilder.Redirect.appendTo(stderr.toFile()));
        pb.environment().clear();
        pb.environment().putAll(env);

        Process process;
        try {
            process = pb.start();
        } catch (IOException e) {
            SecretFiles.remove(dir);
            if (cgroup != null) cgroup.remove();
            return failed(request, "exec: cannot start '" + executable + "': " + e.getMessage(), attempted);
        }
        if (stdinJson != null) {
            Thread.ofVirtual().name("muster-secret-stdin-" + allocId).start(() -> {
                try (var in = process.getOutputStream()) {
                    in.write(stdinJson);
                } catch (IOException e) {
                    // the task closed its stdin or ended without reading it
                }
            });
        }
        Instant startedAt = config.clock().instant();
        long pid = process.pid();
        boolean grouped = awaitOwnGroup(pid);
        if (!grouped) {
            log.warn("alloc {}: pid {} did not become a process group leader; stop will signal its process tree", allocId, pid);
        }
        long startTicks = ProcFs.stat(pid).map(ProcFs.Stat::startTicks).orElse(0L);
        long deadline = request.hasTimeout() ? startedAt.plus(request.timeout()).toEpochMilli() : 0;
        ExecTaskRecord record = new ExecTaskRecord(pid, startTicks, grouped, startedAt, deadline,
                request.killGrace().toMillis(), executable);
        try {
            record.write(dir);
        } catch (IOException e) {
            // The task runs, it just cannot be recovered after a worker restart.
            log.warn("alloc {}: cannot write recovery record in {}: {}", allocId, dir, e.toString());
        }
        OutputBuffer output;
        List<LogFileTailer> tailers;
        java.util.concurrent.CompletableFuture<Void> drained;
        if (piped) {
            output = OutputBuffer.mirroredTo(dir, config.outputBufferBytes(), config.maxLogFileBytes(), false);
            tailers = List.of();
            SecretRedactor redactor = secrets.redactor();
            drained = java.util.concurrent.CompletableFuture.allOf(
                    RedactingPump.start(process.getInputStream(), output.stdout(), redactor, "muster-out-" + allocId),
                    RedactingPump.start(process.getErrorStream(), output.stderr(), redactor, "muster-err-" + allocId));
        } else {
            output = new OutputBuffer(config.outputBufferBytes());
            tailers = List.of(
                    new LogFileTailer(stdout, output.stdout(), config.maxLogFileBytes(), stdoutStart),
                    new LogFileTailer(stderr, output.stderr(), config.maxLogFileBytes(), stderrStart));
            drained = java.util.concurrent.CompletableFuture.completedFuture(null);
        }
        ExecTaskHandle handle = new ExecTaskHandle(allocId, dir, record, process, process.toHandle(), output, tailers,
                scheduler, killBinary, request.timeout(), () -> finished(allocId, dir), config.clock(), drained, cgroup);
        active.put(allocId, handle);
        handle.begin(config.logPollInterval());
        log.info("alloc {}: started {} as pid {}", allocId, executable, pid);
        return handle;
    }

    @Override
    public synchronized Optional<TaskHandle> recover(String allocId) {
        checkOpen();
        ExecTaskHandle running = active.get(allocId);
        if (running != null && !running.isDone()) {
            return Optional.of(running);
        }
        // Same rule as TaskRequest, since allocId becomes a path here.
        TaskRequest.builder(allocId).build();
        return recoverFrom(allocId, allocDir(allocId), true);
    }

    /**
     * Re-attaches to the task recorded in {@code dir} if it still runs. Otherwise: with
     * {@code reportLost} a LOST handle (and the stale record goes), without it empty.
     */
    private Optional<TaskHandle> recoverFrom(String allocId, Path dir, boolean reportLost) {
        ExecTaskRecord record;
        try {
            record = ExecTaskRecord.read(dir);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException | IllegalArgumentException e) {
            ExecTaskRecord.delete(dir);
            return reportLost ? Optional.of(lost(allocId, "?", "exec: unreadable recovery record: " + e.getMessage(), config.clock().instant()))
                    : Optional.empty();
        }
        Optional<ProcessHandle> ph = ProcessHandle.of(record.pid());
        TaskCgroup cgroup = cgroups().enforced() ? cgroups().open(allocId).orElse(null) : null;
        if (ph.isEmpty() || !ProcFs.isSameLiveProcess(record.pid(), record.startTicks())) {
            ExecTaskRecord.delete(dir);
            if (cgroup != null) { // whatever the task left behind goes, and so does its cgroup
                cgroup.killAll();
                cgroup.remove();
            }
            return reportLost
                    ? Optional.of(lost(allocId, Long.toString(record.pid()), "exec: task process " + record.pid()
                            + " is no longer running; it ended while no worker watched it, exit code unknown",
                            record.startedAt()))
                    : Optional.empty();
        }
        OutputBuffer output = new OutputBuffer(config.outputBufferBytes());
        int replay = config.outputBufferBytes();
        List<LogFileTailer> tailers = List.of(
                LogFileTailer.replaying(dir.resolve(OutputBuffer.STDOUT_FILE), output.stdout(), config.maxLogFileBytes(), replay),
                LogFileTailer.replaying(dir.resolve(OutputBuffer.STDERR_FILE), output.stderr(), config.maxLogFileBytes(), replay));
        Duration timeout = record.deadlineEpochMs() > 0
                ? Duration.ofMillis(record.deadlineEpochMs() - record.startedAt().toEpochMilli()) : Duration.ZERO;
        ExecTaskHandle handle = new ExecTaskHandle(allocId, dir, record, null, ph.get(), output, tailers,
                scheduler, killBinary, timeout, () -> finished(allocId, dir), config.clock(),
                java.util.concurrent.CompletableFuture.completedFuture(null), cgroup);
        active.put(allocId, handle);
        handle.begin(config.logPollInterval());
        log.info("alloc {}: re-attached to running pid {}", allocId, record.pid());
        return Optional.of(handle);
    }

    /** A task ended (its handle removed its secret files): forget it. */
    private void finished(String allocId, Path dir) {
        active.remove(allocId);
    }

    private Optional<String> validate(TaskRequest request) {
        if (request.command() == null || request.command().isBlank()) {
            return Optional.of("exec: task '" + request.taskName() + "' has no command");
        }
        if (request.workDir() == null) {
            return Optional.of("exec: workDir is required (the per-allocation directory " + allocDir(request.allocId()) + ")");
        }
        Path expected = allocDir(request.allocId());
        if (!request.workDir().toAbsolutePath().normalize().equals(expected)) {
            return Optional.of("exec: workDir " + request.workDir() + " must be " + expected
                    + " (<allocRoot>/<allocId>) so that the task can be recovered after a worker restart");
        }
        if (!Files.isDirectory(expected)) {
            return Optional.of("exec: workDir " + expected + " does not exist or is not a directory");
        }
        return Optional.empty();
    }

    private static Map<String, String> environment(TaskRequest request, Path dir) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", BASE_PATH);
        env.put("HOME", dir.toString());
        env.put("LANG", "C.UTF-8");
        env.put("MUSTER_ALLOC_ID", request.allocId());
        env.put("MUSTER_JOB_ID", request.jobId());
        env.put("MUSTER_GROUP", request.group());
        env.put("MUSTER_TASK", request.taskName());
        env.put("MUSTER_ALLOC_DIR", dir.toString());
        env.putAll(request.env());
        return env;
    }

    /**
     * Resolves the command as execvp would with the task's PATH, so that a missing command is
     * reported by name here instead of as an opaque setsid exit status.
     */
    static String resolveCommand(String command, String path, Path workDir) {
        if (command.indexOf('/') >= 0) {
            Path p = workDir.resolve(command).normalize();
            if (!Files.isRegularFile(p)) {
                throw new IllegalArgumentException("exec: command '" + command + "' not found (" + p + " does not exist)");
            }
            if (!Files.isExecutable(p)) {
                throw new IllegalArgumentException("exec: command '" + command + "' (" + p + ") is not executable");
            }
            return p.toString();
        }
        String searched = path == null ? "" : path;
        for (String dir : searched.split(":")) {
            if (dir.isEmpty() || !dir.startsWith("/")) {
                continue;
            }
            Path p = Path.of(dir, command);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p.toString();
            }
        }
        throw new IllegalArgumentException("exec: command '" + command + "' not found in the task's PATH (" + searched + ")");
    }

    /**
     * setsid calls setsid() and then exec()s the task, all within microseconds of the spawn; wait
     * (bounded) until /proc shows it, so that we never signal a group that is not the task's. This
     * bound is about a real process, so it stays on real time rather than the injected clock.
     */
    private static boolean awaitOwnGroup(long pid) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (true) {
            Optional<ProcFs.Stat> stat = ProcFs.stat(pid);
            if (stat.isEmpty() || stat.get().zombieOrDead()) {
                return true; // already over: setsid() precedes exec, and a missing group only means nothing to signal
            }
            if (stat.get().pgrp() == pid && stat.get().session() == pid) {
                return true;
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
            LockSupport.parkNanos(100_000);
        }
    }

    private TaskHandle failed(TaskRequest request, String message, Instant attempted) {
        log.warn("alloc {}: {}", request.allocId(), message);
        return new CompletedTaskHandle(request.allocId(), "", TaskResult.failedToStart(message, attempted, config.clock().instant()),
                new OutputBuffer(1024));
    }

    private TaskHandle lost(String allocId, String taskId, String message, Instant startedAt) {
        return new CompletedTaskHandle(allocId, taskId,
                new TaskResult(TaskResult.Outcome.LOST, TaskResult.UNKNOWN_EXIT_CODE, message, startedAt, config.clock().instant()),
                new OutputBuffer(1024));
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("exec driver is closed");
        }
    }

    /** Stops watching; running tasks keep running (see {@link TaskDriver#close()}). */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        active.values().forEach(ExecTaskHandle::detach);
        active.clear();
        scheduler.shutdownNow();
    }
}
