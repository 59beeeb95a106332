package io.muster.worker.alloc;

import io.muster.worker.driver.DriverAvailability;
import io.muster.worker.driver.TaskDriver;
import io.muster.worker.util.Ticker;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

/**
 * What every allocation runner on this node shares.
 *
 * @param drivers by name
 * @param availability each driver's probe result, taken at start-up
 * @param allocRoot {@code <data_dir>/allocs}: one directory per task key
 * @param clock wall clock: status timestamps, job deadlines
 * @param ticker monotonic time and waits: restart delays, the wait for a job deadline
 * @param stopGrace time between SIGTERM and SIGKILL when a task is stopped or times out
 * @param secrets where the values of the secrets a task names come from (fetched before each start)
 */
public record RunnerContext(Map<String, TaskDriver> drivers, Map<String, DriverAvailability> availability,
                            Path allocRoot, long nodeId, Clock clock, Ticker ticker, Duration stopGrace, SecretSource secrets) {
    public RunnerContext {
        drivers = Map.copyOf(drivers);
        availability = Map.copyOf(availability);
        secrets = secrets == null ? SecretSource.UNAVAILABLE : secrets;
    }

    /** Without a secret source: a task that names secrets fails to start. */
    public RunnerContext(Map<String, TaskDriver> drivers, Map<String, DriverAvailability> availability,
                         Path allocRoot, long nodeId, Clock clock, Ticker ticker, Duration stopGrace) {
        this(drivers, availability, allocRoot, nodeId, clock, ticker, stopGrace, SecretSource.UNAVAILABLE);
    }
}
