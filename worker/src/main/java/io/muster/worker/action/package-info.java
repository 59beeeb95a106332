/**
 * Action backends: what operation jobs run on workers besides exec and docker tasks ({@code apt install
 * package=nginx}). The {@link io.muster.worker.action.ActionDriver} is the task driver {@code action}: the server
 * sends each attempt of an action task as an ordinary allocation whose single task has {@code driver: action} and
 * {@code action: {backend, action, params}}.
 *
 * <p>Built in: {@code ping}, {@code test} and {@code sysinfo}, which only read and are always on, and
 * {@code systemd}, {@code apt} and {@code file}, which change the system and run only when the worker's
 * configuration enables them ({@code backends: [apt, systemd, file]}, or {@code muster worker --backend NAME}).
 *
 * <p><b>Adding a backend</b> without touching the worker: implement {@link io.muster.worker.action.ActionBackend},
 * list the class in {@code META-INF/services/io.muster.worker.action.ActionBackend} of a jar on the worker's class
 * path, and {@link java.util.ServiceLoader} finds it at start-up ({@link io.muster.worker.action.ActionBackends#load}).
 * A plugin whose {@code changesSystem()} is false is always on; one that changes the system is enabled by name like
 * the built-in ones (the configuration file checks names against the built-in catalogue, so a plugin is enabled with
 * {@code --backend NAME}). Every backend gets an {@link io.muster.worker.action.ActionContext}: the deadline, the
 * clock, the output sink, and {@link io.muster.worker.action.CommandRunner} to run programs by argv (never a shell)
 * with a minimal environment, killed at the deadline or when the action is stopped.
 */
package io.muster.worker.action;
