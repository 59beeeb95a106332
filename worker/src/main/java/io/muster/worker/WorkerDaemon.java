package io.muster.worker;

import io.muster.proto.AllocState;
import io.muster.types.config.WorkerConfig;
import io.muster.worker.alloc.Allocations;
import io.muster.worker.alloc.RunnerContext;
import io.muster.worker.driver.DockerDriver;
import io.muster.worker.driver.DriverAvailability;
import io.muster.worker.driver.ExecDriver;
import io.muster.worker.driver.TaskDriver;
import io.muster.worker.identity.JoinToken;
import io.muster.worker.identity.CertificateRotation;
import io.muster.worker.identity.IdentityException;
import io.muster.worker.identity.IdentityStore;
import io.muster.worker.identity.NodeProfiles;
import io.muster.worker.identity.Registrar;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Muster worker daemon: joins the cluster (or reuses its identity), then polls for assignments, runs them with
 * the task drivers, heartbeats their status, answers log requests over the control stream and renews its
 * certificate, until {@link #close()}.
 *
 * <p>{@link #close()} is graceful: the loops stop and the tasks keep running, so that a restarted worker re-attaches
 * to them (state in {@code <data_dir>/worker/state.json}) instead of starting them again.
 *
 * <pre>{@code
 * WorkerDaemon daemon = new WorkerDaemon(config, WorkerDaemon.Options.defaults());
 * daemon.start();               // returns at once; configuration problems throw WorkerException here
 * daemon.awaitTermination();    // throws WorkerException if the worker stopped because of an error
 * }</pre>
 */
public final class WorkerDaemon implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WorkerDaemon.class);
    /** Failed heartbeats are retried within seconds: TTL + grace is all the time there is. */
    private static final Duration HEARTBEAT_RETRY_CAP = Duration.ofSeconds(5);
    /** Jitter source usable from any thread (ThreadLocalRandom must not be shared between threads). */
    private static final RandomGenerator RANDOM = () -> ThreadLocalRandom.current().nextLong();

    /** Creates the task drivers, given the directory that holds one directory per task ({@code <data_dir>/allocs}). */
    @FunctionalInterface
    public interface DriverFactory {
        List<TaskDriver> create(Path allocRoot);

        /** exec and docker with their default settings (docker is advertised only if its engine answers). */
        static DriverFactory standard() {
            return allocRoot -> {
                List<TaskDriver> drivers = new ArrayList<>();
                drivers.add(new ExecDriver(ExecDriver.Config.defaults(allocRoot)));
                try {
                    drivers.add(new DockerDriver(DockerDriver.Config.defaults()));
                } catch (RuntimeException e) {
                    // A broken DOCKER_HOST or docker config must not keep the worker from running exec tasks.
                    log.warn("docker driver unavailable: {}", e.getMessage());
                }
                return drivers;
            };
        }
    }

    /**
     * Tunables; {@link #defaults()} is what production uses.
     *
     * @param clock wall clock: certificate validity, renewal time, status timestamps, job deadlines
     * @param drivers creates the task drivers (the daemon owns and closes them)
     * @param version reported in the node profile and the gRPC user agent
     * @param pollWaitSecs how long a server may hold a poll (max_wait_secs)
     * @param stopGrace time between SIGTERM and SIGKILL when stopping a task
     * @param initialBackoff first retry delay after a failed call; doubles per failure
     * @param maxBackoff cap of the retry delay
     * @param callTimeout deadline of unary calls other than Poll
     * @param statusBatchDelay how long status changes are batched before an early report
     * @param renewalCheckInterval how often the renewal time is checked against the clock
     * @param cpuMhzPerCore schedulable CPU units per core
     */
    public record Options(Clock clock, DriverFactory drivers, String version, int pollWaitSecs, Duration stopGrace,
                          Duration initialBackoff, Duration maxBackoff, Duration callTimeout, Duration statusBatchDelay,
                          Duration renewalCheckInterval, int cpuMhzPerCore) {
        public Options {
            Objects.requireNonNull(clock, "clock");
            Objects.requireNonNull(drivers, "drivers");
            Objects.requireNonNull(version, "version");
            if (pollWaitSecs < 1 || pollWaitSecs > 60) {
                throw new IllegalArgumentException("pollWaitSecs must be 1-60, got " + pollWaitSecs);
            }
            if (cpuMhzPerCore < 1) {
                throw new IllegalArgumentException("cpuMhzPerCore must be >= 1, got " + cpuMhzPerCore);
            }
            for (Duration d : List.of(stopGrace, initialBackoff, maxBackoff, callTimeout, statusBatchDelay, renewalCheckInterval)) {
                if (d.isNegative()) {
                    throw new IllegalArgumentException("durations must not be negative, got " + d);
                }
            }
        }

        public static Options defaults() {
            String version = Optional.ofNullable(WorkerDaemon.class.getPackage().getImplementationVersion()).orElse("dev");
            return new Options(Clock.systemUTC(), DriverFactory.standard(), version, 30, Duration.ofSeconds(5),
                    Duration.ofMillis(200), Duration.ofSeconds(15), Duration.ofSeconds(10), Duration.ofMillis(200),
                    Duration.ofMinutes(1), 1000);
        }

        public Options withClock(Clock c) {
            return new Options(c, drivers, version, pollWaitSecs, stopGrace, initialBackoff, maxBackoff, callTimeout,
                    statusBatchDelay, renewalCheckInterval, cpuMhzPerCore);
        }

        public Options withDrivers(DriverFactory d) {
            return new Options(clock, d, version, pollWaitSecs, stopGrace, initialBackoff, maxBackoff, callTimeout,
                    statusBatchDelay, renewalCheckInterval, cpuMhzPerCore);
        }

        public Options withVersion(String v) {
            return new Options(clock, drivers, v, pollWaitSecs, stopGrace, initialBackoff, maxBackoff, callTimeout,
                    statusBatchDelay, renewalCheckInterval, cpuMhzPerCore);
        }

        public Options withPollWaitSecs(int secs) {
            return new Options(clock, drivers, version, secs, stopGrace, initialBackoff, maxBackoff, callTimeout,
                    statusBatchDelay, renewalCheckInterval, cpuMhzPerCore);
        }

        public Options withStopGrace(Duration d) {
            return new Options(clock, drivers, version, pollWaitSecs, d, initialBackoff, maxBackoff, callTimeout,
                    statusBatchDelay, renewalCheckInterval, cpuMhzPerCore);
        }

        public Options withBackoff(Duration initial, Duration max) {
            return new Options(clock, drivers, version, pollWaitSecs, stopGrace, initial, max, callTimeout,
                    statusBatchDelay, renewalCheckInterval, cpuMhzPerCore);
        }

        public Options withCallTimeout(Duration d) {
            return new Options(clock, drivers, version, pollWaitSecs, stopGrace, initialBackoff, maxBackoff, d,
                    statusBatchDelay, renewalCheckInterval, cpuMhzPerCore);
        }

        public Options withStatusBatchDelay(Duration d) {
            return new Options(clock, drivers, version, pollWaitSecs, stopGrace, initialBackoff, maxBackoff, callTimeout,
                    d, renewalCheckInterval, cpuMhzPerCore);
        }

        public Options withRenewalCheckInterval(Duration d) {
            return new Options(clock, drivers, version, pollWaitSecs, stopGrace, initialBackoff, maxBackoff, callTimeout,
                    statusBatchDelay, d, cpuMhzPerCore);
        }

        public Options withCpuMhzPerCore(int mhz) {
            return new Options(clock, drivers, version, pollWaitSecs, stopGrace, initialBackoff, maxBackoff, callTimeout,
                    statusBatchDelay, renewalCheckInterval, mhz);
        }
    }

    public enum State { NEW, STARTING, REGISTERING, RUNNING, STOPPING, STOPPED, FAILED }

    /**
     * A point-in-time view for tests and diagnostics.
     *
     * @param currentServer the server the session talks to (host:port), or null before the session exists
     * @param allocations every allocation this node knows, id to state ({@code pending}, {@code running},
     *     {@code complete}, {@code failed}, {@code lost}, {@code stopped})
     * @param failure why the worker stopped, if it failed
     */
    public record Status(State state, long nodeId, long lastRevision, String currentServer,
                         Map<String, String> allocations, boolean draining, String failure) {
        /** Allocations that are pending or running. */
        public Set<String> runningAllocs() {
            Set<String> out = new TreeSet<>();
            allocations.forEach((id, state) -> {
                if (state.equals("pending") || state.equals("running")) {
                    out.add(id);
                }
            });
            return out;
        }
    }

    private final WorkerConfig config;
    private final Options options;
    private final IdentityStore identityStore;
    private final StateStore stateStore;
    private final Path allocRoot;
    private final ServerList servers;
    private final Waker stopping = new Waker();
    private final CountDownLatch terminated = new CountDownLatch(1);
    private final AtomicBoolean revocationHandled = new AtomicBoolean();
    private final List<Thread> loops = new ArrayList<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("muster-worker-timer").factory());

    private volatile State state = State.NEW;
    private volatile WorkerException failure;
    private volatile long nodeId;
    private volatile Session session;
    private volatile Allocations allocations;
    private volatile HeartbeatLoop heartbeat;
    private volatile ControlStream control;
    private List<TaskDriver> drivers = List.of();
    private Thread main;

    public WorkerDaemon(WorkerConfig config, Options options) {
        this.config = Objects.requireNonNull(config, "config");
        this.options = Objects.requireNonNull(options, "options");
        if (config.dataDir() == null) {
            throw new WorkerException("the worker configuration has no data_dir");
        }
        if (config.servers().isEmpty()) {
            throw new WorkerException("the worker configuration lists no servers; add the servers' worker_grpc_addr to servers");
        }
        Path dataDir = config.dataDir().toAbsolutePath().normalize();
        this.identityStore = new IdentityStore(config.identityDir() != null ? config.identityDir()
                : dataDir.resolve("worker").resolve("identity"));
        this.stateStore = new StateStore(dataDir.resolve("worker"));
        this.allocRoot = dataDir.resolve("allocs");
        this.servers = new ServerList(config.servers(), RANDOM);
    }

    /**
     * Checks what can be checked locally (identity files, token), then starts the worker in the background.
     *
     * @throws WorkerException if the worker has neither a usable identity nor a usable join token
     */
    public synchronized void start() {
        if (state != State.NEW) {
            throw new IllegalStateException("the worker daemon was already started (state " + state + ")");
        }
        Optional<String> revocation = identityStore.revocation();
        if (revocation.isPresent()) {
            // Servers refuse this identity in every handshake; starting would only retry forever.
            throw new WorkerException(revocation.get() + ". " + rejoinAdvice());
        }
        Optional<WorkerIdentity> identity;
        JoinToken token = null;
        try {
            identity = identityStore.load(options.clock().instant());
        } catch (IdentityException e) {
            token = JoinToken.fromConfig(config).orElseThrow(() -> new WorkerException(e.getMessage()
                    + "; no join token is configured to register again (set token or token_file)"));
            log.warn("{}; registering again with join token {}", e.getMessage(), token.id());
            identity = Optional.empty();
        }
        if (identity.isEmpty() && token == null) {
            token = JoinToken.fromConfig(config).orElseThrow(() -> new WorkerException("this worker has no identity in "
                    + identityStore.dir() + " and no join token to register with; set token or token_file in the"
                    + " worker configuration"));
        }
        state = State.STARTING;
        WorkerIdentity existing = identity.orElse(null);
        JoinToken joinToken = token;
        main = Thread.ofPlatform().name("muster-worker").start(() -> run(existing, joinToken));
    }

    /** Blocks until the worker has stopped. @throws WorkerException if it stopped because of an error */
    public void awaitTermination() {
        try {
            terminated.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        WorkerException f = failure;
        if (f != null) {
            throw f;
        }
    }

    /** Stops the worker gracefully (tasks keep running) and waits for it. Idempotent. */
    @Override
    public void close() {
        synchronized (this) {
            if (state == State.NEW) {
                state = State.STOPPED;
                timer.shutdownNow();
                terminated.countDown();
                return;
            }
        }
        stopping.close();
        try {
            if (!terminated.await(2, TimeUnit.MINUTES)) {
                log.warn("the worker did not stop within 2 minutes");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The node id, 0 before registration. */
    public long nodeId() {
        return nodeId;
    }

    public Status status() {
        Allocations a = allocations;
        Session s = session;
        Map<String, String> allocs = new LinkedHashMap<>();
        if (a != null) {
            a.states().forEach((id, st) -> allocs.put(id, stateName(st)));
        }
        WorkerException f = failure;
        return new Status(state, nodeId, a != null ? a.lastRevision() : 0,
                s != null ? s.currentServer().toString() : null, allocs, a != null && a.draining(),
                f != null ? f.getMessage() : null);
    }

    // ---- the daemon's life ----

    private void run(WorkerIdentity existing, JoinToken token) {
        try {
            Files.createDirectories(allocRoot);
            drivers = options.drivers().create(allocRoot);
            Map<String, DriverAvailability> availability = probeDrivers();
            List<String> usable = availability.values().stream().filter(DriverAvailability::usable)
                    .map(DriverAvailability::driver).toList();
            TlsChannels channels = new TlsChannels(options.version());
            WorkerIdentity identity = existing;
            int initialTtl = 0;
            if (identity == null) {
                state = State.REGISTERING;
                Registrar registrar = new Registrar(servers, channels, options.clock(), backoff(), stopping,
                        options.callTimeout());
                Optional<Registrar.Result> result = registrar.register(token,
                        NodeProfiles.detect(config.labels(), options.version(), usable, options.cpuMhzPerCore()));
                if (result.isEmpty()) {
                    return; // closed while registering
                }
                identity = result.get().identity();
                saveIdentity(identity);
                initialTtl = result.get().heartbeatTtlSecs();
                servers.update(result.get().servers());
            } else {
                log.info("using identity of node {} (cluster {}, certificate valid until {}) from {}", identity.nodeId(),
                        identity.clusterId(), identity.notAfter(), identityStore.dir());
            }
            nodeId = identity.nodeId();
            startSession(identity, availability, initialTtl);
            state = State.RUNNING;
            log.info("worker node {} running: servers {}, drivers {}, data dir {}", nodeId, servers, usable,
                    config.dataDir());
            while (!stopping.isClosed()) {
                stopping.await(Duration.ofMinutes(10));
            }
        } catch (WorkerException e) {
            fail(e);
        } catch (IOException e) {
            fail(new WorkerException("cannot prepare the worker's data directory " + config.dataDir() + ": " + e.getMessage(), e));
        } catch (RuntimeException e) {
            log.error("worker failed", e);
            fail(new WorkerException("worker failed: " + e, e));
        } finally {
            state = State.STOPPING;
            shutdown();
            state = failure != null ? State.FAILED : State.STOPPED;
            log.info(failure != null ? "worker stopped after the error above" : "worker stopped");
            terminated.countDown();
        }
    }

    private void startSession(WorkerIdentity identity, Map<String, DriverAvailability> availability, int initialTtl)
            throws IOException {
        Map<String, TaskDriver> byName = new LinkedHashMap<>();
        drivers.forEach(d -> byName.put(d.name(), d));
        RunnerContext ctx = new RunnerContext(byName, availability, allocRoot, identity.nodeId(), options.clock(),
                options.stopGrace());
        Allocations allocs = new Allocations(ctx, stateStore, () -> {
            HeartbeatLoop h = heartbeat;
            if (h != null) {
                h.nudge();
            }
        });
        Session s = new Session(servers, new TlsChannels(options.version()), identity, options.clock());
        session = s;
        allocations = allocs;
        Duration heartbeatRetryCap = max(options.initialBackoff(), min(options.maxBackoff(), HEARTBEAT_RETRY_CAP));
        heartbeat = new HeartbeatLoop(s, allocs, identity.nodeId(), options.clock(), new ResourceSampler(), initialTtl,
                options.statusBatchDelay(), options.callTimeout(),
                new Backoff(options.initialBackoff(), heartbeatRetryCap, RANDOM), RANDOM, this::revoked);

        Optional<WorkerState> saved = stateStore.load();
        if (saved.isPresent() && saved.get().nodeId() == identity.nodeId()) {
            allocs.restore(saved.get());
        } else {
            saved.ifPresent(stale -> Allocations.abandon(stale, ctx));
            allocs.persist();
        }

        control = new ControlStream(s, allocs, identity.nodeId(), timer, backoff());
        s.addListener(control);
        loops.add(Thread.ofVirtual().name("muster-heartbeat").start(heartbeat));
        loops.add(Thread.ofVirtual().name("muster-poll").start(new PollLoop(s, allocs, identity.nodeId(),
                options.pollWaitSecs(), backoff(), stopping, this::revoked)));
        loops.add(Thread.ofVirtual().name("muster-cert-renewal").start(new CertificateRotation(s, identityStore,
                options.clock(), stopping, options.renewalCheckInterval(), options.callTimeout(),
                new Backoff(Duration.ofSeconds(5), Duration.ofMinutes(10), RANDOM),
                RANDOM, this::fail)));
        control.start();
    }

    private Map<String, DriverAvailability> probeDrivers() {
        Map<String, DriverAvailability> out = new LinkedHashMap<>();
        for (TaskDriver driver : drivers) {
            DriverAvailability a;
            try {
                a = driver.probe();
            } catch (RuntimeException e) {
                a = DriverAvailability.unusable(driver.name(), "probe failed: " + e);
            }
            out.put(driver.name(), a);
            if (a.usable()) {
                log.info("driver {}: usable ({})", driver.name(), a.detail());
            } else {
                log.info("driver {}: not usable, not advertised ({})", driver.name(), a.detail());
            }
        }
        return out;
    }

    private void saveIdentity(WorkerIdentity identity) {
        try {
            identityStore.save(identity);
        } catch (IOException e) {
            throw new WorkerException("registered as node " + identity.nodeId() + " but cannot save the identity to "
                    + identityStore.dir() + ": " + e.getMessage() + "; fix the directory and register with a new token", e);
        }
    }

    /**
     * A server said this node was revoked. The cluster replaces its allocations elsewhere, so the local copies are
     * stopped (not left running as duplicates), and the worker ends. It does not register again by itself, even with
     * a token configured: revocation is an operator's decision.
     */
    private void revoked(String serverSaid) {
        if (!revocationHandled.compareAndSet(false, true)) {
            return;
        }
        log.error("node {} was revoked by the cluster ({}); stopping its allocations, which the cluster replaces elsewhere",
                nodeId, serverSaid);
        Allocations a = allocations;
        if (a != null) {
            a.stopAll("node " + nodeId + " was revoked", options.stopGrace().plus(Duration.ofSeconds(10)));
        }
        String what = "node " + nodeId + " was revoked by the cluster (" + serverSaid + ")";
        try {
            identityStore.markRevoked(what + " at " + options.clock().instant());
        } catch (IOException e) {
            log.warn("cannot record the revocation in {}: {}", identityStore.dir(), e.getMessage());
        }
        fail(new WorkerException(what + "; its tasks were stopped. " + rejoinAdvice()));
    }

    private String rejoinAdvice() {
        return "To join again, delete " + identityStore.dir() + " and start the worker with a new join token";
    }

    /** A loop hit a problem the worker cannot recover from: record it and stop. */
    private void fail(WorkerException e) {
        if (failure == null) {
            failure = e;
            log.error(e.getMessage());
        }
        stopping.close();
    }

    private void shutdown() {
        stopping.close();
        HeartbeatLoop h = heartbeat;
        if (h != null) {
            h.close();
        }
        ControlStream c = control;
        if (c != null) {
            c.close();
        }
        Session s = session;
        if (s != null) {
            s.close(); // cancels the poll in flight
        }
        for (Thread loop : loops) {
            try {
                if (!loop.join(Duration.ofSeconds(15))) {
                    log.warn("{} did not stop in time", loop.getName());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Allocations a = allocations;
        if (a != null) {
            a.detach(); // before the drivers close, so runners take the drivers' DETACHED results for what they are
        }
        for (TaskDriver driver : drivers) {
            try {
                driver.close();
            } catch (RuntimeException e) {
                log.warn("closing driver {} failed: {}", driver.name(), e.toString());
            }
        }
        timer.shutdownNow();
    }

    private Backoff backoff() {
        return new Backoff(options.initialBackoff(), options.maxBackoff(), RANDOM);
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    private static String stateName(String protoName) {
        try {
            return switch (AllocState.valueOf(protoName)) {
                case ALLOC_PENDING, ALLOC_STATE_UNSPECIFIED, UNRECOGNIZED -> "pending";
                default -> protoName.substring("ALLOC_".length()).toLowerCase(Locale.ROOT);
            };
        } catch (IllegalArgumentException e) {
            return protoName.toLowerCase(Locale.ROOT);
        }
    }
}
