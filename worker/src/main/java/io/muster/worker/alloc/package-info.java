/**
 * The node's allocations. {@link io.muster.worker.alloc.Allocations} is the facade the loops use; it coordinates,
 * under one lock, the parts that each do one job:
 *
 * <ul>
 *   <li>{@code AssignmentLedger}: which allocations this node should run, by revision, the drain, and when a
 *       finished record may be forgotten (pure bookkeeping: no threads, files or network);</li>
 *   <li>{@code StatusOutbox}: statuses not yet acknowledged by a server, versioned and sent in batches;</li>
 *   <li>{@code StateFile}: the mapping to {@code state.json} and coalesced saves;</li>
 *   <li>{@code RunnerSupervisor}: the {@link io.muster.worker.alloc.AllocRunner}s and task directories.</li>
 * </ul>
 *
 * <p>An {@link io.muster.worker.alloc.AllocRunner} runs one allocation's tasks with the group's
 * {@link io.muster.worker.alloc.RestartPolicy}; its restart delays and job-deadline wait run on the
 * {@link io.muster.worker.util.Ticker} of its {@link io.muster.worker.alloc.RunnerContext}, so tests step them.
 *
 * <p>May import {@code driver}, {@code state}, {@code util} and the wire types ({@code io.muster.proto}); not
 * {@code loop}, {@code rpc} or {@code identity} (the network is the loops' business), and never
 * {@code io.muster.server..}.
 */
package io.muster.worker.alloc;
