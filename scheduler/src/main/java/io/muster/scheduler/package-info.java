/**
 * Nomad-style placement as a pure function: {@link io.muster.scheduler.Scheduler} takes a job and a read-only
 * {@link io.muster.scheduler.ClusterView} and returns a {@link io.muster.scheduler.Plan}; the
 * {@link io.muster.scheduler.Reconciler} decides stops and needed placements, feasibility checks and the
 * {@link io.muster.scheduler.NodeSelector}s (pack, spread) pick nodes.
 *
 * <p>May import: the JDK and {@code io.muster.types} (job specs). No I/O, no clock of its own, no runtime (Vert.x,
 * gRPC, Ratis) and no server class: the server adapts its state to {@code ClusterView}.
 */
package io.muster.scheduler;
