/**
 * The Muster worker daemon. {@link io.muster.worker.WorkerDaemon} is the entry point; the rest is organised by job:
 *
 * <ul>
 *   <li>{@code identity}: the join token, registration ({@code Register} with a locally generated key and CSR,
 *       trusting the server only through the token's CA pin), the identity files ({@code cert.pem}, {@code key.pem}
 *       0600, {@code ca.pem}, replaced crash-safely) and certificate renewal at 70-90% of the leaf's life.</li>
 *   <li>{@code rpc}: the server list (advertised servers first, configured ones as a last resort), jittered
 *       exponential backoff, TLS channels, and the {@link io.muster.worker.rpc.Session} that keeps one mTLS channel
 *       to one server at a time and fails over.</li>
 *   <li>{@code loop}: the long-poll loop (assignment events), the heartbeat loop ({@code ReportStatus} at
 *       0.5-0.75 x TTL, earlier when statuses change) and the {@code Control} stream (log requests).</li>
 *   <li>{@code alloc}: one {@link io.muster.worker.alloc.AllocRunner} per allocation on virtual threads (tasks,
 *       worker-local restart policy, timeouts, job deadline), and {@link io.muster.worker.alloc.Allocations}, which
 *       applies events, keeps unacknowledged statuses, tracks the drain and persists everything.</li>
 *   <li>{@code state}: {@code <data_dir>/worker/state.json} (last revision, allocation records with task handle ids),
 *       so a restarted worker resumes without a full snapshot and re-attaches to its tasks.</li>
 * </ul>
 *
 * <p>Threads: one platform thread runs the daemon's life; the poll loop, heartbeat loop, renewal loop, allocation
 * runners and their tasks run on virtual threads. Nothing in the worker ever logs the join token or key
 * material.
 */
package io.muster.worker;
