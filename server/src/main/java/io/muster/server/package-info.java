/**
 * One Muster server, assembled: {@link io.muster.server.MusterServer} is the composition root that builds the Raft
 * node, the state, the leader services, the worker gRPC endpoint and the REST API, and wires them together.
 */
package io.muster.server;
