/**
 * Apache Ratis: the state machine adapter (decode, apply, snapshot files) and this server's Raft membership —
 * {@link io.muster.server.raft.RaftNode} owns the Ratis server's lifecycle and hands out narrow views of it:
 * {@link io.muster.server.raft.RaftStatus} (leadership, members), {@link io.muster.server.raft.RaftProposer} (writes),
 * {@link io.muster.server.raft.RaftAdmin} (leader transfer, membership, snapshots) and
 * {@link io.muster.server.raft.RaftLogView}; {@code RaftSettings} builds the Ratis properties, TLS parameters and
 * client retry policy; the gate admits only member servers on the Raft port. Knows the state through its public API;
 * knows nothing of REST or the worker protocol.
 */
package io.muster.server.raft;
