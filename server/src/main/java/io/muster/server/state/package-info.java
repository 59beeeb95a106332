/**
 * The replicated state and its only writer. {@link io.muster.server.state.ClusterState} publishes immutable
 * {@link io.muster.server.state.ClusterSnapshot}s; {@link io.muster.server.state.CommandApplier} dispatches each
 * committed command to the applier of its domain, which runs on a transaction and is published whole.
 * May not import: networking, Raft, the file system, clocks or randomness (checked by ArchitectureTest): apply is a
 * pure function of (state, command, index).
 */
package io.muster.server.state;
