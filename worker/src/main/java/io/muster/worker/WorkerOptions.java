package io.muster.worker;

import io.muster.types.config.WorkerConfig;
import io.muster.worker.driver.cgroup.Cgroups;
import io.muster.worker.driver.DockerDriver;
import io.muster.worker.driver.ExecDriver;
import io.muster.worker.driver.TaskDriver;
import io.muster.worker.rpc.Backoff;
import io.muster.worker.util.Ticker;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker daemon's tunables, apart from the operator's configuration ({@link io.muster.types.config.WorkerConfig}):
 * the time sources, the drivers, timeouts and backoff. It exists so that everything a test may want to change (and
 * production never does) is one validated value; {@link #defaults()} is what production uses.
 *
 * @param clock wall clock: certificate validity, renewal time, status timestamps, job deadlines
 * @param ticker monotonic time and timed waits of the loops and runners (poll pacing, heartbeat timing, retry
 *     backoff, restart delays); tests pass one they step by hand
 * @param drivers creates the task drivers (the daemon owns and closes them)
 * @param version reported in the node profile and the gRPC user agent
 * @param pollWaitSecs how long a server may hold a poll (max_wait_secs)
 * @param stopGrace time between SIGTERM and SIGKILL when stopping a task
 * @param initialBackoff first retry delay after a failed call; doubles per failure
 * @param maxBackoff cap of the retry delay
 * @param callTimeout deadline of unary calls other than Poll
 * @param statusBatchDelay how long status changes are batched before an early report
 * @param renewalCheckInterval how often the renewal time is checked against the clock
 * @param cpuMhzPerCore schedulable CPU units per core
 */
public record WorkerOptions(Clock clock, Ticker ticker, DriverFactory drivers, String version, int pollWaitSecs,
                            Duration stopGrace, Duration initialBackoff, Duration maxBackoff, Duration callTimeout,
                            Duration statusBatchDelay, Duration renewalCheckInterval, int cpuMhzPerCore) {
    private static final Logger log = LoggerFactory.getLogger(WorkerOptions.class);
    /** Jitter source usable from any thread (ThreadLocalRandom must not be shared between threads). */
    static final RandomGenerator JITTER = () -> ThreadLocalRandom.current().nextLong();

    /** Creates the task drivers, given the directory that holds one directory per task ({@code <data_dir>/allocs}). */
    @FunctionalInterface
    public interface DriverFactory {
        List<TaskDriver> create(Path allocRoot);

        /** With the worker's resource-limit settings; a factory that has no use for them ignores them. */
        default List<TaskDriver> create(Path allocRoot, WorkerConfig.ResourceLimits limits) {
            return create(allocRoot);
        }

        /**
         * exec and docker with their default settings (docker is advertised only if its engine answers); exec confines
         * tasks with cgroups where the machine allows it and the configuration does not say otherwise.
         */
        static DriverFactory standard() {
            return new DriverFactory() {
                @Override
                public List<TaskDriver> create(Path allocRoot) {
                    return create(allocRoot, WorkerConfig.ResourceLimits.DEFAULT);
                }

                @Override
                public List<TaskDriver> create(Path allocRoot, WorkerConfig.ResourceLimits limits) {
                    List<TaskDriver> drivers = new ArrayList<>();
                    Cgroups cgroups = limits.enabled() ? Cgroups.detect(limits.cgroupParent())
                            : Cgroups.unavailable("turned off in the worker's configuration (resource_limits: {enabled: false})");
                    drivers.add(new ExecDriver(ExecDriver.Config.defaults(allocRoot).withCgroups(cgroups)));
                    try {
                        drivers.add(new DockerDriver(DockerDriver.Config.defaults()));
                    } catch (RuntimeException e) {
                        // A broken DOCKER_HOST or docker config must not keep the worker from running exec tasks.
                        log.warn("docker driver unavailable: {}", e.getMessage());
                    }
                    return drivers;
                }
            };
        }
    }

    public WorkerOptions {
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(ticker, "ticker");
        Objects.requireNonNull(drivers, "drivers");
        Objects.requireNonNull(version, "version");
        if (pollWaitSecs < 1 || pollWaitSecs > 60) {
            throw new IllegalArgumentException("pollWaitSecs must be 1-60, got " + pollWaitSecs);
        }
        if (cpuMhzPerCore < 1) {
            throw new IllegalArgumentException("cpuMhzPerCore must be >= 1, got " + cpuMhzPerCore);
        }
        for (Duration d : List.of(stopGrace, initialBackoff, maxBackoff, callTimeout, statusBatchDelay, renewalCheckInterval)) {
            if (d.isNegative()) {
                throw new IllegalArgumentException("durations must not be negative, got " + io.muster.types.HumanDuration.of(d));
            }
        }
    }

    public static WorkerOptions defaults() {
        String version = Optional.ofNullable(WorkerDaemon.class.getPackage().getImplementationVersion()).orElse("dev");
        return new WorkerOptions(Clock.systemUTC(), Ticker.SYSTEM, DriverFactory.standard(), version, 30,
                Duration.ofSeconds(5), Duration.ofMillis(200), Duration.ofSeconds(15), Duration.ofSeconds(10),
                Duration.ofMillis(200), Duration.ofMinutes(1), 1000);
    }

    public WorkerOptions withClock(Clock c) {
        return new WorkerOptions(c, ticker, drivers, version, pollWaitSecs, stopGrace, initialBackoff, maxBackoff,
                callTimeout, statusBatchDelay, renewalCheckInterval, cpuMhzPerCore);
    }

    public WorkerOptions withTicker(Ticker t) {
        return new WorkerOptions(clock, t, drivers, version, pollWaitSecs, stopGrace, initialBackoff, maxBackoff,
                callTimeout, statusBatchDelay, renewalCheckInterval, cpuMhzPerCore);
    }

    public WorkerOptions withDrivers(DriverFactory d) {
        return new WorkerOptions(clock, ticker, d, version, pollWaitSecs, stopGrace, initialBackoff, maxBackoff,
                callTimeout, statusBatchDelay, renewalCheckInterval, cpuMhzPerCore);
    }

    public WorkerOptions withVersion(String v) {
        return new WorkerOptions(clock, ticker, drivers, v, pollWaitSecs, stopGrace, initialBackoff, maxBackoff,
                callTimeout, statusBatchDelay, renewalCheckInterval, cpuMhzPerCore);
    }

    public WorkerOptions withPollWaitSecs(int secs) {
        return new WorkerOptions(clock, ticker, drivers, version, secs, stopGrace, initialBackoff, maxBackoff,
                callTimeout, statusBatchDelay, renewalCheckInterval, cpuMhzPerCore);
    }

    public WorkerOptions withStopGrace(Duration d) {
        return new WorkerOptions(clock, ticker, drivers, version, pollWaitSecs, d, initialBackoff, maxBackoff,
                callTimeout, statusBatchDelay, renewalCheckInterval, cpuMhzPerCore);
    }

    public WorkerOptions withBackoff(Duration initial, Duration max) {
        return new WorkerOptions(clock, ticker, drivers, version, pollWaitSecs, stopGrace, initial, max, callTimeout,
                statusBatchDelay, renewalCheckInterval, cpuMhzPerCore);
    }

    public WorkerOptions withCallTimeout(Duration d) {
        return new WorkerOptions(clock, ticker, drivers, version, pollWaitSecs, stopGrace, initialBackoff, maxBackoff,
                d, statusBatchDelay, renewalCheckInterval, cpuMhzPerCore);
    }

    public WorkerOptions withStatusBatchDelay(Duration d) {
        return new WorkerOptions(clock, ticker, drivers, version, pollWaitSecs, stopGrace, initialBackoff, maxBackoff,
                callTimeout, d, renewalCheckInterval, cpuMhzPerCore);
    }

    public WorkerOptions withRenewalCheckInterval(Duration d) {
        return new WorkerOptions(clock, ticker, drivers, version, pollWaitSecs, stopGrace, initialBackoff, maxBackoff,
                callTimeout, statusBatchDelay, d, cpuMhzPerCore);
    }

    public WorkerOptions withCpuMhzPerCore(int mhz) {
        return new WorkerOptions(clock, ticker, drivers, version, pollWaitSecs, stopGrace, initialBackoff, maxBackoff,
                callTimeout, statusBatchDelay, renewalCheckInterval, mhz);
    }

    /** A fresh retry backoff from {@link #initialBackoff} to {@link #maxBackoff}, with full jitter. */
    Backoff backoff() {
        return new Backoff(initialBackoff, maxBackoff, JITTER);
    }
}
