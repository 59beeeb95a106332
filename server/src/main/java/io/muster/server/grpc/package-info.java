/**
 * The worker protocol on worker_grpc_addr (grpc-java, mTLS) and the internal server-to-server services: registration,
 * polls, heartbeats, control streams, relays. Reads snapshots; writes through the proposer.
 */
package io.muster.server.grpc;
