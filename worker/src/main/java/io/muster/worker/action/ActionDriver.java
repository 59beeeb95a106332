package io.muster.worker.action;

import io.muster.types.job.ActionCall;
import io.muster.worker.driver.DriverAvailability;
import io.muster.worker.driver.OutputBuffer;
import io.muster.worker.driver.TaskDriver;
import io.muster.worker.driver.TaskHandle;
import io.muster.worker.driver.TaskRequest;
import io.muster.worker.driver.TaskResult;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs operation actions ({@link TaskRequest#action()}) with the worker's {@link ActionBackends}, each on a virtual
 * thread of the worker process.
 *
 * <ul>
 *   <li><b>Output</b>: what the action prints goes to the handle's {@link OutputBuffer}, mirrored to
 *       {@code stdout.log}/{@code stderr.log} in the alloc dir as for exec tasks, so {@code muster job logs} shows
 *       it; a failed action's message is the last line of stderr.</li>
 *   <li><b>Result</b>: EXITED with exit code 0 (success) or 1 (failed); TIMED_OUT past the request's timeout and
 *       STOPPED after {@link TaskHandle#stop}: both interrupt the action, which kills the programs it runs.</li>
 *   <li><b>Recovery</b>: an action cannot outlive its worker process, so it cannot be re-attached.
 *       {@link ActionRecord} in {@code <allocRoot>/<allocId>} says it was started and, once over, how it ended.
 *       {@link #recover} returns the recorded result of a finished action, and a LOST result for one whose end was
 *       not recorded; {@link #start} for an allocation whose earlier start has no recorded end returns LOST too
 *       instead of running the action again (it may have taken effect; repeating it is the operation's decision,
 *       as a new attempt).</li>
 *   <li><b>Close</b>: running actions are left to finish (an apt-get killed half-way is worse than one that
 *       completes); their handles complete DETACHED, and the next worker process finds the record.</li>
 * </ul>
 */
public final class ActionDriver implements TaskDriver {
    private static final Logger log = LoggerFactory.getLogger(ActionDriver.class);
    public static final String NAME = "action";

    /**
     * @param allocRoot directory holding one directory per allocation, named by allocId
     * @param backends the backends and which are enabled
     * @param commands runs the programs of the backends
     * @param sleeper the sleep actions' wait
     */
    public record Config(Path allocRoot, ActionBackends backends, CommandRunner commands, ActionContext.Sleeper sleeper,
                         int outputBufferBytes, long maxLogFileBytes, Clock clock) {
        public Config {
            Objects.requireNonNull(allocRoot, "allocRoot");
            Objects.requireNonNull(backends, "backends");
            Objects.requireNonNull(commands, "commands");
            Objects.requireNonNull(sleeper, "sleeper");
            Objects.requireNonNull(clock, "clock");
            allocRoot = allocRoot.toAbsolutePath().normalize();
        }

        public static Config defaults(Path allocRoot, ActionBackends backends) {
            Clock clock = Clock.systemUTC();
            return new Config(allocRoot, backends, Commands.local(clock), ActionContext.Sleeper.REAL,
                    OutputBuffer.DEFAULT_CAPACITY, OutputBuffer.DEFAULT_MAX_LOG_FILE_BYTES, clock);
        }
    }

    private final Config config;
    private final ScheduledExecutorService timers;
    private final Map<String, ActionTaskHandle> active = new ConcurrentHashMap<>();
    private volatile boolean closed;

    public ActionDriver(Config config) {
        this.config = config;
        this.timers = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("action-driver").factory());
    }

    public ActionBackends backends() {
        return config.backends();
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public DriverAvailability probe() {
        try {
            Files.createDirectories(config.allocRoot());
        } catch (IOException e) {
            return DriverAvailability.unusable(NAME, "alloc root " + config.allocRoot() + " unusable: " + e);
        }
        return DriverAvailability.usable(NAME, "backends " + config.backends().enabled().stream().map(ActionBackend::name).toList());
    }

    private Path allocDir(String allocId) {
        return config.allocRoot().resolve(allocId);
    }

    @Override
    public synchronized TaskHandle start(TaskRequest request) {
        checkOpen();
        Instant now = config.clock().instant();
        String key = request.allocId();
        ActionTaskHandle running = active.get(key);
        if (running != null && !running.isDone()) {
            return running;
        }
        ActionCall call = request.action();
        if (call == null) {
            return failed(request, "action: task '" + request.taskName() + "' names no action (backend, action, params)", now);
        }
        Path dir = allocDir(key);
        if (request.workDir() == null || !request.workDir().toAbsolutePath().normalize().equals(dir)) {
            return failed(request, "action: workDir " + request.workDir() + " must be " + dir
                    + " (<allocRoot>/<allocId>), where the record that prevents running an action twice lives", now);
        }
        if (!Files.isDirectory(dir)) {
            return failed(request, "action: workDir " + dir + " does not exist or is not a directory", now);
        }
        Optional<TaskHandle> earlier = unfinishedEarlierRun(key, dir);
        if (earlier.isPresent()) {
            return earlier.get();
        }
        try {
            ActionRecord.running(call.backend(), call.action(), now).write(dir);
        } catch (IOException e) {
            // Without the record a worker restart could run the action again: refuse rather than risk it.
            return failed(request, "action: cannot write " + dir.resolve(ActionRecord.FILE) + ": " + e.getMessage(), now);
        }
        OutputBuffer output = OutputBuffer.mirroredTo(dir, config.outputBufferBytes(), config.maxLogFileBytes(), false);
        String allocId = request.env().getOrDefault("MUSTER_ALLOC_ID", key);
        Instant deadline = request.hasTimeout() ? now.plus(request.timeout()) : null;
        ActionTaskHandle handle = new ActionTaskHandle(key, call, dir, output, now, request.timeout(),
                request.killGrace(), timers, config.clock(), () -> active.remove(key));
        ActionContext ctx = new ActionContext(allocId, deadline, config.clock(), handle.sink(), config.commands(),
                config.sleeper());
        active.put(key, handle);
        handle.begin(() -> config.backends().invoke(call.backend(), call.action(), call.params(), ctx));
        log.info("alloc {}: action {} {} {} started", key, call.backend(), call.action(), call.params());
        return handle;
    }

    /** An earlier start of this allocation whose end was not recorded: LOST, and recorded as such. */
    private Optional<TaskHandle> unfinishedEarlierRun(String key, Path dir) {
        Optional<ActionRecord> record;
        try {
            record = ActionRecord.read(dir);
        } catch (IOException | RuntimeException e) {
            return Optional.of(lost(key, dir, null, "action: unreadable record " + dir.resolve(ActionRecord.FILE)
                    + " (" + e.getMessage() + "); an earlier run may have taken effect, so it is not run again"));
        }
        if (record.isEmpty() || record.get().finished()) {
            return Optional.empty(); // never started, or a worker-local restart after a recorded end
        }
        ActionRecord r = record.get();
        return Optional.of(lost(key, dir, r, "action " + r.backend() + " " + r.action() + " was started at "
                + Instant.ofEpochMilli(r.startedUnixMs()) + " by an earlier worker process and its end was not recorded;"
                + " it may or may not have taken effect, so it is not run again"));
    }

    @Override
    public synchronized Optional<TaskHandle> recover(String allocId) {
        checkOpen();
        ActionTaskHandle running = active.get(allocId);
        if (running != null && !running.isDone()) {
            return Optional.of(running);
        }
        TaskRequest.builder(allocId).build(); // the same id check as a request: allocId becomes a path here
        Path dir = allocDir(allocId);
        Optional<ActionRecord> record;
        try {
            record = ActionRecord.read(dir);
        } catch (IOException | RuntimeException e) {
            return Optional.of(lost(allocId, dir, null, "action: unreadable record " + dir.resolve(ActionRecord.FILE)
                    + " (" + e.getMessage() + ")"));
        }
        if (record.isEmpty()) {
            return Optional.empty();
        }
        ActionRecord r = record.get();
        if (r.finished()) {
            log.info("alloc {}: action {} {} had ended before the worker restarted ({})", allocId, r.backend(), r.action(), r.message());
            return Optional.of(ActionTaskHandle.completed(allocId, r.result(), replay(dir)));
        }
        return Optional.of(lost(allocId, dir, r, "action " + r.backend() + " " + r.action()
                + " was running when the worker process stopped; an action cannot be re-attached and its end is unknown"));
    }

    /** A LOST handle; the record says so from now on, so a restart by the task's policy runs the action anew. */
    private TaskHandle lost(String key, Path dir, ActionRecord r, String message) {
        Instant now = config.clock().instant();
        Instant started = r != null ? Instant.ofEpochMilli(r.startedUnixMs()) : now;
        TaskResult result = new TaskResult(TaskResult.Outcome.LOST, TaskResult.UNKNOWN_EXIT_CODE, message, started, now);
        log.warn("alloc {}: {}", key, message);
        ActionRecord done = (r != null ? r : ActionRecord.running("?", "?", now)).finish(result);
        try {
            done.write(dir);
        } catch (IOException e) {
            log.warn("alloc {}: cannot record the loss in {}: {}", key, dir, e.toString());
        }
        return ActionTaskHandle.completed(key, result, replay(dir));
    }

    /** The end of the output files, for a handle made after a restart (logs and the status excerpt). */
    private OutputBuffer replay(Path dir) {
        OutputBuffer out = new OutputBuffer(64 * 1024);
        out.stdout().append(tail(dir.resolve(OutputBuffer.STDOUT_FILE), 64 * 1024));
        out.stderr().append(tail(dir.resolve(OutputBuffer.STDERR_FILE), 64 * 1024));
        return out;
    }

    private static byte[] tail(Path file, int max) {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            long len = f.length();
            int n = (int) Math.min(len, max);
            byte[] buf = new byte[n];
            f.seek(len - n);
            f.readFully(buf);
            return buf;
        } catch (IOException e) {
            return new byte[0];
        }
    }

    private TaskHandle failed(TaskRequest request, String message, Instant attempted) {
        log.warn("alloc {}: {}", request.allocId(), message);
        OutputBuffer out = new OutputBuffer(1024);
        out.stderr().append((message + "\n").getBytes(StandardCharsets.UTF_8));
        return ActionTaskHandle.completed(request.allocId(), new TaskResult(TaskResult.Outcome.FAILED_TO_START,
                TaskResult.UNKNOWN_EXIT_CODE, message, attempted, config.clock().instant()), out);
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("action driver is closed");
        }
    }

    /** Stops watching; running actions finish by themselves and record their end (see the class comment). */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        active.values().forEach(ActionTaskHandle::detach);
        active.clear();
        timers.shutdownNow();
    }

    /** How long after its interruption an action that ignores it is given up on (its handle completes). */
    static Duration abandonAfter(Duration killGrace) {
        return killGrace.plusSeconds(5);
    }
}
