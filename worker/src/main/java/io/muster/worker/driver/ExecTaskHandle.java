package io.muster.worker.driver;

import io.muster.worker.driver.cgroup.TaskCgroup;
import java.util.Optional;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A running exec task: a process that leads its own session and process group (pid = pgid), so
 * stop, timeout and the clean-up after it exits signal the whole group, grandchildren included.
 */
final class ExecTaskHandle extends WatchedTaskHandle {

    private final String allocId;
    private final Path allocDir;
    private final ExecTaskRecord record;
    /** Null when re-attached: a process started by an earlier worker is not our child. */
    private final Process process;
    private final ProcessHandle processHandle;
    private final List<LogFileTailer> tailers;
    private final String killBinary;
    private final Duration timeout;
    private final Runnable onFinished;
    /** Completes when the output pipes are drained (a task with secrets); completed from the start otherwise. */
    private final CompletableFuture<Void> drained;
    /** The task's cgroup, or null on a node without them. */
    private final TaskCgroup cgroup;

    ExecTaskHandle(String allocId, Path allocDir, ExecTaskRecord record, Process process, ProcessHandle processHandle,
                   OutputBuffer output, List<LogFileTailer> tailers, ScheduledExecutorService scheduler,
                   String killBinary, Duration timeout, Runnable onFinished, Clock clock, CompletableFuture<Void> drained,
                   TaskCgroup cgroup) {
        super(scheduler, output, clock);
        this.allocId = allocId;
        this.allocDir = allocDir;
        this.record = record;
        this.process = process;
        this.processHandle = processHandle;
        this.tailers = tailers;
        this.killBinary = killBinary;
        this.timeout = timeout;
        this.onFinished = onFinished;
        this.drained = drained;
        this.cgroup = cgroup;
    }

    Optional<TaskCgroup> cgroup() {
        return Optional.ofNullable(cgroup);
    }

    /** Arms output polling, the timeout (from the recorded deadline) and the exit watch. */
    void begin(Duration pollInterval) {
        long pollMs = Math.max(1, pollInterval.toMillis());
        timers.add(scheduler.scheduleWithFixedDelay(this::pollOutput, pollMs, pollMs, TimeUnit.MILLISECONDS));
        armDeadline(record.deadlineEpochMs(), timeout, Duration.ofMillis(record.killGraceMs()));
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
    String describe() {
        return "pid " + record.pid();
    }

    @Override
    Instant startedAt() {
        return record.startedAt();
    }

    /** TERM to the whole group now (KILL when there is no grace), KILL after the grace. */
    @Override
    void sendStop(Duration grace) {
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
        if (signal == ProcFs.Signal.KILL && cgroup != null) {
            cgroup.killAll(); // everything the task started, whatever session or group it moved to
        }
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

    @Override
    public void refreshOutput() {
        pollOutput();
    }

    private void pollOutput() {
        tailers.forEach(LogFileTailer::poll);
    }

    private void finish() {
        if (detached || result.isDone()) {
            return;
        }
        cancelTimers();
        if (record.grouped()) {
            // The leader is gone; whatever it left behind in its group goes with it.
            ProcFs.signalGroup(record.pid(), ProcFs.Signal.KILL, killBinary);
        }
        long oomKills = 0;
        if (cgroup != null) {
            cgroup.killAll();
            oomKills = cgroup.usage().oomKills();
            cgroup.remove();
        }
        try {
            // The group is gone, so the pipes close; bounded in case a process escaped the group and holds them.
            drained.get(2, TimeUnit.SECONDS);
        } catch (Exception e) {
            // what was read so far is in the buffer
        }
        pollOutput();
        output.close();
        ExecTaskRecord.delete(allocDir);
        SecretFiles.remove(allocDir); // before the result: whoever sees the task ended finds its secret files gone
        TaskResult.Outcome outcome = outcome();
        int exitCode = process != null ? process.exitValue() : TaskResult.UNKNOWN_EXIT_CODE;
        String message = message(outcome, exitCode);
        if (oomKills > 0) {
            long limit = cgroup.limits().memoryBytes();
            message += "; " + TaskResult.OOM_NOTE + (limit > 0 ? " of " + (limit >> 20) + " MiB" : "")
                    + (oomKills > 1 ? " (" + oomKills + " processes killed)" : "");
        }
        result.complete(new TaskResult(outcome, exitCode, message, record.startedAt(), clock.instant()));
        onFinished.run();
    }

    private String message(TaskResult.Outcome outcome, int exitCode) {
        String what = switch (outcome) {
            case TIMED_OUT -> "timed out after " + io.muster.types.HumanDuration.of(timeout) + "; process group " + record.pid() + " killed";
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
}
