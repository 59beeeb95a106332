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
 */
public record RunnerContext(Map<String, TaskDriver> drivers, Map<String, DriverAvailability> availability,
                            Path allocRoot, long nodeId, Clock clock, Ticker ticker, Duration stopGrace) {
    public RunnerContext {
        drivers = Map.copyOf(drivers);
        availability = Map.copyOf(availability);
    }
}
