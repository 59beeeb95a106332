package io.muster.loadtest;

import io.muster.types.config.HostPort;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code muster loadtest}: simulated workers against a real cluster. Exit codes: 0 the run completed, 1 it
 * failed (a partial report is still written), 2 usage error.
 */
@Command(name = "loadtest", sortOptions = false, mixinStandardHelpOptions = true,
        description = {"Load test with simulated workers: each registers with its own key and CSR through the real Register RPC, "
                + "holds its own mTLS connection, long-polls, heartbeats and acknowledges assignments.",
                "Writes loadtest-report.json and loadtest-report.html to --report-dir.",
                "Examples:",
                "  muster loadtest --local --workers 1000 --allocations 100000",
                "  muster loadtest --api https://10.0.0.1:3669 --ca-cert ca.pem --acl-token $T --server 10.0.0.1:3670 --scenario join,steady"},
        exitCodeOnInvalidInput = 2, exitCodeOnExecutionException = 1)
public final class LoadTestCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--workers", paramLabel = "N", defaultValue = "10000", description = "Simulated workers (default ${DEFAULT-VALUE}).")
    int workers;

    @Option(names = "--server", paramLabel = "ADDR", split = ",", description = "A server's worker gRPC address host:port (repeatable).")
    List<String> servers = new ArrayList<>();

    @Option(names = "--token", paramLabel = "T", description = "Join token with enough uses (workers + churn joins). Prefer --token-file.")
    String token;

    @Option(names = "--token-file", paramLabel = "F", description = "File holding the join token.")
    Path tokenFile;

    @Option(names = "--api", paramLabel = "URL", description = "REST API of a server; without a token the tool creates its own. Needed by fanout and failover.")
    String api;

    // Under the muster CLI these two are replaced by its inherited global options of the same names (read back
    // through the spec); run standalone, they are this command's own.
    @Option(names = "--acl-token", paramLabel = "T", description = "API token (X-Muster-Token); default: env MUSTER_ACL_TOKEN.")
    String aclToken;

    @Option(names = "--ca-cert", paramLabel = "F", description = "Cluster CA for an https API (<data_dir>/ca.pem); default: env MUSTER_CACERT.")
    Path caCert;

    @Option(names = "--scenario", paramLabel = "LIST", defaultValue = "all", description = "join,steady,fanout,operation,failover,churn or all (default ${DEFAULT-VALUE}).")
    String scenario;

    @Option(names = "--duration", paramLabel = "D", defaultValue = "60s", description = "Length of steady and of churn, e.g. 60s, 5m (default ${DEFAULT-VALUE}).")
    String duration;

    @Option(names = "--allocations", paramLabel = "A", defaultValue = "-1", description = "Allocations for fanout (default 10 per worker).")
    long allocations;

    @Option(names = "--heartbeat-rate", paramLabel = "R", defaultValue = "0", description = "Steady: heartbeats/s in total, ignoring the TTL (0 = the servers' TTL).")
    double heartbeatRate;

    @Option(names = "--churn-rate", paramLabel = "R", defaultValue = "10", description = "Churn: workers leaving (and joining) per second (default ${DEFAULT-VALUE}).")
    double churnRate;

    @Option(names = "--local", description = "Start 3 servers on loopback (dev-mode API), run, and stop them.")
    boolean local;

    @Option(names = "--report-dir", paramLabel = "DIR", defaultValue = ".", description = "Where the reports go (default: the current directory).")
    Path reportDir;

    @Option(names = "--max-runtime", paramLabel = "D", defaultValue = "60m", description = "Hard cap on the whole run (default ${DEFAULT-VALUE}).")
    String maxRuntime;

    @Option(names = "--join-concurrency", paramLabel = "N", defaultValue = "256", description = "Registrations in flight (default ${DEFAULT-VALUE}).")
    int joinConcurrency;

    @Option(names = "--job-size", paramLabel = "N", defaultValue = "100000", description = "Allocations per fanout job, at most 100000 (default ${DEFAULT-VALUE}).")
    int jobSize;

    @Option(names = "--alloc-runtime", paramLabel = "D", defaultValue = "0s", description = "Run each allocation this long, then report it complete (batch jobs); 0 = keep running.")
    String allocRuntime;

    @Option(names = "--failover", paramLabel = "MODE", defaultValue = "auto", description = "transfer (API), kill (local only) or auto: kill with --local, else transfer.")
    String failover;

    @Option(names = "--poll-wait", paramLabel = "SECS", defaultValue = "30", description = "Long-poll wait the workers ask for (default ${DEFAULT-VALUE}).")
    int pollWait;

    @Option(names = "--local-heap", paramLabel = "SIZE", defaultValue = "3g", description = "Heap of each local server (default ${DEFAULT-VALUE}).")
    String localHeap;

    @Option(names = "--stall-timeout", paramLabel = "D", defaultValue = "30s", description = "End the run when no call succeeds for this long, or a fanout makes no progress for twice as long (default ${DEFAULT-VALUE}).")
    String stallTimeout;

    @Option(names = "--keep-local", description = "Keep the local servers' data dirs and logs (for debugging).")
    boolean keepLocal;

    @Option(names = "--warmup-workers", paramLabel = "W", defaultValue = "0",
            description = "Before the measured join, W workers register, heartbeat and leave, so fresh servers have JIT-compiled the path (default 0).")
    int warmupWorkers;

    @Option(names = "--operation-steps", paramLabel = "N", defaultValue = "3", description = "Operation: barrier steps of the one operation job, 1-100 (default ${DEFAULT-VALUE}).")
    int operationSteps;

    @Option(names = "--operation-action", paramLabel = "A", defaultValue = "succeed",
            description = "Operation: what each step's test action does, succeed or sleep:DURATION such as sleep:2s (default ${DEFAULT-VALUE}).")
    String operationAction;

    private String[] args = new String[0];

    /** The raw arguments, for the report's command line (secrets are redacted there). */
    public LoadTestCommand withArgs(String... raw) {
        this.args = raw.clone();
        return this;
    }

    @Override
    public Integer call() {
        if (args.length == 0 && spec != null && spec.commandLine().getParseResult() != null) {
            // Registered by the CLI (no withArgs): take what follows "loadtest" on the original command line.
            List<String> all = spec.commandLine().getParseResult().originalArgs();
            int at = all.indexOf(spec.name());
            args = all.subList(at + 1, all.size()).toArray(String[]::new);
        }
        LoadTestSettings s;
        try {
            s = settings(System.getenv());
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        PrintStream out = new PrintStream(new WriterStream(spec.commandLine().getOut()), true, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(new WriterStream(spec.commandLine().getErr()), true, StandardCharsets.UTF_8);
        return new LoadTestRun(s, out, err, Progress.detectTty()).execute().exitCode();
    }

    LoadTestSettings settings(java.util.Map<String, String> env) {
        if (workers < 1) throw new IllegalArgumentException("--workers: must be at least 1");
        if (workers > 200_000) throw new IllegalArgumentException("--workers: at most 200,000 in one process");
        if (token != null && tokenFile != null) throw new IllegalArgumentException("--token and --token-file: give one of them");
        String secret = token;
        if (tokenFile != null) {
            try {
                secret = Files.readString(tokenFile).strip();
            } catch (IOException e) {
                throw new IllegalArgumentException("--token-file: cannot read " + tokenFile + ": " + e.getMessage());
            }
            if (secret.isEmpty()) throw new IllegalArgumentException("--token-file: " + tokenFile + " is empty");
        }
        List<HostPort> hps = new ArrayList<>();
        for (String a : servers) {
            String v = a.strip().replaceFirst("^https?://", "");
            if (v.isEmpty()) continue;
            try {
                hps.add(HostPort.parse(v));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--server: '" + a + "' is not host:port (" + e.getMessage() + ")");
            }
        }
        if (local) {
            if (!hps.isEmpty() || api != null || secret != null)
                throw new IllegalArgumentException("--local starts its own servers: leave out --server, --api and --token");
        } else {
            if (api == null && hps.isEmpty()) throw new IllegalArgumentException("say which cluster: --server ADDR with --token/--token-file, --api URL, or --local");
            if (api == null && secret == null) throw new IllegalArgumentException("--server needs --token or --token-file (or --api so the tool creates a token)");
            if (secret != null && hps.isEmpty()) throw new IllegalArgumentException("--token needs --server (the servers' worker gRPC addresses)");
        }
        Set<Scenario> sc = Scenario.parse(scenario);
        if (!local && api == null) {
            for (Scenario x : List.of(Scenario.FANOUT, Scenario.OPERATION, Scenario.FAILOVER)) {
                if (sc.contains(x)) throw new IllegalArgumentException("--scenario " + x.key() + " needs --api (or --local); run join,steady,churn without it");
            }
        }
        Duration dur = duration("--duration", duration);
        Duration max = duration("--max-runtime", maxRuntime);
        Duration stall = duration("--stall-timeout", stallTimeout);
        Duration runtime = duration("--alloc-runtime", allocRuntime);
        if (dur.isZero()) throw new IllegalArgumentException("--duration: must be more than 0");
        if (max.toSeconds() < 10) throw new IllegalArgumentException("--max-runtime: at least 10s");
        if (stall.toSeconds() < 5) throw new IllegalArgumentException("--stall-timeout: at least 5s");
        long allocs = allocations < 0 ? 10L * workers : allocations;
        if (sc.contains(Scenario.FANOUT) && allocs < 1) throw new IllegalArgumentException("--allocations: at least 1 for fanout");
        if (allocs > 10_000_000) throw new IllegalArgumentException("--allocations: at most 10,000,000");
        if (jobSize < 1 || jobSize > 100_000) throw new IllegalArgumentException("--job-size: between 1 and 100000 (the job spec's count limit)");
        if (heartbeatRate < 0) throw new IllegalArgumentException("--heartbeat-rate: must be >= 0");
        if (churnRate <= 0 && sc.contains(Scenario.CHURN)) throw new IllegalArgumentException("--churn-rate: must be > 0 for churn");
        if (churnRate > 1000) throw new IllegalArgumentException("--churn-rate: at most 1000/s");
        if (joinConcurrency < 1 || joinConcurrency > 10_000) throw new IllegalArgumentException("--join-concurrency: between 1 and 10000");
        if (pollWait < 1 || pollWait > 60) throw new IllegalArgumentException("--poll-wait: between 1 and 60 seconds (the servers cap it at 60)");
        if (!localHeap.matches("[0-9]+[kKmMgG]?")) throw new IllegalArgumentException("--local-heap: a JVM size such as 3g or 2048m");
        LoadTestSettings.FailoverMode fm;
        try {
            fm = LoadTestSettings.FailoverMode.valueOf(failover.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--failover: auto, transfer or kill");
        }
        if (fm == LoadTestSettings.FailoverMode.KILL && !local) throw new IllegalArgumentException("--failover kill: only with --local (the tool kills only servers it started)");
        if (aclToken == null) aclToken = inherited("--acl-token");
        if (caCert == null && inherited("--ca-cert") != null) caCert = Path.of(inherited("--ca-cert"));
        String acl = aclToken != null ? aclToken : env.get(io.muster.client.MusterClient.ENV_TOKEN);
        Path ca = caCert != null ? caCert : env.containsKey(io.muster.client.MusterClient.ENV_CACERT) ? Path.of(env.get(io.muster.client.MusterClient.ENV_CACERT)) : null;
        if (api != null && api.startsWith("https://") && ca == null) throw new IllegalArgumentException("--api is https: pass --ca-cert (the cluster CA, <data_dir>/ca.pem)");
        if (!Files.isDirectory(reportDir)) {
            try {
                Files.createDirectories(reportDir);
            } catch (IOException e) {
                throw new IllegalArgumentException("--report-dir: cannot create " + reportDir + ": " + e.getMessage());
            }
        }
        if (operationSteps < 1 || operationSteps > 100) throw new IllegalArgumentException("--operation-steps: between 1 and 100 (the operation spec's step limit)");
        Duration opSleep = operationSleep(operationAction);
        if (warmupWorkers < 0 || warmupWorkers > 100_000) throw new IllegalArgumentException("--warmup-workers: between 0 and 100000");
        int needed = warmupWorkers + workers + (sc.contains(Scenario.CHURN) ? (int) Math.ceil(churnRate * dur.toMillis() / 1000.0) : 0);
        if (needed > 1_000_000) throw new IllegalArgumentException("workers + churn joins: at most 1,000,000 registrations");
        return new LoadTestSettings(workers, List.copyOf(hps), secret, tokenFile, api, acl, ca, sc, dur, allocs, heartbeatRate, churnRate, local,
                reportDir, max, joinConcurrency, jobSize, runtime, fm, pollWait, localHeap, stall, keepLocal, warmupWorkers, operationSteps, opSleep, commandLine());
    }

    /** {@code succeed} is no sleep; {@code sleep:D} a positive duration. */
    static Duration operationSleep(String action) {
        String a = action.strip().toLowerCase(Locale.ROOT);
        if (a.equals("succeed")) return Duration.ZERO;
        if (a.startsWith("sleep:")) {
            Duration d = duration("--operation-action", a.substring("sleep:".length()));
            if (!d.isZero()) return d;
        }
        throw new IllegalArgumentException("--operation-action: '" + action + "' is not succeed or sleep:DURATION (e.g. sleep:2s, sleep:500ms)");
    }

    private String commandLine() {
        List<String> parts = new ArrayList<>(List.of("muster", "loadtest"));
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--token") || a.equals("--acl-token")) {
                parts.add(a);
                if (i + 1 < args.length) {
                    parts.add("<redacted>");
                    i++;
                }
            } else if (a.startsWith("--token=") || a.startsWith("--acl-token=")) {
                parts.add(a.substring(0, a.indexOf('=') + 1) + "<redacted>");
            } else {
                parts.add(a);
            }
        }
        return String.join(" ", parts);
    }

    private static final Pattern DURATION = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)(ms|s|m|h)?");

    static Duration duration(String option, String text) {
        Matcher m = DURATION.matcher(text.strip().toLowerCase(Locale.ROOT));
        if (!m.matches()) throw new IllegalArgumentException(option + ": '" + text + "' is not a duration (e.g. 90, 90s, 5m, 1h, 500ms)");
        double v = Double.parseDouble(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        double ms = switch (unit) {
            case "ms" -> v;
            case "m" -> v * 60_000;
            case "h" -> v * 3_600_000;
            default -> v * 1000;
        };
        return Duration.ofMillis((long) ms);
    }

    /** picocli writers as streams, so the run can print to what the caller (CLI, tests) configured. */
    private static final class WriterStream extends java.io.OutputStream {
        private final java.io.PrintWriter w;
        private final java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();

        WriterStream(java.io.PrintWriter w) {
            this.w = w;
        }

        @Override
        public synchronized void write(int b) {
            buf.write(b);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            buf.write(b, off, len);
        }

        @Override
        public synchronized void flush() {
            w.print(buf.toString(StandardCharsets.UTF_8));
            buf.reset();
            w.flush();
        }
    }

    /** Runs the command as a program (used by run-local.sh); the CLI registers this class as a subcommand instead. */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new LoadTestCommand().withArgs(args));
        return cl.execute(args);
    }

    /** The value of an option this command inherits from the muster CLI, or null when run on its own. */
    private String inherited(String name) {
        if (spec == null) return null;
        var o = spec.findOption(name);
        Object v = o == null ? null : o.getValue();
        return v == null ? null : v.toString();
    }
}
