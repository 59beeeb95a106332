package io.muster.worker;

import io.muster.worker.alloc.Allocations;
import io.muster.worker.alloc.RunnerContext;
import io.muster.worker.driver.DriverAvailability;
import io.muster.worker.driver.TaskDriver;
import io.muster.worker.identity.CertificateRotation;
import io.muster.worker.identity.IdentityStore;
import io.muster.worker.identity.WorkerIdentity;
import io.muster.worker.loop.ControlStream;
import io.muster.worker.loop.HeartbeatLoop;
import io.muster.worker.loop.PollLoop;
import io.muster.worker.loop.ResourceSampler;
import io.muster.worker.rpc.Backoff;
import io.muster.worker.rpc.ServerList;
import io.muster.worker.rpc.Session;
import io.muster.worker.rpc.TlsChannels;
import io.muster.worker.state.StateStore;
import io.muster.worker.state.WorkerState;
import io.muster.worker.util.Waker;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything that runs once the node has an identity: the mTLS session, the allocations (restored from
 * {@code state.json}) and the loops (heartbeat, poll, certificate renewal, control stream), each on its own virtual
 * thread. It exists so that the order of starting them (restore before the first poll) and of stopping them (loops,
 * then the session, then the runners detached before the drivers close) is written down in one place.
 */
final class WorkerLoops {
    private static final Logger log = LoggerFactory.getLogger(WorkerLoops.class);
    /** Failed heartbeats are retried within seconds: TTL + grace is all the time there is. */
    private static final Duration HEARTBEAT_RETRY_CAP = Duration.ofSeconds(5);

    private final WorkerOptions options;
    private final WorkerIdentity identity;
    private final RunnerContext ctx;
    private final StateStore stateStore;
    private final IdentityStore identityStore;
    private final Waker stopping;
    private final ScheduledExecutorService timer;
    private final Consumer<String> revoked;
    private final Consumer<WorkerException> fail;
    private final Session session;
    private final Allocations allocations;
    private final HeartbeatLoop heartbeat;
    private final List<Thread> threads = new ArrayList<>();
    private ControlStream control;

    /**
     * @param revoked told (with the server's words) when a server says this node was revoked
     * @param fail told when a loop hits a problem the worker cannot recover from
     */
    WorkerLoops(WorkerOptions options, WorkerIdentity identity, List<TaskDriver> drivers,
                Map<String, DriverAvailability> availability, WorkerPaths paths, StateStore stateStore,
                IdentityStore identityStore, ServerList servers, int initialTtlSecs, Waker stopping,
                ScheduledExecutorService timer, Consumer<String> revoked, Consumer<WorkerException> fail) {
        this.options = options;
        this.identity = identity;
        this.stateStore = stateStore;
        this.identityStore = identityStore;
        this.stopping = stopping;
        this.timer = timer;
        this.revoked = revoked;
        this.fail = fail;
        Map<String, TaskDriver> byName = new LinkedHashMap<>();
        drivers.forEach(d -> byName.put(d.name(), d));
        this.session = new Session(servers, new TlsChannels(options.version()), identity, options.clock());
        this.ctx = new RunnerContext(byName, availability, paths.allocRoot(), identity.nodeId(), options.clock(),
                options.ticker(), options.stopGrace(), new io.muster.worker.loop.SessionSecrets(session, identity.nodeId(), options.callTimeout()));
        this.allocations = new Allocations(ctx, stateStore, this::statusPending);
        Duration heartbeatRetryCap = max(options.initialBackoff(), min(options.maxBackoff(), HEARTBEAT_RETRY_CAP));
        this.heartbeat = new HeartbeatLoop(session, allocations, identity.nodeId(), options.clock(), options.ticker(),
                new ResourceSampler(options.ticker(), ResourceSampler.DEFAULT_ALLOC_INTERVAL,
                        () -> AllocUsages.of(drivers, options.clock().millis())), initialTtlSecs, options.statusBatchDelay(), options.callTimeout(),
                new Backoff(options.initialBackoff(), heartbeatRetryCap, WorkerOptions.JITTER), WorkerOptions.JITTER,
                revoked);
    }

    Session session() {
        return session;
    }

    Allocations allocations() {
        return allocations;
    }

    /** Re-attaches to the allocations a previous process saved (or abandons another node's), then starts the loops. */
    void start() throws IOException {
        Optional<WorkerState> saved = stateStore.load();
        if (saved.isPresent() && saved.get().nodeId() == identity.nodeId()) {
            allocations.restore(saved.get());
        } else {
            saved.ifPresent(stale -> Allocations.abandon(stale, ctx));
            allocations.persist();
        }
        long nodeId = identity.nodeId();
        control = new ControlStream(session, allocations, nodeId, timer, options.backoff());
        session.addListener(control);
        threads.add(Thread.ofVirtual().name("muster-heartbeat").start(heartbeat));
        threads.add(Thread.ofVirtual().name("muster-poll").start(new PollLoop(session, allocations, nodeId,
                options.pollWaitSecs(), options.backoff(), stopping, options.ticker(), revoked)));
        threads.add(Thread.ofVirtual().name("muster-cert-renewal").start(new CertificateRotation(session, identityStore,
                options.clock(), stopping, options.renewalCheckInterval(), options.callTimeout(),
                new Backoff(Duration.ofSeconds(5), Duration.ofMinutes(10), WorkerOptions.JITTER),
                WorkerOptions.JITTER, fail)));
        control.start();
    }

    /** Log follows open on this worker's control stream (0 before it exists). */
    int openLogFollows() {
        ControlStream c = control;
        return c == null ? 0 : c.openFollows();
    }

    /**
     * Stops the loops and the session and detaches the runners (tasks keep running for the next worker process).
     * The caller has closed {@code stopping} and closes the drivers afterwards.
     */
    void stop() {
        heartbeat.close();
        ControlStream c = control;
        if (c != null) {
            c.close();
        }
        session.close(); // cancels the poll in flight
        for (Thread t : threads) {
            try {
                if (!t.join(Duration.ofSeconds(15))) {
                    log.warn("{} did not stop in time", t.getName());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        allocations.detach(); // before the drivers close, so runners take the drivers' DETACHED results for what they are
    }

    private void statusPending() {
        heartbeat.nudge();
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }
}
