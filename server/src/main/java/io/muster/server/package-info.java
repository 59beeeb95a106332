/**
 * One Muster server, assembled: {@link io.muster.server.MusterServer} is the composition root that builds the Raft
 * node, the state, the leader services, the worker gRPC endpoint and the REST API, and hands each class the narrow
 * interfaces it uses through its constructor ({@link io.muster.server.Proposer}, {@code state.Snapshots},
 * {@code raft.RaftStatus}/{@code RaftAdmin}/{@code RaftLogView}, {@code leader.Leases}/{@code Heartbeats},
 * {@link io.muster.server.TaskLogs}); there is no shared context object. Only this package and the leader package
 * construct leader services (checked by ArchitectureTest).
 */
package io.muster.server;
