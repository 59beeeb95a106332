package io.muster.worker.driver;

import java.util.Optional;

/**
 * Runs allocations' tasks on this node. One task per allocation: {@code allocId} is the key a
 * driver uses to find a task again after a worker restart.
 *
 * <p>Contract shared by all drivers:
 * <ul>
 *   <li>{@link #start} never throws for task-level problems (command or image missing, engine
 *       error): it returns a handle whose {@link TaskHandle#result()} is already completed with
 *       {@link TaskResult.Outcome#FAILED_TO_START} and a message naming the problem. It throws
 *       only {@link IllegalStateException} once the driver is closed.</li>
 *   <li>Starting an allocId whose task is still running (started by this instance or by a previous
 *       worker process) re-attaches to it instead of running a duplicate.</li>
 *   <li>{@link #close} detaches, it does not kill: running tasks keep running so that the next
 *       worker process can {@link #recover} them; handles still open complete with
 *       {@link TaskResult.Outcome#DETACHED}.</li>
 * </ul>
 */
public interface TaskDriver extends AutoCloseable {

    /** Stable name the scheduler matches job specs against ("exec", "docker"). */
    String name();

    /** Whether this driver can run tasks on this node; only usable drivers are advertised. */
    DriverAvailability probe();

    /** Starts (or re-attaches to) the task of {@code request.allocId()}. */
    TaskHandle start(TaskRequest request);

    /**
     * Re-attaches to the task of an allocation that may have outlived a worker restart.
     *
     * @return empty if this driver has no trace of the allocation; otherwise a handle, whose result
     *     is already completed with {@link TaskResult.Outcome#LOST} when the task is known but gone
     * @throws IllegalStateException if the driver cannot tell (e.g. the Docker engine is
     *     unreachable), or is closed
     */
    Optional<TaskHandle> recover(String allocId);

    @Override
    void close();
}
