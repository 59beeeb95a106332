/**
 * The REST API and dashboard (Vert.x Web): the ACL guard and access table, request bodies, one class per endpoint
 * group, each built by the composition root with what it uses. Reads one snapshot per request ({@code Snapshots});
 * writes through the {@code Proposer}; sees Raft through {@code RaftStatus}/{@code RaftAdmin}/{@code RaftLogView},
 * the leases through {@code Leases} and task output through {@code TaskLogs}. Never imports the gRPC layer.
 */
package io.muster.server.api;
