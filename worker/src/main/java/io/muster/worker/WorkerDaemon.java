package io.muster.worker;

import io.muster.proto.AllocState;
import io.muster.proto.BackendInfo;
import io.muster.types.config.WorkerConfig;
import io.muster.worker.action.ActionBackend;
import io.muster.worker.action.ActionBackends;
import io.muster.worker.action.ActionDriver;
import io.muster.worker.alloc.Allocations;
import io.muster.worker.driver.cgroup.Cgroups;
import io.muster.worker.driver.ExecDriver;
import io.muster.worker.driver.DriverAvailability;
import io.muster.worker.driver.TaskDriver;
import io.muster.worker.identity.IdentityStore;
import io.muster.worker.identity.NodeProfiles;
import io.muster.worker.rpc.ServerList;
import io.muster.worker.rpc.Session;
import io.muster.worker.rpc.TlsChannels;
import io.muster.worker.state.StateStore;
import io.muster.worker.util.Waker;
import java.io.IOException;
import java.nio.file.Files;
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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Muster worker daemon: joins the cluster (or reuses its identity), then polls for assignments, runs them with
 * the task drivers, heartbeats their status, answers log requests over the control stream and renews its
 * certificate, until {@link #close()}. It owns the daemon's life (start, failure, revocation, shutdown) and hands
 * the parts to {@link WorkerPaths} (the configuration's layout), {@link NodeBootstrap} (identity and registration)
 * and {@link WorkerLoops} (the session and the loops).
 *
 * <p>{@link #close()} is graceful: the loops stop and the tasks keep running, so that a restarted worker re-attaches
 * to them (state in {@code <data_dir>/worker/state.json}) instead of starting them again.
 *
 * <pre>{@code
 * WorkerDaemon daemon = new WorkerDaemon(config, WorkerOptions.defaults());
 * daemon.start();               // returns at once; configuration problems throw WorkerException here
 * daemon.awaitTermination();    // throws WorkerException if the worker stopped because of an error
 * }</pre>
 */
public final class WorkerDaemon implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WorkerDaemon.class);

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
    private final WorkerOptions options;
    private final WorkerPaths paths;
    private final StateStore stateStore;
    private final IdentityStore identityStore;
    private final NodeBootstrap bootstrap;
    /** Null until discovery has run, when the worker finds its servers on the LAN ({@code cluster.discover}). */
    private volatile ServerList servers;
    private final Waker stopping;
    private final CountDownLatch terminated = new CountDownLatch(1);
    private final AtomicBoolean revocationHandled = new AtomicBoolean();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("muster-worker-timer").factory());

    private volatile State state = State.NEW;
    private volatile WorkerException failure;
    private volatile long nodeId;
    private volatile WorkerLoops loops;
    private List<TaskDriver> drivers = List.of();
    private ActionBackends backends;
    /** The metrics the loops report to, and their endpoint: only with {@code metrics.addr} configured. */
    private volatile io.muster.worker.metrics.AgentMetrics agentMetrics;
    private volatile io.muster.worker.metrics.MetricsEndpoint metricsEndpoint;

    /** The CLI's entry point (bound by reflection); see {@link Options}. */
    public WorkerDaemon(WorkerConfig config, WorkerOptions options) {
        this.config = Objects.requireNonNull(config, "config");
        this.options = Objects.requireNonNull(options, "options");
        this.paths = WorkerPaths.of(config);
        this.identityStore = new IdentityStore(paths.identityDir());
        this.stateStore = new StateStore(paths.stateDir());
        this.bootstrap = new NodeBootstrap(config, options, identityStore);
        this.servers = config.discovery().enabled() ? null : new ServerList(config.servers(), WorkerOptions.JITTER);
        this.stopping = new Waker(options.ticker());
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
        bootstrap.check();
        try {
            backends = ActionBackends.load(config.backends());
        } catch (IllegalArgumentException e) {
            throw new WorkerException("backends: " + e.getMessage(), e);
        }
        startMetrics();
        state = State.STARTING;
        Thread.ofPlatform().name("muster-worker").start(this::run);
    }

    /** Serves the worker's metrics when configured; an address that cannot be bound fails the start, naming it. */
    private void startMetrics() {
        if (config.metricsAddr() == null) {
            return;
        }
        io.muster.worker.metrics.AgentMetrics m = new io.muster.worker.metrics.AgentMetrics();
        m.bindAllocations(() -> {
            WorkerLoops l = loops;
            return l == null ? Map.of() : l.allocations().states();
        });
        try {
            metricsEndpoint = io.muster.worker.metrics.MetricsEndpoint.start(config.metricsAddr(), m::scrape);
        } catch (IOException e) {
            m.close();
            throw new WorkerException("metrics.addr: cannot listen on " + config.metricsAddr() + ": " + e.getMessage(), e);
        }
        agentMetrics = m;
        log.info("worker metrics at http://{}:{}/metrics", config.metricsAddr().host(), metricsEndpoint.port());
    }

    /** The port of the metrics endpoint, 0 when it is not configured. */
    public int metricsPort() {
        io.muster.worker.metrics.MetricsEndpoint e = metricsEndpoint;
        return e == null ? 0 : e.port();
    }

    private io.muster.worker.metrics.WorkerMetrics metrics() {
        io.muster.worker.metrics.AgentMetrics m = agentMetrics;
        return m == null ? io.muster.worker.metrics.WorkerMetrics.NONE : m;
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

    /** Log follows this worker is serving now (each freed when its reader goes away or its task ends). */
    public int openLogFollows() {
        WorkerLoops l = loops;
        return l == null ? 0 : l.openLogFollows();
    }

    public Status status() {
        WorkerLoops l = loops;
        Allocations a = l != null ? l.allocations() : null;
        Session s = l != null ? l.session() : null;
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

    private void run() {
        try {
            Files.createDirectories(paths.allocRoot());
            drivers = withActionDriver(options.drivers().create(paths.allocRoot(), config.resourceLimits()));
            Map<String, DriverAvailability> availability = probeDrivers();
            List<String> usable = availability.values().stream().filter(DriverAvailability::usable)
                    .map(DriverAvailability::driver).toList();
            List<BackendInfo> advertised = usable.contains(ActionDriver.NAME) ? backendInfos() : List.of();
            boolean registering = bootstrap.needsRegistration();
            if (registering) {
                state = State.REGISTERING;
            }
            Cgroups limits = resourceLimits(usable);
            if (servers == null && !discoverServers()) {
                return; // closed while listening
            }
            Optional<NodeBootstrap.Joined> joined = bootstrap.join(servers, new TlsChannels(options.version()), stopping,
                    () -> NodeProfiles.detect(config.labels(), options.version(), usable, options.cpuMhzPerCore(), advertised).toBuilder()
                            .setLimitsEnforced(limits.enforced()).setLimitsDetail(limits.describe()).build());
            if (joined.isEmpty()) {
                return; // closed while registering
            }
            if (registering) {
                metrics().registered();
            }
            nodeId = joined.get().identity().nodeId();
            WorkerLoops l = new WorkerLoops(options, joined.get().identity(), drivers, availability, paths, stateStore,
                    identityStore, servers, joined.get().initialTtlSecs(), stopping, timer, this::revoked, this::fail, metrics());
            loops = l;
            l.start();
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

    /**
     * Listens for the announcements of the cluster this node belongs to (its identity's, else its join token's) and
     * makes them the first entries of the server list (hints, replaced by the list the cluster itself advertises once a
     * server has answered), followed by any configured servers. The addresses are only where to dial: the token's
     * CA pin (registration) and the identity's CA (mutual TLS afterwards) still decide whom the worker trusts.
     *
     * @return false if the worker was stopped while listening
     */
    private boolean discoverServers() {
        String clusterId = bootstrap.clusterId();
        Optional<io.muster.worker.discovery.Heard> heard = new io.muster.worker.discovery.LanDiscovery(config.discovery(),
                options.ticker()).discover(clusterId, stopping);
        if (heard.isEmpty()) {
            return false;
        }
        servers = new ServerList(heard.get().servers(), config.servers(), WorkerOptions.JITTER);
        return true;
    }

    /** How the exec driver confines tasks, said once at start (and advertised: jobs that require limits go elsewhere). */
    private Cgroups resourceLimits(List<String> usable) {
        Cgroups limits = drivers.stream().filter(d -> d instanceof ExecDriver && usable.contains(d.name()))
                .map(d -> ((ExecDriver) d).cgroups()).findFirst()
                .orElse(Cgroups.unavailable("the exec driver is not usable on this node"));
        if (limits.enforced()) {
            log.info("resource limits for exec tasks: {}", limits.describe());
        } else {
            log.warn("resource limits for exec tasks: {}; jobs with resources.enforce: true will not be placed here",
                    limits.describe());
        }
        return limits;
    }

    /** The factory's drivers plus the action driver with the configured backends, unless the factory made one. */
    private List<TaskDriver> withActionDriver(List<TaskDriver> made) {
        List<TaskDriver> all = new ArrayList<>(made);
        if (all.stream().noneMatch(d -> d.name().equals(ActionDriver.NAME))) {
            all.add(new ActionDriver(ActionDriver.Config.defaults(paths.allocRoot(), backends)));
        }
        return all;
    }

    /** The enabled action backends as the node profile advertises them. */
    private List<BackendInfo> backendInfos() {
        ActionBackends b = drivers.stream().filter(d -> d instanceof ActionDriver).map(d -> ((ActionDriver) d).backends())
                .findFirst().orElse(backends);
        log.info("action backends: {}", b.enabled().stream().map(ActionBackend::name).toList());
        return b.enabled().stream()
                .map(e -> BackendInfo.newBuilder().setName(e.name()).addAllActions(e.actions()).build()).toList();
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
        WorkerLoops l = loops;
        if (l != null) {
            l.allocations().stopAll("node " + nodeId + " was revoked", options.stopGrace().plus(Duration.ofSeconds(10)));
        }
        String what = "node " + nodeId + " was revoked by the cluster (" + serverSaid + ")";
        bootstrap.markRevoked(what);
        fail(new WorkerException(what + "; its tasks were stopped. " + bootstrap.rejoinAdvice()));
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
        WorkerLoops l = loops;
        if (l != null) {
            l.stop();
        }
        for (TaskDriver driver : drivers) {
            try {
                driver.close();
            } catch (RuntimeException e) {
                log.warn("closing driver {} failed: {}", driver.name(), e.toString());
            }
        }
        timer.shutdownNow();
        if (metricsEndpoint != null) {
            metricsEndpoint.close();
        }
        if (agentMetrics != null) {
            agentMetrics.close();
        }
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
