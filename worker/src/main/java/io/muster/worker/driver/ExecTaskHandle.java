package io.muster.worker.driver;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running exec task: a process that leads its own session and process group (pid = pgid), so
 * stop, timeout and the clean-up after it exits signal the whole group, grandchildren included.
 */
final class ExecTaskHandle implements TaskHandle {

    private static final Logger log = LoggerFactory.getLogger(ExecTaskHandle.class);

    private final String allocId;
    private final Path allocDir;
    private final ExecTaskRecord record;
    /** Null when re-attached: a process started by an earlier worker is not our child. */
    private final Process process;
    private final ProcessHandle processHandle;
    private final OutputBuffer output;
    private final List<LogFileTailer> tailers;
    private final ScheduledExecutorService scheduler;
    private final String killBinary;
    private final Duration timeout;
    private final Runnable onFinished;
    private final CompletableFuture<TaskResult> result = new CompletableFuture<>();
    private final AtomicReference<TaskResult.Outcome> endReason = new AtomicReference<>();
    private final List<ScheduledFuture<?>> timers = new CopyOnWriteArrayList<>();
    private volatile boolean detached;

    ExecTaskHandle(String allocId, Path allocDir, ExecTaskRecord record, Process process, ProcessHandle processHandle,
                   OutputBuffer output, List<LogFileTailer> tailers, ScheduledExecutorService scheduler,
                   String killBinary, Duration timeout, Runnable onFinished) {
        this.allocId = allocId;
        this.allocDir = allocDir;
        this.record = record;
        this.process = process;
        this.processHandle = processHandle;
        this.output = output;
        this.tailers = tailers;
        this.scheduler = scheduler;
        this.killBinary = killBinary;
        this.timeout = timeout;
        this.onFinished = onFinished;
    }

    /** Arms output polling, the timeout (from the recorded deadline) and the exit watch. */
    void begin(Duration pollInterval) {
        long pollMs = Math.max(1, pollInterval.toMillis());
        timers.add(scheduler.scheduleWithFixedDelay(this::pollOutput, pollMs, pollMs, TimeUnit.MILLISECONDS));
        if (record.deadlineEpochMs() > 0) {
            long delay = Math.max(0, record.deadlineEpochMs() - System.currentTimeMillis());
            timers.add(scheduler.schedule(this::onTimeout, delay, TimeUnit.MILLISECONDS));
        }
        CompletableFuture<?> exit = process != null ? process.onExit() : processHandle.onExit();
        exit.whenCompleteAsync((ignored, error) -> finish(), scheduler);
    }

    @Override
    public String allocId() {
        return allocId;
    }

    @Override
    public String taskId() {
        return Long.toString(record.pid());
    }

    @Override
    public CompletableFuture<TaskResult> result() {
        return result.copy();
    }

    @Override
    public OutputBuffer output() {
        return output;
    }

    boolean isDone() {
        return result.isDone();
    }

    @Override
    public void stop(Duration grace) {
        requestStop(TaskResult.Outcome.STOPPED, grace);
    }

    private void onTimeout() {
        log.info("alloc {}: timeout of {} reached, stopping pid {}", allocId, timeout, record.pid());
        requestStop(TaskResult.Outcome.TIMED_OUT, Duration.ofMillis(record.killGraceMs()));
    }

    private void requestStop(TaskResult.Outcome reason, Duration grace) {
        if (result.isDone() || detached) {
            return;
        }
        endReason.compareAndSet(null, reason);
        scheduler.execute(() -> signal(grace.isZero() ? ProcFs.Signal.KILL : ProcFs.Signal.TERM));
        if (!grace.isZero()) {
            timers.add(scheduler.schedule(() -> {
                if (!result.isDone()) {
                    signal(ProcFs.Signal.KILL);
                }
            }, grace.toMillis(), TimeUnit.MILLISECONDS));
        }
    }

    private void signal(ProcFs.Signal signal) {
        if (record.grouped()) {
            ProcFs.signalGroup(record.pid(), signal, killBinary);
            return;
        }
        // No group of our own (should not happen with setsid): fall back to the process tree.
        processHandle.descendants().forEach(p -> destroy(p, signal));
        destroy(processHandle, signal);
    }

    private static void destroy(ProcessHandle p, ProcFs.Signal signal) {
        if (signal == ProcFs.Signal.KILL) {
            p.destroyForcibly();
        } else {
            p.destroy();
        }
    }

    private void pollOutput() {
        tailers.forEach(LogFileTailer::poll);
    }

    private void finish() {
        if (detached || result.isDone()) {
            return;
        }
        timers.forEach(t -> t.cancel(false));
        if (record.grouped()) {
            // The leader is gone; whatever it left behind in its group goes with it.
            ProcFs.signalGroup(record.pid(), ProcFs.Signal.KILL, killBinary);
        }
        pollOutput();
        output.close();
        ExecTaskRecord.delete(allocDir);
        TaskResult.Outcome outcome = endReason.get() != null ? endReason.get() : TaskResult.Outcome.EXITED;
        int exitCode = process != null ? process.exitValue() : TaskResult.UNKNOWN_EXIT_CODE;
        result.complete(new TaskResult(outcome, exitCode, message(outcome, exitCode), record.startedAt(), Instant.now()));
        onFinished.run();
    }

    private String message(TaskResult.Outcome outcome, int exitCode) {
        String what = switch (outcome) {
            case TIMED_OUT -> "timed out after " + timeout + "; process group " + record.pid() + " killed";
            case STOPPED -> "stopped; process group " + record.pid() + " killed";
            default -> process != null ? "exited with code " + exitCode : "exited";
        };
        if (process == null) {
            what += "; exit code unknown: the task was re-attached after a worker restart and is not this"
                    + " worker's child (output before the restart is in " + OutputBuffer.STDOUT_FILE + "/"
                    + OutputBuffer.STDERR_FILE + ")";
        }
        return what;
    }

    /** The driver is closing: stop watching, leave the task running for the next worker. */
    void detach() {
        if (result.isDone()) {
            return;
        }
        detached = true;
        timers.forEach(t -> t.cancel(false));
        output.close();
        result.complete(new TaskResult(TaskResult.Outcome.DETACHED, TaskResult.UNKNOWN_EXIT_CODE,
                "driver closed; pid " + record.pid() + " keeps running and can be recovered",
                record.startedAt(), Instant.now()));
    }
}
