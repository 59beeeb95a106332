package io.muster.worker.action;

import io.muster.types.job.ActionCall;
import io.muster.worker.driver.OutputBuffer;
import io.muster.worker.driver.TaskHandle;
import io.muster.worker.driver.TaskResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One action on its virtual thread. Stop and timeout interrupt the thread (the backend's programs are killed by
 * {@link Commands}); an action that ignores the interruption is given up on after the grace plus 5 s. The end is
 * written to the {@link ActionRecord} exactly once, even after the handle was detached.
 */
final class ActionTaskHandle implements TaskHandle {
    private static final Logger log = LoggerFactory.getLogger(ActionTaskHandle.class);

    private final String key;
    private final ActionCall call;
    private final Path dir;
    private final OutputBuffer output;
    private final Instant startedAt;
    private final Duration timeout;
    private final Duration killGrace;
    private final ScheduledExecutorService timers;
    private final Clock clock;
    private final Runnable onDone;
    private final CompletableFuture<TaskResult> result = new CompletableFuture<>();
    private final AtomicReference<TaskResult.Outcome> endReason = new AtomicReference<>();
    private final AtomicBoolean ended = new AtomicBoolean();
    private final List<ScheduledFuture<?>> scheduled = new CopyOnWriteArrayList<>();
    private volatile Thread thread;

    ActionTaskHandle(String key, ActionCall call, Path dir, OutputBuffer output, Instant startedAt, Duration timeout,
                     Duration killGrace, ScheduledExecutorService timers, Clock clock, Runnable onDone) {
        this.key = key;
        this.call = call;
        this.dir = dir;
        this.output = output;
        this.startedAt = startedAt;
        this.timeout = timeout;
        this.killGrace = killGrace;
        this.timers = timers;
        this.clock = clock;
        this.onDone = onDone;
    }

    /** A handle whose task is already over (failed start, lost, or recorded before a restart). */
    static ActionTaskHandle completed(String key, TaskResult r, OutputBuffer output) {
        ActionTaskHandle h = new ActionTaskHandle(key, null, null, output, r.startedAt(), Duration.ZERO, Duration.ZERO,
                null, null, () -> {});
        h.ended.set(true);
        h.result.complete(r);
        return h;
    }

    /** Where the action prints: the task's stdout and stderr. */
    ActionContext.Output sink() {
        return new ActionContext.Output() {
            @Override
            public void stdout(String line) {
                output.stdout().append((line + "\n").getBytes(StandardCharsets.UTF_8));
            }

            @Override
            public void stderr(String line) {
                output.stderr().append((line + "\n").getBytes(StandardCharsets.UTF_8));
            }
        };
    }

    /** Runs {@code body} on a virtual thread and arms the timeout. */
    void begin(Supplier<ActionResult> body) {
        thread = Thread.ofVirtual().name("action-" + key).start(() -> {
            ActionResult r;
            try {
                r = body.get();
            } catch (RuntimeException | Error e) {
                r = ActionResult.failed("worker error while running the action: " + e);
            }
            finish(r, killGrace);
        });
        if (!timeout.isZero()) {
            scheduled.add(timers.schedule(() -> requestStop(TaskResult.Outcome.TIMED_OUT, killGrace),
                    timeout.toMillis(), TimeUnit.MILLISECONDS));
        }
    }

    boolean isDone() {
        return result.isDone();
    }

    @Override
    public String allocId() {
        return key;
    }

    @Override
    public String taskId() {
        return call != null ? "action " + call.backend() + " " + call.action() : "action";
    }

    @Override
    public CompletableFuture<TaskResult> result() {
        return result.copy();
    }

    @Override
    public OutputBuffer output() {
        return output;
    }

    @Override
    public void stop(Duration grace) {
        requestStop(TaskResult.Outcome.STOPPED, grace);
    }

    /** The first reason wins; the action is interrupted, and given up on if it does not end in time. */
    private void requestStop(TaskResult.Outcome reason, Duration grace) {
        if (ended.get() || result.isDone()) {
            return;
        }
        endReason.compareAndSet(null, reason);
        Thread t = thread;
        if (t != null) {
            t.interrupt();
        }
        try {
            scheduled.add(timers.schedule(() -> finish(null, grace), ActionDriver.abandonAfter(grace).toMillis(),
                    TimeUnit.MILLISECONDS));
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            // The driver closed meanwhile: the handle is detached already.
        }
    }

    /** Records and reports the end; {@code r} is null when the action is given up on. Only the first call counts. */
    private void finish(ActionResult r, Duration grace) {
        if (!ended.compareAndSet(false, true)) {
            return;
        }
        scheduled.forEach(f -> f.cancel(false));
        boolean failed = r == null || !r.succeeded();
        if (failed && !timeout.isZero() && !clock.instant().isBefore(startedAt.plus(timeout))) {
            // The action's own deadline (which its programs and sleeps obey) ended it just before the timer fired.
            endReason.compareAndSet(null, TaskResult.Outcome.TIMED_OUT);
        }
        TaskResult.Outcome reason = endReason.get();
        TaskResult.Outcome outcome = reason != null ? reason : TaskResult.Outcome.EXITED;
        String ran = r == null ? "it did not end within " + ActionDriver.abandonAfter(grace).toSeconds()
                + " s of being interrupted and was given up on" : r.message();
        if (failed) {
            sink().stderr(ran);
        }
        String message = switch (outcome) {
            case TIMED_OUT -> "timed out after " + io.muster.types.HumanDuration.of(timeout) + "; " + ran;
            case STOPPED -> "stopped; " + ran;
            default -> ran;
        };
        int exitCode = outcome == TaskResult.Outcome.EXITED && r != null && r.succeeded() ? 0 : 1;
        TaskResult done = new TaskResult(outcome, exitCode, message, startedAt, clock.instant());
        try {
            ActionRecord.running(call.backend(), call.action(), startedAt).finish(done).write(dir);
        } catch (IOException e) {
            log.warn("alloc {}: cannot record the end of the action in {}: {}", key, dir, e.toString());
        }
        output.close();
        log.info("alloc {}: action {} {} ended: {} ({})", key, call.backend(), call.action(), outcome, message);
        result.complete(done);
        onDone.run();
    }

    /** The driver closes: the handle completes DETACHED; the action runs on and records its end itself. */
    void detach() {
        if (result.isDone()) {
            return;
        }
        scheduled.forEach(f -> f.cancel(false));
        result.complete(new TaskResult(TaskResult.Outcome.DETACHED, TaskResult.UNKNOWN_EXIT_CODE,
                "driver closed; the action runs on and records its end in " + ActionRecord.FILE, startedAt, clock.instant()));
    }
}
