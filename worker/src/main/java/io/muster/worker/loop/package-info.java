/**
 * The worker's long-running conversations with the servers: {@link io.muster.worker.loop.PollLoop} (assignment
 * events by long poll), {@link io.muster.worker.loop.HeartbeatLoop} ({@code ReportStatus} at 0.5-0.75 x TTL, sooner
 * when statuses change, retried within seconds) and {@link io.muster.worker.loop.ControlStream} (log requests).
 * Their pacing runs on the injected {@link io.muster.worker.util.Ticker} (through
 * {@link io.muster.worker.util.Waker}), so tests can step it; gRPC call deadlines are real time.
 *
 * <p>May import {@code alloc} (through the {@link io.muster.worker.alloc.Allocations} facade only), {@code rpc},
 * {@code util} and the wire types; not {@code identity} or {@code driver}, and never {@code io.muster.server..}.
 */
package io.muster.worker.loop;
