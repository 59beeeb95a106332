/**
 * The worker protocol on worker_grpc_addr (grpc-java, mTLS) and the internal server-to-server services: registration,
 * polls, heartbeats, control streams, relays. Reads the state; writes through the {@code Proposer}; hands heartbeats
 * to the leader's lease service through {@code Heartbeats} (given, never built here). A follower relays a heartbeat to
 * the leader once; a relayed heartbeat is answered by the receiving server's lease service or refused, never relayed on.
 */
package io.muster.server.grpc;
