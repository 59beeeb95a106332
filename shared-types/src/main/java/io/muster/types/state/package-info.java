/**
 * The lifecycle states of nodes, allocations, drains and jobs, as enums. Each carries its wire name ({@code wire()}),
 * the spelling the API, the CLI, the Raft log and snapshots use; {@code fromWire} rejects any other spelling.
 */
package io.muster.types.state;
