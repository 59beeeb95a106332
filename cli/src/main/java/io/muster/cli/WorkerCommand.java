package io.muster.cli;

import io.muster.types.config.ConfigException;
import io.muster.types.config.ConfigLoader;
import io.muster.types.config.HostPort;
import io.muster.types.config.WorkerConfig;
import io.muster.worker.WorkerDaemon;
import io.muster.worker.WorkerOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code install}/{@code uninstall} subcommands are added by {@link Subcommands}. */
@Command(name = "worker", description = {"Run a worker daemon until SIGINT/SIGTERM, from a config file or flags;",
        "exits 1 if the worker stops by itself (registration refused, node revoked).",
        "Example: muster worker --server 10.0.0.1:3670 --token-file /etc/muster/token --labels zone=eu-1"})
final class WorkerCommand implements Callable<Integer> {
    static final Path DEFAULT_DATA_DIR = Path.of("/var/lib/muster");

    @Spec
    CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE", description = "Worker config (YAML). Flags below override its values.")
    Path config;

    @Option(names = "--server", paramLabel = "ADDR", split = ",",
            description = "A server's worker gRPC address, host:port or https://host:port (repeatable).")
    List<String> servers = new ArrayList<>();

    @Option(names = "--token", paramLabel = "T", description = "Join token (first start only; prefer --token-file: arguments show in ps).")
    String token;

    @Option(names = "--token-file", paramLabel = "F", description = "File holding the join token.")
    Path tokenFile;

    @Option(names = "--identity-dir", paramLabel = "D", description = "Where cert.pem, key.pem and ca.pem live (default <data-dir>/worker/identity).")
    Path identityDir;

    @Option(names = "--labels", paramLabel = "k=v,...", converter = Labels.Converter.class, description = "Node labels.")
    Labels labels;

    @Option(names = "--data-dir", paramLabel = "D", description = "State directory (default /var/lib/muster).")
    Path dataDir;

    @Option(names = "--backend", paramLabel = "NAME", split = ",",
            description = "Enable an action backend that changes the system: apt, systemd, file, or a plugin's (repeatable;"
                    + " added to the config's backends). ping, test and sysinfo are always on.")
    List<String> backends = new ArrayList<>();

    @Option(names = "--no-resource-limits", description = "Run exec tasks without cgroups even where the machine has them"
            + " (resource_limits: {enabled: false}); jobs with resources.enforce: true are then not placed here.")
    boolean noResourceLimits;

    @Option(names = "--cgroup-parent", paramLabel = "NAME", description = "The cgroup that holds the tasks' cgroups"
            + " (resource_limits.cgroup_parent; default muster).")
    String cgroupParent;

    @Option(names = "--metrics-addr", paramLabel = "HOST:PORT",
            description = "Serve this worker's Prometheus metrics at http://HOST:PORT/metrics (off by default; no token:"
                    + " keep it on loopback, e.g. 127.0.0.1:9102).")
    String metricsAddr;

    @Option(names = "--discover", description = "Find the servers on the LAN from their multicast announcements (group"
            + " 239.255.77.77:3672; servers need discovery: {announce: true}) instead of --server; the join token's CA pin"
            + " still decides which servers are trusted.")
    boolean discover;

    @Override
    public Integer call() throws Exception {
        Cli cli = Cli.of(spec);
        WorkerConfig cfg = resolve(cli);
        WorkerDaemon worker;
        try {
            worker = new WorkerDaemon(cfg, WorkerOptions.defaults());
            worker.start();
        } catch (RuntimeException e) {
            throw new CliFailure("the worker cannot start: " + Daemons.rootMessage(e), e);
        }
        String where = cfg.discovery().enabled()
                ? "servers from LAN discovery on " + cfg.discovery().group() + ":" + cfg.discovery().port()
                        + (cfg.servers().isEmpty() ? "" : " then " + cfg.servers())
                : "servers " + cfg.servers();
        cli.out.println("Muster worker running (" + where + ", identity " + cfg.identityDir() + "). Ctrl-C stops it.");
        cli.out.flush();
        // Until a signal stops it, or it stops by itself: a failure (refused, revoked) fails the command.
        Daemons.runUntilSignalOrEnd(worker::close, () -> awaitTermination(worker));
        return 0;
    }

    /** Blocks until the daemon has stopped; one that stopped because of an error (refused, revoked) fails the command. */
    static void awaitTermination(WorkerDaemon worker) {
        try {
            worker.awaitTermination();
        } catch (RuntimeException e) {
            String reason = e.getMessage() == null || e.getMessage().isBlank() ? e.toString() : e.getMessage();
            throw new CliFailure("the worker stopped: " + reason, e);
        }
    }

    /** Flags alone, or the file with flags overriding it. Problems here are usage errors (exit 2) or config errors (exit 1). */
    WorkerConfig resolve(Cli cli) {
        if (token != null && tokenFile != null) throw cli.usage("--token and --token-file are mutually exclusive");
        WorkerConfig base;
        if (config != null) {
            if (!servers.isEmpty()) throw cli.usage("--server cannot be combined with --config: list servers in the file");
            try {
                base = ConfigLoader.loadWorkerFile(config);
            } catch (ConfigException e) {
                throw new CliFailure(e.getMessage());
            }
        } else {
            if (servers.isEmpty() && !discover)
                throw cli.usage("--server ADDR (a server's worker gRPC address), --discover or --config FILE is required");
            Path dir = dataDir != null ? dataDir : DEFAULT_DATA_DIR;
            base = new WorkerConfig(dir, parseServers(cli), null, null, dir.resolve("worker/identity"), Map.of());
        }
        Path data = dataDir != null ? dataDir : base.dataDir();
        Path identity = identityDir != null ? identityDir : base.identityDir();
        Map<String, String> mergedLabels = new LinkedHashMap<>(base.labels());
        if (labels != null) mergedLabels.putAll(labels.map());
        String tok = token != null ? token : tokenFile != null ? null : base.token();
        Path tokFile = tokenFile != null ? tokenFile : token != null ? null : base.tokenFile();
        boolean enrolled = Files.isRegularFile(identity.resolve("cert.pem"));
        if (!enrolled && tok == null && tokFile == null)
            throw cli.usage("a join token is required for the first start: --token T or --token-file F ('muster node generate-worker-token' prints one)");
        if (!enrolled && tokFile != null && !Files.isReadable(tokFile)) throw new CliFailure("token file " + tokFile + " cannot be read");
        List<String> mergedBackends = new ArrayList<>(base.backends());
        backends.stream().map(String::strip).filter(b -> !mergedBackends.contains(b)).forEach(mergedBackends::add);
        HostPort metrics = base.metricsAddr();
        if (metricsAddr != null) {
            try {
                metrics = HostPort.parse(metricsAddr);
            } catch (IllegalArgumentException e) {
                throw cli.usage("--metrics-addr: " + e.getMessage());
            }
        }
        WorkerConfig.ResourceLimits limits;
        try {
            limits = new WorkerConfig.ResourceLimits(base.resourceLimits().enabled() && !noResourceLimits,
                    cgroupParent != null ? cgroupParent : base.resourceLimits().cgroupParent());
        } catch (IllegalArgumentException e) {
            throw cli.usage("--cgroup-parent: " + e.getMessage().substring(e.getMessage().indexOf(' ') + 1));
        }
        return new WorkerConfig(data, base.servers(), tok, tokFile, identity, mergedLabels, mergedBackends, metrics, limits,
                base.discovery().withEnabled(base.discovery().enabled() || discover));
    }

    private List<HostPort> parseServers(Cli cli) {
        List<HostPort> out = new ArrayList<>();
        for (String s : servers) {
            try {
                out.add(HostPort.parse(s));
            } catch (IllegalArgumentException e) {
                throw cli.usage("--server: " + e.getMessage());
            }
        }
        return out;
    }
}
