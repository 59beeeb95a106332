package io.muster.worker.driver;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.exception.NotModifiedException;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.StreamType;
import com.github.dockerjava.api.model.WaitResponse;
import java.io.Closeable;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A container being watched: its log stream (followed from the start, demultiplexed into stdout
 * and stderr) and its wait stream, which ends with the exit code. The result is assembled once
 * the wait ends and the log stream has drained.
 */
final class DockerTaskHandle extends WatchedTaskHandle {

    private static final Logger log = LoggerFactory.getLogger(DockerTaskHandle.class);
    private static final Duration LOG_DRAIN = Duration.ofSeconds(5);

    /** Everything needed to watch a container, whether just created or found after a restart. */
    record Watch(String allocId, String containerId, Instant startedAt, long deadlineEpochMs, Duration timeout,
                 Duration killGrace, String note) {}

    private final Watch watch;
    private final DockerClient client;
    private final ExecutorService blocking;
    private final boolean removeExited;
    private final Runnable onFinished;
    private final List<Closeable> streams = new CopyOnWriteArrayList<>();
    private volatile ResultCallback.Adapter<Frame> logs;
    /** Per stream: the task's secrets are scrubbed from every frame before it reaches the buffer or the log file. */
    private final SecretRedactor.Stream redactOut;
    private final SecretRedactor.Stream redactErr;
    private final Object redactLock = new Object();
    /** Runs once the task ended, before its result is published (the secret files go then). */
    private final Runnable beforeResult;

    DockerTaskHandle(Watch watch, DockerClient client, ScheduledExecutorService scheduler, ExecutorService blocking,
                     boolean removeExited, OutputBuffer output, Runnable onFinished, Clock clock, SecretRedactor redactor,
                     Runnable beforeResult) {
        super(scheduler, output, clock);
        this.beforeResult = beforeResult;
        this.redactOut = redactor.stream();
        this.redactErr = redactor.stream();
        this.watch = watch;
        this.client = client;
        this.blocking = blocking;
        this.removeExited = removeExited;
        this.onFinished = onFinished;
    }

    void begin() {
        logs = client.logContainerCmd(watch.containerId())
                .withStdOut(true).withStdErr(true).withFollowStream(true).withTailAll()
                .exec(new ResultCallback.Adapter<>() {
                    @Override
                    public void onNext(Frame frame) {
                        boolean err = frame.getStreamType() == StreamType.STDERR; // else STDOUT, or RAW for tty containers (we create none)
                        byte[] payload = frame.getPayload();
                        synchronized (redactLock) { // not the handle's monitor: finish() holds that while it drains this stream
                            if (err) output.stderr().append((redactErr.write(payload, 0, payload.length)));
                            else output.stdout().append(redactOut.write(payload, 0, payload.length));
                        }
                    }

                    @Override
                    public void onError(Throwable error) {
                        // The template would log at ERROR; a log stream cut by removal or close is routine.
                        log.debug("log stream of {} failed: {}", shortId(), error.toString());
                        closeQuietly(this);
                    }
                });
        streams.add(logs);
        armDeadline(watch.deadlineEpochMs(), watch.timeout(), watch.killGrace());
        ResultCallback.Adapter<WaitResponse> wait = client.waitContainerCmd(watch.containerId())
                .exec(new ResultCallback.Adapter<>() {
                    private volatile Integer status;

                    @Override
                    public void onNext(WaitResponse response) {
                        status = response.getStatusCode();
                    }

                    @Override
                    public void onComplete() {
                        super.onComplete();
                        onBlocking(() -> finish(status, null));
                    }

                    @Override
                    public void onError(Throwable error) {
                        closeQuietly(this);
                        onBlocking(() -> finish(status, error));
                    }
                });
        streams.add(wait);
    }

    @Override
    public String allocId() {
        return watch.allocId();
    }

    @Override
    public String taskId() {
        return watch.containerId();
    }

    @Override
    String describe() {
        return "container " + shortId();
    }

    @Override
    Instant startedAt() {
        return watch.startedAt();
    }

    /** docker stop: the image's stop signal (TERM by default), KILL after the grace, in whole seconds. */
    @Override
    void sendStop(Duration grace) {
        int seconds = (int) Math.min(Integer.MAX_VALUE, (grace.toMillis() + 999) / 1000);
        onBlocking(() -> {
            try {
                client.stopContainerCmd(watch.containerId()).withTimeout(seconds).exec();
            } catch (NotModifiedException | NotFoundException alreadyGone) {
                // Exited (or removed) meanwhile: the wait stream reports it.
            } catch (RuntimeException e) {
                log.warn("alloc {}: docker stop {} failed ({}); killing it", watch.allocId(), shortId(), e.getMessage());
                try {
                    client.killContainerCmd(watch.containerId()).exec();
                } catch (RuntimeException ignored) {
                    // Nothing more to try; the wait stream decides.
                }
            }
        });
    }

    /** Engine calls block, so they run off the stream and timer threads; after close() they are moot. */
    private void onBlocking(Runnable task) {
        try {
            blocking.execute(task);
        } catch (RejectedExecutionException closed) {
            log.debug("driver closed; dropping work for container {}", shortId());
        }
    }

    private synchronized void finish(Integer status, Throwable waitError) {
        if (detached || result.isDone()) {
            return;
        }
        cancelTimers();
        drainLogs();
        synchronized (redactLock) {
            output.stdout().append(redactOut.flush());
            output.stderr().append(redactErr.flush());
        }
        output.close();
        InspectContainerResponse.ContainerState state = null;
        try {
            state = client.inspectContainerCmd(watch.containerId()).exec().getState();
        } catch (RuntimeException e) {
            log.debug("inspect {} after exit", shortId(), e);
        }
        TaskResult r = buildResult(status, waitError, state);
        if (removeExited && r.outcome() != TaskResult.Outcome.LOST) {
            try {
                client.removeContainerCmd(watch.containerId()).withForce(true).exec();
            } catch (NotFoundException gone) {
                // Already removed.
            } catch (RuntimeException e) {
                log.warn("alloc {}: cannot remove exited container {}: {}", watch.allocId(), shortId(), e.getMessage());
            }
        }
        closeStreams();
        beforeResult.run();
        result.complete(r);
        onFinished.run();
    }

    private void drainLogs() {
        ResultCallback.Adapter<Frame> l = logs;
        try {
            if (l != null && !l.awaitCompletion(LOG_DRAIN.toMillis(), TimeUnit.MILLISECONDS)) {
                log.warn("alloc {}: log stream of {} did not end within {}", watch.allocId(), shortId(), LOG_DRAIN);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.debug("log stream of {} ended with {}", shortId(), e.toString());
        }
    }

    private TaskResult buildResult(Integer status, Throwable waitError, InspectContainerResponse.ContainerState state) {
        boolean running = state != null && Boolean.TRUE.equals(state.getRunning());
        Instant now = clock.instant();
        if (status == null && (state == null || running)) {
            String why = waitError != null ? waitError.getMessage() : "wait stream ended without a status";
            return new TaskResult(TaskResult.Outcome.LOST, TaskResult.UNKNOWN_EXIT_CODE,
                    "docker: lost track of container " + shortId() + ": " + why, watch.startedAt(), now);
        }
        int exitCode = status != null ? status
                : state.getExitCodeLong() != null ? state.getExitCodeLong().intValue() : TaskResult.UNKNOWN_EXIT_CODE;
        Instant started = state != null ? parseTime(state.getStartedAt(), watch.startedAt()) : watch.startedAt();
        Instant finished = state != null ? parseTime(state.getFinishedAt(), now) : now;
        TaskResult.Outcome outcome = outcome();
        Optional<String> execFailure = initExecFailure(outcome, exitCode);
        if (execFailure.isPresent()) {
            return new TaskResult(TaskResult.Outcome.FAILED_TO_START, exitCode,
                    "docker: the container's command could not be executed: " + execFailure.get(), started, finished);
        }
        String message = switch (outcome) {
            case TIMED_OUT -> "timed out after " + io.muster.types.HumanDuration.of(watch.timeout()) + "; container stopped (exit code " + exitCode + ")";
            case STOPPED -> "stopped; container exited with code " + exitCode;
            default -> "container exited with code " + exitCode;
        };
        if (state != null && Boolean.TRUE.equals(state.getOOMKilled())) {
            message += "; " + TaskResult.OOM_NOTE;
        }
        if (watch.note() != null) {
            message += "; " + watch.note();
        }
        return new TaskResult(outcome, exitCode, message, started, finished.isBefore(started) ? now : finished);
    }

    /**
     * With Docker's init as PID 1 the container itself starts fine and it is the init's exec of
     * the command that fails (exit 126/127 with a "[FATAL tini (N)] exec ... failed" line): that is
     * a failure to start, not a task that ran and exited.
     */
    private Optional<String> initExecFailure(TaskResult.Outcome outcome, int exitCode) {
        if (outcome != TaskResult.Outcome.EXITED || (exitCode != 126 && exitCode != 127)) {
            return Optional.empty();
        }
        return output.stderr().tailString(4096).lines()
                .filter(l -> l.startsWith("[FATAL tini (") && l.contains("] exec "))
                .findFirst();
    }

    /** Docker reports "0001-01-01T00:00:00Z" for never; anything unparsable falls back. */
    private static Instant parseTime(String text, Instant fallback) {
        try {
            Instant t = text == null ? null : Instant.parse(text);
            return t == null || t.getEpochSecond() <= 0 ? fallback : t;
        } catch (DateTimeParseException e) {
            return fallback;
        }
    }

    private void closeStreams() {
        streams.forEach(DockerTaskHandle::closeQuietly);
    }

    private static void closeQuietly(Closeable c) {
        try {
            c.close();
        } catch (IOException | RuntimeException ignored) {
            // Closing a finished stream.
        }
    }

    @Override
    void releaseWatch() {
        closeStreams();
    }

    /** Under the lock {@link #finish} holds: a container detaches or finishes, never both. */
    @Override
    synchronized void detach() {
        super.detach();
    }

    private String shortId() {
        return watch.containerId().length() > 12 ? watch.containerId().substring(0, 12) : watch.containerId();
    }
}
