package io.muster.loadtest;

import io.muster.client.ClusterStatus;
import io.muster.client.IssuedToken;
import io.muster.client.MusterApiException;
import io.muster.client.MusterClient;
import io.muster.client.Node;
import io.muster.client.JoinTokenInfo;
import io.muster.loadtest.local.LocalCluster;
import io.muster.loadtest.report.ConsoleReport;
import io.muster.loadtest.report.HtmlReport;
import io.muster.loadtest.report.PhaseCost;
import io.muster.loadtest.report.PhaseReport;
import io.muster.loadtest.report.Report;
import io.muster.loadtest.report.ReportWriter;
import io.muster.loadtest.sim.Fleet;
import io.muster.loadtest.sim.Metrics;
import io.muster.loadtest.sim.SimTransport;
import io.muster.loadtest.sim.SimWorker;
import io.muster.pki.token.JoinTokens;
import io.muster.pki.token.TokenClaims;
import io.muster.pki.token.TokenException;
import io.muster.types.config.HostPort;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One load-test run: sets up (local cluster, token, fleet), runs the selected scenarios in order, and always
 * tears down and writes the report, complete or partial. Every wait has a deadline; a watchdog ends the run
 * at {@code --max-runtime}, when the cluster stops answering, or on Ctrl-C.
 */
public final class LoadTestRun {
    public record Outcome(int exitCode, Report report, Path jsonFile, Path htmlFile) {}

    final LoadTestSettings settings;
    final Metrics metrics = new Metrics();
    final Progress progress;
    final String runId = newRunId();
    private final PrintStream out;
    private final long startNanos = System.nanoTime();
    private final Instant startedAt = Instant.now();
    final Sampler sampler;
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "loadtest-ticker");
        t.setDaemon(true);
        return t;
    });
    private volatile String abort;
    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile boolean phaseRunning;

    LocalCluster local;
    private MusterClient api;
    List<HostPort> servers = List.of();
    SimTransport transport;
    Fleet fleet;
    TokenClaims claims;
    final List<String> jobIds = new CopyOnWriteArrayList<>();
    final List<PhaseReport> phases = new ArrayList<>();
    final Map<String, Object> summary = new LinkedHashMap<>();
    final Map<String, Object> environment = new LinkedHashMap<>();
    final List<String> notes = new CopyOnWriteArrayList<>();

    public LoadTestRun(LoadTestSettings settings, PrintStream out, PrintStream err, boolean tty) {
        this.settings = settings;
        this.out = out;
        this.progress = new Progress(err, tty);
        this.sampler = new Sampler(metrics, startNanos, () -> fleet == null ? 0 : fleet.count(SimWorker.State.READY));
    }

    private static String newRunId() {
        String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
        SecureRandom r = new SecureRandom();
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 6; i++) sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
        return sb.toString();
    }

    public Outcome execute() {
        Thread hook = new Thread(this::onSignal, "loadtest-interrupt");
        Runtime.getRuntime().addShutdownHook(hook);
        String failure = null;
        try {
            ticker.scheduleAtFixedRate(this::tick, 1, 1, TimeUnit.SECONDS);
            setup();
            List<Phase> plan = plan();
            for (int i = 0; i < plan.size(); i++) {
                try {
                    runPhase(plan.get(i));
                } catch (RunAborted e) {
                    for (Phase skipped : plan.subList(i + 1, plan.size()))
                        phases.add(new PhaseReport(skipped.name(), "skipped", "not run: an earlier phase failed", 0, 0, Map.of(), Map.of(), Map.of()));
                    throw e;
                }
            }
        } catch (RunAborted e) {
            failure = e.getMessage();
        } catch (Exception e) {
            failure = describe(e);
        } finally {
            teardown();
        }
        Report report = new ReportBuilder(this).build(failure, startedAt, Instant.now(), (System.nanoTime() - startNanos) / 1e9);
        Path json = settings.reportDir().resolve("loadtest-report.json");
        Path html = settings.reportDir().resolve("loadtest-report.html");
        int code = report.completed() ? 0 : 1;
        try {
            ReportWriter.writeJson(report, json);
            HtmlReport.write(report, html);
        } catch (IOException e) {
            progress.line("Error: could not write the report to " + settings.reportDir() + ": " + e.getMessage());
            code = 1;
        }
        ConsoleReport.print(report, out);
        out.flush();
        progress.line("report: " + json.toAbsolutePath() + " and " + html.toAbsolutePath());
        if (failure != null) progress.line("Error: " + failure);
        finished.countDown();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // the JVM is already shutting down (Ctrl-C): the hook is waiting for us
        }
        return new Outcome(code, report, json, html);
    }

    private List<Phase> plan() {
        List<Phase> plan = new ArrayList<>();
        if (!settings.runs(Scenario.JOIN)) notes.add("join ran as setup: every other scenario needs the simulated workers");
        if (settings.warmupWorkers() > 0) plan.add(JoinPhase.warmup(this));
        plan.add(new JoinPhase(this));
        if (settings.runs(Scenario.STEADY)) plan.add(new SteadyPhase(this));
        if (settings.runs(Scenario.FANOUT)) plan.add(new FanoutPhase(this));
        if (settings.runs(Scenario.OPERATION)) plan.add(new OperationPhase(this));
        if (settings.runs(Scenario.FAILOVER)) plan.add(new FailoverPhase(this));
        if (settings.runs(Scenario.CHURN)) plan.add(new ChurnPhase(this));
        return plan;
    }

    private void runPhase(Phase p) {
        checkAbort();
        String leader = leaderProcess();
        sampler.beginPhase(p.name());
        progress.line("== " + p.name() + ": " + p.describe());
        progress.phase(p.name(), p::status);
        Map<String, Object> figures = new LinkedHashMap<>();
        String status = "completed";
        String message = null;
        phaseRunning = true;
        try {
            p.run(figures);
        } catch (RunAborted e) {
            status = "failed";
            message = e.getMessage();
            throw e;
        } catch (Exception e) {
            status = "failed";
            message = describe(e);
            throw new RunAborted(p.name() + ": " + message);
        } finally {
            phaseRunning = false;
            Sampler.PhaseData d = sampler.endPhase();
            progress.idle();
            if (message == null && figures.get("warning") instanceof String w) message = w;
            // What the workers saw in this phase (Deletes, snapshots, moves...), for reading the figures.
            java.util.Map<String, Long> counters = new java.util.TreeMap<>();
            d.counts().forEach((c, v) -> {
                if (v != 0) counters.put(c.name().toLowerCase(java.util.Locale.ROOT), v);
            });
            if (!counters.isEmpty()) figures.put("worker_counters", counters);
            PhaseCost.Operation op = measured(p.name());
            figures.put("cost", PhaseCost.of(d.cpuSeconds(), leader, op, op == null ? 0 : d.count(switch (op) {
                case HEARTBEAT -> Metrics.Count.HEARTBEATS;
                case REGISTRATION -> Metrics.Count.REGISTERED;
                case DELIVERED_ALLOCATION -> Metrics.Count.ALLOCS_RECEIVED;
                case OPERATION_TASK -> Metrics.Count.OPERATION_TASKS;
            })));
            phases.add(new PhaseReport(p.name(), status, message, Sampler.round(d.startSecs()), Sampler.round(d.seconds()), figures,
                    d.latencies(), d.errors()));
            progress.line(String.format("== %s %s in %.1f s%s", p.name(), status, d.seconds(), message == null ? "" : ": " + message));
        }
    }

    /** What each phase's CPU is charged to; a failover measures time, not an operation. */
    static PhaseCost.Operation measured(String phase) {
        return switch (phase) {
            case "warmup", "join", "churn" -> PhaseCost.Operation.REGISTRATION;
            case "steady" -> PhaseCost.Operation.HEARTBEAT;
            case "fanout" -> PhaseCost.Operation.DELIVERED_ALLOCATION;
            case "operation" -> PhaseCost.Operation.OPERATION_TASK;
            default -> null;
        };
    }

    /** The process name ({@code server-N}) of the local cluster's leader, for the phase's cost; null if not local or unknown. */
    private String leaderProcess() {
        if (local == null) return null;
        try {
            Integer id = api().withRequestTimeout(Duration.ofSeconds(5)).clusterStatus(true).leaderId();
            return id != null && id > 0 ? "server-" + id : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    // ---- setup and teardown ----

    private void setup() throws Exception {
        sampler.watchMachine();
        sampler.watch("simulator", ProcessHandle.current().pid());
        environment.put("load_average_at_start", io.muster.loadtest.local.MachineStats.loadAverage());
        environment.put("cores", Runtime.getRuntime().availableProcessors());
        environment.put("memory_total_mb", totalMemoryMb());
        environment.put("java", Runtime.version().toString());
        environment.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
        environment.put("simulator_max_heap_mb", Runtime.getRuntime().maxMemory() / (1024 * 1024));
        environment.put("run_id", runId);
        if (settings.local()) {
            progress.line("starting 3 local servers (dev-mode API: plain HTTP, no ACL; heap " + settings.localHeap() + " each)");
            local = new LocalCluster(3, settings.localHeap(), settings.keepLocal(), progress::line);
            local.start(Duration.ofSeconds(120));
            for (LocalCluster.Member m : local.members()) sampler.watch("server-" + m.id(), local.pid(m.id()));
            servers = local.grpcAddresses();
            environment.put("cluster", "3 local server processes on loopback (dev mode: plain HTTP API without ACL), same machine as the simulator");
            notes.add("local mode: servers run in dev mode (plain HTTP API, no ACL) on loopback; worker gRPC is TLS/mTLS as in production");
        } else {
            if (settings.api() != null) api = client(settings.api(), settings.aclToken(), settings.caCert());
            servers = settings.servers();
            environment.put("cluster", "external" + (settings.api() != null ? " (api " + settings.api() + ")" : ""));
        }
        MusterClient a = api();
        if (a != null) {
            try {
                ClusterStatus st = a.withRequestTimeout(Duration.ofSeconds(5)).clusterStatus(true);
                environment.put("cluster_id", st.clusterId());
                environment.put("leader_at_start", st.leaderId());
            } catch (MusterApiException e) {
                throw new RunAborted(e.getMessage());
            }
        }
        String token = resolveToken(a);
        List<HostPort> reachable = new ArrayList<>();
        List<String> unreachable = new ArrayList<>();
        for (HostPort hp : servers) {
            if (reachable(hp)) reachable.add(hp);
            else unreachable.add(hp.toString());
        }
        if (reachable.isEmpty())
            throw new RunAborted("cannot reach any worker gRPC server (" + String.join(", ", unreachable) + "): check --server (the servers' worker_grpc_addr)");
        if (!unreachable.isEmpty()) notes.add("unreachable at start and left out: " + String.join(", ", unreachable));
        servers = reachable;
        environment.put("worker_grpc_servers", servers.stream().map(HostPort::toString).toList());
        Map<String, String> labels = claims.allowedLabels().isEmpty() ? Map.of("loadtest", runId) : Map.copyOf(claims.allowedLabels());
        if (!claims.allowedLabels().isEmpty()) notes.add("the token restricts labels: workers use exactly its labels, so jobs are not pinned to simulated workers");
        transport = new SimTransport(claims);
        fleet = new Fleet(servers, token, new Fleet.Profile(runId, labels, 256_000, 1_048_576), transport, metrics, settings.pollWaitSecs(),
                settings.allocRuntime().toMillis());
    }

    /** The token to register with: given (checked for uses when the API can tell), or created through the API. */
    private String resolveToken(MusterClient a) {
        int needed = settings.registrationsNeeded();
        String token = settings.token();
        if (token == null) {
            if (a == null) throw new RunAborted("no join token: pass --token/--token-file, or --api so the tool creates one");
            try {
                long validFor = settings.maxRuntime().toSeconds() + 3600;
                IssuedToken t = a.createJoinToken(validFor, needed, Map.of(), "muster loadtest");
                token = t.token();
                notes.add("join token " + t.tokenId() + " created by the tool with " + needed + " uses");
                if (servers.isEmpty()) servers = t.servers().stream().map(HostPort::parse).toList();
            } catch (MusterApiException e) {
                throw new RunAborted("could not create a join token through the API: " + e.getMessage());
            }
        }
        try {
            claims = JoinTokens.decode(token);
        } catch (TokenException e) {
            throw new RunAborted("the join token is not usable: " + e.getMessage());
        }
        if (!claims.expiresAt().isAfter(Instant.now()))
            throw new RunAborted("join token " + claims.tokenId() + " expired at " + claims.expiresAt());
        if (a != null && settings.token() != null) {
            try {
                String id = claims.tokenId();
                Optional<JoinTokenInfo> info = a.joinTokens().stream().filter(t -> id.equals(t.tokenId())).findFirst();
                if (info.isPresent() && info.get().maxUses() > 0) {
                    int left = info.get().maxUses() - info.get().uses();
                    if (left < needed) throw new RunAborted(tooFewUses(id, left, needed));
                }
            } catch (MusterApiException e) {
                notes.add("could not check the token's remaining uses: " + e.getMessage());
            }
        }
        if (servers.isEmpty()) throw new RunAborted("no worker gRPC server to connect to: pass --server (the servers' worker_grpc_addr)");
        return token;
    }

    String tooFewUses(String tokenId, int left, int needed) {
        return "join token " + tokenId + " has " + left + " uses left, but this run registers " + needed + " workers ("
                + (settings.warmupWorkers() > 0 ? settings.warmupWorkers() + " warm-up + " : "") + settings.workers() + " + "
                + settings.churnJoins() + " churn joins); create one with "
                + "'muster node generate-worker-token --max-uses " + needed + "' or pass --api without --token so the tool creates its own";
    }

    private static boolean reachable(HostPort hp) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(hp.host(), hp.port()), 2000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static long totalMemoryMb() {
        try {
            for (String line : java.nio.file.Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return -1;
    }

    private void teardown() {
        progress.idle();
        if (fleet != null) fleet.stopAll();
        if (transport != null) transport.close();
        MusterClient a = api();
        if (!jobIds.isEmpty() && local == null && a != null) {
            int stopped = 0;
            for (String id : jobIds) {
                try {
                    a.stopJob(id);
                    stopped++;
                } catch (MusterApiException e) {
                    notes.add("could not stop job " + id + ": " + e.getMessage());
                }
            }
            notes.add("stopped the " + stopped + " job(s) this run submitted");
        }
        if (api != null) api.close();
        sampler.tick();
        ticker.shutdownNow();
        environment.put("load_average_at_end", io.muster.loadtest.local.MachineStats.loadAverage());
        if (local != null) {
            progress.line("stopping the local servers");
            local.close();
        }
    }

    /** Ctrl-C: end the run, let it write its partial report, and make sure our servers die in any case. */
    private void onSignal() {
        if (finished.getCount() == 0) return;
        abort = "interrupted (Ctrl-C / SIGTERM)";
        try {
            if (!finished.await(30, TimeUnit.SECONDS) && local != null) local.close();
        } catch (InterruptedException e) {
            if (local != null) local.close();
        }
    }

    // ---- the watchdog ----

    private void tick() {
        try {
            sampler.tick();
            progress.tick();
            double elapsed = (System.nanoTime() - startNanos) / 1e9;
            if (abort == null && elapsed > settings.maxRuntime().toSeconds())
                abort = "the run reached --max-runtime (" + settings.maxRuntime().toSeconds() + " s)";
            if (abort == null && phaseRunning && fleet != null && fleet.count(SimWorker.State.READY) > 0) {
                long now = System.nanoTime();
                long quiet = now - metrics.lastSuccessNanos();
                if (quiet > settings.stallTimeout().toNanos() && metrics.lastFailureNanos() > metrics.lastSuccessNanos())
                    abort = "the cluster stopped answering: no successful call for " + settings.stallTimeout().toSeconds()
                            + " s (last error: " + metrics.lastError() + ")";
            }
        } catch (RuntimeException e) {
            progress.line("warning: sampler: " + e);
        }
    }

    // ---- helpers for phases ----

    void checkAbort() {
        String a = abort;
        if (a != null) throw new RunAborted(a);
    }

    void sleep(long millis) {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (true) {
            checkAbort();
            long left = end - System.nanoTime();
            if (left <= 0) return;
            try {
                Thread.sleep(Math.min(100, TimeUnit.NANOSECONDS.toMillis(left) + 1));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RunAborted("interrupted");
            }
        }
    }

    static void deadline(long deadlineNanos, String what, Duration limit) {
        if (System.nanoTime() > deadlineNanos) throw new RunAborted(what + " did not finish within " + limit.toSeconds() + " s");
    }

    /** An API of a running server (after a kill in local mode, a survivor's); null without an API. */
    MusterClient api() {
        if (local != null) {
            for (LocalCluster.Member m : local.members()) if (local.running(m.id())) return local.api(m.id());
            return null;
        }
        return api;
    }

    MusterClient requireApi(String phase) {
        MusterClient a = api();
        if (a == null) throw new RunAborted(phase + " needs the REST API: pass --api (or --local)");
        return a;
    }

    double elapsedSecs() {
        return sampler.elapsedSecs();
    }

    /**
     * Live simulated workers the API shows as down, split into those whose own heartbeat lease (TTL + grace
     * from the last acknowledged heartbeat) was still running — wrongly marked down — and the rest.
     */
    DownSample downNow() {
        MusterClient a = requireApi("checking node states");
        Map<Long, SimWorker> live = new HashMap<>();
        for (SimWorker w : fleet.workers()) if (w.state() == SimWorker.State.READY) live.put(w.nodeId(), w);
        long now = System.nanoTime();
        Set<Long> spurious = new HashSet<>();
        Set<Long> lapsed = new HashSet<>();
        for (Node n : a.nodes()) {
            long id = n.id();
            SimWorker w = live.get(id);
            if (w == null || !"down".equals(n.state())) continue;
            if (w.leaseRunning(now)) {
                spurious.add(id);
                if (downExamples.size() < 10) downExamples.add(w.leaseDescription(now) + ", yet shown down at " + Sampler.round(elapsedSecs()) + " s");
            } else {
                lapsed.add(id);
            }
        }
        return new DownSample(spurious, lapsed);
    }

    /** A REST client for the load test: answers with every node or a whole job can take a while. */
    static MusterClient client(String address, String aclToken, Path caCert) {
        if (caCert == null && address.strip().startsWith("https://"))
            throw new RunAborted("the API " + address + " is https: pass --ca-cert with the cluster CA (<data_dir>/ca.pem of a server)");
        return MusterClient.builder().address(address).token(aclToken).caCert(caCert).connectTimeout(Duration.ofSeconds(5))
                .requestTimeout(Duration.ofSeconds(120)).build();
    }

    record DownSample(Set<Long> spurious, Set<Long> lapsed) {}

    /** The first few wrongly-down workers, with their own view of their lease, for the report's notes. */
    final List<String> downExamples = new CopyOnWriteArrayList<>();

    static String describe(Throwable e) {
        Throwable c = e;
        while ((c instanceof java.util.concurrent.CompletionException || c instanceof java.util.concurrent.ExecutionException) && c.getCause() != null)
            c = c.getCause();
        String m = c.getMessage();
        return c.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }
}
