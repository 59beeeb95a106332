package io.muster.worker.loop;

import io.grpc.StatusRuntimeException;
import io.muster.proto.StatusAck;
import io.muster.proto.StatusReport;
import io.muster.worker.alloc.Allocations;
import io.muster.worker.rpc.Backoff;
import io.muster.worker.rpc.RpcErrors;
import io.muster.worker.rpc.Session;
import io.muster.worker.util.Ticker;
import io.muster.worker.util.Waker;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends {@code ReportStatus}: the allocation statuses not yet acknowledged (resent until a server acknowledges
 * them), resource use, the applied revision and {@code drain_complete}.
 *
 * <p>Timing: the next heartbeat is due at a random point in [0.5, 0.75] of the TTL the server returned, so workers
 * never fall into lockstep and are always early. Status changes are reported sooner, batched for
 * {@code batchDelay}. A failed report moves the session to another server and is retried within a few seconds:
 * the TTL plus grace is the budget before the server marks the node down.
 */
public final class HeartbeatLoop implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(HeartbeatLoop.class);
    private static final int DEFAULT_TTL_SECS = 10;

    private final Session session;
    private final Allocations allocations;
    private final long nodeId;
    private final Clock clock;
    private final Ticker ticker;
    private final ResourceSampler resources;
    private final Duration batchDelay;
    private final Duration callTimeout;
    private final Backoff retry;
    private final RandomGenerator random;
    private final Consumer<String> revoked;
    private final Waker waker;
    /** When the oldest unreported change happened (ticker time), 0 if none. */
    private final AtomicLong changedAt = new AtomicLong();
    private volatile int ttlSecs;
    private String nodeState = "";
    private final io.muster.worker.metrics.WorkerMetrics metrics;

    /**
     * @param clock wall clock, for the report's {@code sent_unix_ms}
     * @param ticker paces the reports (TTL, batching, retries); tests step it by hand
     * @param metrics told each report's round trip (wall time, whatever the ticker) and whether it was acknowledged
     */
    public HeartbeatLoop(Session session, Allocations allocations, long nodeId, Clock clock, Ticker ticker,
                         ResourceSampler resources,
                         int initialTtlSecs, Duration batchDelay, Duration callTimeout, Backoff retry, RandomGenerator random,
                         Consumer<String> revoked, io.muster.worker.metrics.WorkerMetrics metrics) {
        this.metrics = metrics;
        this.session = session;
        this.allocations = allocations;
        this.nodeId = nodeId;
        this.clock = clock;
        this.ticker = ticker;
        this.waker = new Waker(ticker);
        this.resources = resources;
        this.ttlSecs = initialTtlSecs > 0 ? initialTtlSecs : DEFAULT_TTL_SECS;
        this.batchDelay = batchDelay;
        this.callTimeout = callTimeout;
        this.retry = retry;
        this.random = random;
        this.revoked = revoked;
    }

    /** Something changed that the servers should hear about soon. */
    public void nudge() {
        changedAt.compareAndSet(0, nonZero(ticker.nanoTime()));
        waker.wake();
    }

    public void close() {
        waker.close();
    }

    public int ttlSecs() {
        return ttlSecs;
    }

    @Override
    public void run() {
        long nextDue = ticker.nanoTime(); // the first report goes out at once: "this node is up"
        long lastSent = 0;
        boolean failing = false;
        while (!waker.isClosed()) {
            long now = ticker.nanoTime();
            long due = nextDue;
            long changed = changedAt.get();
            // While failing, the retry backoff sets the pace; changes ride along with the next retry.
            if (changed != 0 && !failing) {
                due = Math.min(due, Math.max(changed + batchDelay.toNanos(), lastSent + batchDelay.toNanos()));
            }
            if (now < due) {
                waker.await(Duration.ofNanos(due - now));
                continue;
            }
            changedAt.set(0);
            Allocations.Report report = allocations.pendingReport();
            Session.Lease lease;
            try {
                lease = session.current();
            } catch (IllegalStateException closed) {
                return;
            }
            long sentAt = System.nanoTime();
            try {
                StatusAck ack = lease.blocking()
                        .withDeadlineAfter(callTimeout.toMillis(), TimeUnit.MILLISECONDS)
                        .reportStatus(StatusReport.newBuilder()
                                .setNodeId(nodeId)
                                .addAllAllocations(report.statuses())
                                .setResources(resources.sample(report.running()))
                                .setAppliedRevision(allocations.lastRevision())
                                .setDrainComplete(report.drainComplete())
                                .setSentUnixMs(clock.millis())
                                .build());
                metrics.heartbeat(System.nanoTime() - sentAt, true);
                allocations.acknowledged(report);
                retry.reset();
                failing = false;
                if (report.more()) {
                    nudge(); // the rest of a large backlog goes in the next report
                }
                lastSent = ticker.nanoTime();
                if (ack.getNextTtlSecs() > 0) {
                    ttlSecs = ack.getNextTtlSecs();
                }
                nextDue = lastSent + (long) (ttlSecs * 1e9 * (0.5 + 0.25 * random.nextDouble()));
                session.updateServers(ack.getServersList());
                if (!Objects.equals(nodeState, ack.getNodeState()) && !ack.getNodeState().isEmpty()) {
                    log.info("server {} reports this node as {}", lease.server(), ack.getNodeState());
                    nodeState = ack.getNodeState();
                }
            } catch (StatusRuntimeException e) {
                metrics.heartbeat(System.nanoTime() - sentAt, false);
                if (waker.isClosed()) {
                    return;
                }
                String reason = RpcErrors.describe(e);
                if (RpcErrors.isRevocation(e)) {
                    revoked.accept(reason);
                    return;
                }
                session.failover(lease, "heartbeat: " + reason);
                failing = true;
                Duration wait = retry.next();
                log.warn("heartbeat to {} failed ({}); retrying with {} in {} ms", lease.server(), reason,
                        session.currentServer(), wait.toMillis());
                nextDue = ticker.nanoTime() + wait.toNanos();
            }
        }
    }

    /** 0 means "no change pending", so a change at ticker time 0 is recorded as 1 ns later. */
    private static long nonZero(long nanos) {
        return nanos == 0 ? 1 : nanos;
    }
}
