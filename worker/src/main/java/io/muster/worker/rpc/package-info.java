/**
 * Talking to servers: the {@link io.muster.worker.rpc.ServerList} (advertised servers first, configured ones as a
 * last resort), jittered exponential {@link io.muster.worker.rpc.Backoff} (delays only; the caller waits), TLS
 * channels, gRPC error classification, and the {@link io.muster.worker.rpc.Session} that keeps one mTLS channel to
 * one server at a time and fails over.
 *
 * <p>May import {@code identity.WorkerIdentity} (the credentials a session presents), {@code io.muster.pki},
 * {@code io.muster.types} and the wire types; not {@code alloc}, {@code loop} or {@code driver}, and never
 * {@code io.muster.server..}.
 */
package io.muster.worker.rpc;
