/**
 * The Muster worker daemon. {@link io.muster.worker.WorkerDaemon} is the entry point and owns the daemon's life
 * (start, failure, revocation, shutdown); beside it live {@link io.muster.worker.WorkerOptions} (the tunables and
 * the injected time sources), {@code WorkerPaths} (the configuration's on-disk layout), {@code NodeBootstrap}
 * (identity and registration) and {@code WorkerLoops} (the session and the loops, started and stopped in order).
 * The rest is organised by job:
 *
 * <ul>
 *   <li>{@code identity}: the join token, registration ({@code Register} with a locally generated key and CSR,
 *       trusting the server only through the token's CA pin), the identity files ({@code cert.pem}, {@code key.pem}
 *       0600, {@code ca.pem}, replaced crash-safely) and certificate renewal at 70-90% of the leaf's life.</li>
 *   <li>{@code discovery}: {@code --discover}: listens for the servers' LAN announcements of the token's cluster
 *       and hands their addresses to the server list as hints; the CA pin still decides trust.</li>
 *   <li>{@code rpc}: the server list (advertised servers first, configured ones as a last resort), jittered
 *       exponential backoff, TLS channels, and the {@link io.muster.worker.rpc.Session} that keeps one mTLS channel
 *       to one server at a time and fails over.</li>
 *   <li>{@code loop}: the long-poll loop (assignment events), the heartbeat loop ({@code ReportStatus} at
 *       0.5-0.75 x TTL, earlier when statuses change) and the {@code Control} stream (log requests).</li>
 *   <li>{@code alloc}: the {@link io.muster.worker.alloc.Allocations} facade over the assignment ledger, the status
 *       outbox, the state file and the runner supervisor; one {@link io.muster.worker.alloc.AllocRunner} per
 *       allocation on virtual threads (tasks, worker-local restart policy, timeouts, job deadline).</li>
 *   <li>{@code driver}: the task drivers (exec, docker).</li>
 *   <li>{@code action}: the {@code action} driver of operation jobs and its backends (ping, test, sysinfo always;
 *       systemd, apt, file when the configuration enables them; more through {@link java.util.ServiceLoader}).</li>
 *   <li>{@code state}: {@code <data_dir>/worker/state.json} (last revision, allocation records with task handle ids),
 *       so a restarted worker resumes without a full snapshot and re-attaches to its tasks.</li>
 *   <li>{@code util}: the injected {@link io.muster.worker.util.Ticker} and the {@link io.muster.worker.util.Waker}
 *       every loop pauses on.</li>
 * </ul>
 *
 * <p>Time: wall-clock time comes from the {@link java.time.Clock} and monotonic time and waits from the
 * {@link io.muster.worker.util.Ticker} in {@link io.muster.worker.WorkerOptions}; loops and runners do not read
 * {@code System.currentTimeMillis}, {@code System.nanoTime} or {@code Instant.now} nor call {@code Thread.sleep}, and
 * drivers take their clock from their {@code Config}. What still runs on real time says so where it is: gRPC call
 * deadlines, the drivers' kill-grace, timeout and log-tail timers and the control stream's reopen timer (all on
 * {@link java.util.concurrent.ScheduledExecutorService}s), the exec driver's bounded wait for a spawned process, and
 * the suffix of a corrupt {@code state.json} set aside.
 *
 * <p>Threads: one platform thread runs the daemon's life; the poll loop, heartbeat loop, renewal loop, allocation
 * runners and their tasks run on virtual threads. Nothing in the worker ever logs the join token or key
 * material.
 *
 * <p>May not import: {@code io.muster.server..} (workers speak to servers over the wire protocol only, checked by
 * the cli module's ArchitectureTest), nor {@code io.muster.cli..} or {@code io.muster.loadtest..}. The CLI starts the
 * daemon directly: {@code new WorkerDaemon(WorkerConfig, WorkerOptions.defaults())}.
 */
package io.muster.worker;
