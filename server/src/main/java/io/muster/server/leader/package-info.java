/**
 * Services that run only on the ready leader (started on notifyLeaderReady, stopped on step-down): heartbeat
 * leases, the scheduler, garbage collection, the divergence check. They read snapshots and change the state only
 * by proposing commands. They are built by the composition root ({@code MusterServer}) only; other layers see them
 * through the narrow interfaces here ({@link io.muster.server.leader.Leases}, {@link io.muster.server.leader.Heartbeats},
 * {@link io.muster.server.leader.GarbageCollection}).
 */
package io.muster.server.leader;
