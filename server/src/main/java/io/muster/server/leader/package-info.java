/**
 * Services that run only on the ready leader (started on notifyLeaderReady, stopped on step-down): heartbeat
 * leases, the scheduler, garbage collection, the divergence check. They read snapshots and change the state only
 * by proposing commands.
 */
package io.muster.server.leader;
