package io.muster.worker.loop;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.muster.proto.PollRequest;
import io.muster.proto.PollResponse;
import io.muster.worker.alloc.Allocations;
import io.muster.worker.rpc.Backoff;
import io.muster.worker.rpc.RpcErrors;
import io.muster.worker.rpc.Session;
import io.muster.worker.util.Ticker;
import io.muster.worker.util.Waker;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Long-polls the current server for assignment events newer than the last applied revision and applies them in
 * order. A failed poll moves the session to another server and backs off (full jitter); so does
 * {@code FAILED_PRECONDITION}, which is how a server says it has not caught up with the worker's revision yet.
 */
public final class PollLoop implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(PollLoop.class);
    /** Extra time over max_wait before the worker gives up on an answer (a silently dead server). */
    private static final Duration DEADLINE_SLACK = Duration.ofSeconds(15);
    /** A poll answered faster than this with nothing in it means the server does not hold polls: pace ourselves. */
    private static final Duration MIN_EMPTY_POLL = Duration.ofSeconds(1);

    private final Session session;
    private final Allocations allocations;
    private final long nodeId;
    private final int maxWaitSecs;
    private final Backoff backoff;
    private final Waker waker;
    private final Ticker ticker;
    private final Consumer<String> revoked;
    private final io.muster.worker.metrics.WorkerMetrics metrics;

    /**
     * @param waker paces the loop (backoff, empty-poll pacing) and ends it when closed
     * @param ticker measures how long a poll took; the same time source as the waker's
     * @param revoked told (with the server's words) when a server says this node was revoked; the loop then ends
     * @param metrics told how long each poll took (wall time) and how it ended
     */
    public PollLoop(Session session, Allocations allocations, long nodeId, int maxWaitSecs, Backoff backoff, Waker waker,
                    Ticker ticker, Consumer<String> revoked, io.muster.worker.metrics.WorkerMetrics metrics) {
        this.metrics = metrics;
        this.session = session;
        this.allocations = allocations;
        this.nodeId = nodeId;
        this.maxWaitSecs = maxWaitSecs;
        this.backoff = backoff;
        this.waker = waker;
        this.ticker = ticker;
        this.revoked = revoked;
    }

    @Override
    public void run() {
        while (!waker.isClosed()) {
            Session.Lease lease;
            try {
                lease = session.current();
            } catch (IllegalStateException closed) {
                return;
            }
            long revision = allocations.lastRevision();
            long started = ticker.nanoTime();
            long sentAt = System.nanoTime();
            try {
                PollResponse response = lease.blocking()
                        .withDeadlineAfter(Duration.ofSeconds(maxWaitSecs).plus(DEADLINE_SLACK).toMillis(), TimeUnit.MILLISECONDS)
                        .poll(PollRequest.newBuilder().setNodeId(nodeId).setLastRevision(revision)
                                .setMaxWaitSecs(maxWaitSecs).build());
                metrics.poll(System.nanoTime() - sentAt, response.getEventsCount() > 0 || response.getFullSnapshot()
                        ? io.muster.worker.metrics.WorkerMetrics.PollResult.EVENTS : io.muster.worker.metrics.WorkerMetrics.PollResult.EMPTY);
                backoff.reset();
                session.updateServers(response.getServersList());
                if (response.getEventsCount() > 0 || response.getFullSnapshot()) {
                    log.debug("poll from {}: {} events up to revision {}{}", lease.server(), response.getEventsCount(),
                            response.getRevision(), response.getFullSnapshot() ? " (full snapshot)" : "");
                }
                allocations.apply(response);
                boolean empty = response.getEventsCount() == 0 && !response.getFullSnapshot();
                Duration took = Duration.ofNanos(ticker.nanoTime() - started);
                if (empty && took.compareTo(MIN_EMPTY_POLL) < 0 && !waker.isClosed()) {
                    waker.await(MIN_EMPTY_POLL.minus(took));
                }
            } catch (StatusRuntimeException e) {
                metrics.poll(System.nanoTime() - sentAt, io.muster.worker.metrics.WorkerMetrics.PollResult.ERROR);
                if (waker.isClosed()) {
                    return;
                }
                String reason = RpcErrors.describe(e);
                if (RpcErrors.isRevocation(e)) {
                    revoked.accept(reason);
                    return;
                }
                if (e.getStatus().getCode() == Status.Code.FAILED_PRECONDITION) {
                    log.info("server {} cannot serve revision {} yet ({}); trying another server", lease.server(),
                            revision, reason);
                }
                session.failover(lease, "poll: " + reason);
                waker.await(backoff.next());
            } catch (RuntimeException e) {
                if (waker.isClosed()) {
                    return;
                }
                log.error("applying assignment events failed", e);
                waker.await(backoff.next());
            }
        }
    }
}
