package io.muster.worker.driver;

import java.time.Clock;
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
 * What every driver's handle shares: one result, completed once; the reason a stop was asked for; the timers
 * to cancel when the task ends; and detaching when the driver closes. A driver says how to stop its task and
 * how to name it.
 */
abstract class WatchedTaskHandle implements TaskHandle {
    private static final Logger log = LoggerFactory.getLogger(WatchedTaskHandle.class);

    final CompletableFuture<TaskResult> result = new CompletableFuture<>();
    final List<ScheduledFuture<?>> timers = new CopyOnWriteArrayList<>();
    final ScheduledExecutorService scheduler;
    final OutputBuffer output;
    /** Wall clock: the recorded deadline (epoch ms) and the timestamps of results. */
    final Clock clock;
    private final AtomicReference<TaskResult.Outcome> endReason = new AtomicReference<>();
    volatile boolean detached;

    WatchedTaskHandle(ScheduledExecutorService scheduler, OutputBuffer output, Clock clock) {
        this.scheduler = scheduler;
        this.output = output;
        this.clock = clock;
    }

    /** The task for people: "pid 4242", "container 0123456789ab". */
    abstract String describe();

    /** When the task started (recorded, so also right after a re-attach). */
    abstract Instant startedAt();

    /** Asks the task to end: politely now, forcibly once {@code grace} has passed. */
    abstract void sendStop(Duration grace);

    /** Lets go of whatever watches the task besides the timers; for {@link #detach}. */
    void releaseWatch() {}

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

    /** Stops the task as TIMED_OUT once {@code deadlineEpochMs} has passed; 0 means no deadline. */
    void armDeadline(long deadlineEpochMs, Duration timeout, Duration killGrace) {
        if (deadlineEpochMs <= 0) {
            return;
        }
        long delay = Math.max(0, deadlineEpochMs - clock.millis());
        timers.add(scheduler.schedule(() -> {
            log.info("alloc {}: timeout of {} reached, stopping {}", allocId(), io.muster.types.HumanDuration.of(timeout), describe());
            requestStop(TaskResult.Outcome.TIMED_OUT, killGrace);
        }, delay, TimeUnit.MILLISECONDS));
    }

    /** The first reason given wins: a timeout during a stop stays a stop. */
    final void requestStop(TaskResult.Outcome reason, Duration grace) {
        if (result.isDone() || detached) {
            return;
        }
        endReason.compareAndSet(null, reason);
        sendStop(grace);
    }

    /** Why the task ended: the stop we asked for, or EXITED when it ended on its own. */
    TaskResult.Outcome outcome() {
        TaskResult.Outcome reason = endReason.get();
        return reason != null ? reason : TaskResult.Outcome.EXITED;
    }

    void cancelTimers() {
        timers.forEach(t -> t.cancel(false));
    }

    /** The driver is closing: stop watching, leave the task running for the next worker to recover. */
    void detach() {
        if (result.isDone()) {
            return;
        }
        detached = true;
        cancelTimers();
        releaseWatch();
        output.close();
        result.complete(new TaskResult(TaskResult.Outcome.DETACHED, TaskResult.UNKNOWN_EXIT_CODE,
                "driver closed; " + describe() + " keeps running and can be recovered", startedAt(), clock.instant()));
    }
}
