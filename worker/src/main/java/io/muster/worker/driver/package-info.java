/**
 * Task drivers: how a worker runs the tasks of the allocations placed on it.
 *
 * <p>{@link io.muster.worker.driver.TaskDriver} is the contract; {@link io.muster.worker.driver.ExecDriver}
 * runs a plain process in its own session and process group, {@link io.muster.worker.driver.DockerDriver}
 * a sandboxed container. The worker advertises only drivers whose
 * {@link io.muster.worker.driver.TaskDriver#probe()} says usable.
 *
 * <p>Lifecycle: {@code start} returns a {@link io.muster.worker.driver.TaskHandle} whose
 * {@code result()} completes once with a {@link io.muster.worker.driver.TaskResult}; {@code stop}
 * sends TERM, then KILL after the grace; a request's timeout does the same with its
 * {@code killGrace}. Tasks outlive the worker: {@code close()} only detaches, and after a restart
 * {@code recover(allocId)} (or {@code start} of the same allocation) re-attaches instead of
 * running the task twice.
 *
 * <p>Logs on disk, per allocation directory: {@code stdout.log} and {@code stderr.log}, each
 * rotated to {@code *.log.1} at 8 MiB by default (by size, not time), so a stream never takes more
 * than about twice that. In memory, each handle keeps the last 1 MiB per stream in an
 * {@link io.muster.worker.driver.OutputBuffer}, counting what it dropped.
 *
 * <p>Time: timestamps and recorded deadlines come from the {@link java.time.Clock} in each driver's
 * {@code Config} (the system clock by default). Kill-grace and timeout timers still run on the
 * drivers' {@link java.util.concurrent.ScheduledExecutorService}, i.e. on real time, as does the
 * bounded wait for a spawned process to take its own process group.
 *
 * <p>May import only libraries (docker-java, Jackson, slf4j) and the JDK, nothing else of Muster: drivers
 * know nothing of allocations bookkeeping, the network or the server ({@code io.muster.server..} is never imported).
 */
package io.muster.worker.driver;
