/**
 * Simulated workers: each {@link io.muster.loadtest.sim.SimWorker} registers through the real Register RPC with its
 * own key and CSR, holds its own mTLS channel, long-polls, heartbeats and acknowledges assignments.
 * {@link io.muster.loadtest.sim.Fleet} holds them and the worker-side truth about deliveries;
 * {@link io.muster.loadtest.sim.SimTransport} is what they share to stay cheap; {@link io.muster.loadtest.sim.Metrics}
 * counts and times.
 *
 * <p>May import: the worker gRPC protocol ({@code io.muster.proto}, grpc-netty), {@code io.muster.pki} and
 * {@code io.muster.types}. Not {@code io.muster.server} or {@code io.muster.worker}: a simulated worker is
 * written from the protocol, not from the real worker's code.
 */
package io.muster.loadtest.sim;
