package io.muster.cli;

import io.muster.server.MusterServer;
import io.muster.types.config.HostPort;
import io.muster.types.config.ServerConfig;
import io.muster.types.config.WorkerConfig;
import io.muster.worker.WorkerDaemon;
import io.muster.worker.WorkerOptions;
import io.muster.worker.identity.IdentityStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "dev", description = {"A single-node server with an embedded worker and the dashboard, for one machine.",
        "Plain HTTP on 127.0.0.1 and no ACLs, like 'nomad agent -dev'. Runs until Ctrl-C."})
final class DevCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "./.muster-dev", description = "State directory (default ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--api-port", paramLabel = "PORT", defaultValue = "3669", description = "REST API and dashboard port (default ${DEFAULT-VALUE}).")
    int apiPort;

    @Option(names = "--grpc-port", paramLabel = "PORT", defaultValue = "3670", description = "Worker gRPC port (default ${DEFAULT-VALUE}).")
    int grpcPort;

    @Option(names = "--raft-port", paramLabel = "PORT", defaultValue = "9001", description = "Raft port (default ${DEFAULT-VALUE}).")
    int raftPort;

    @Option(names = "--no-worker", description = "Run the server only.")
    boolean noWorker;

    @Option(names = "--labels", paramLabel = "k=v,...", converter = Labels.Converter.class,
            description = "Labels of the embedded worker, e.g. group=web (targets of -t group:web and of constraints).")
    Labels labels;

    @Override
    public Integer call() throws Exception {
        Cli cli = Cli.of(spec);
        for (int p : new int[] {apiPort, grpcPort, raftPort}) if (p < 1 || p > 65535) throw cli.usage("port " + p + " is outside 1-65535");
        Path dir = dataDir.toAbsolutePath().normalize();
        Files.createDirectories(dir);
        ServerConfig config = ServerConfig.dev(dir, apiPort, raftPort, grpcPort);
        AtomicReference<WorkerDaemon> worker = new AtomicReference<>();
        MusterServer server;
        try {
            server = new MusterServer(config, MusterServer.Options.defaults()).start();
        } catch (Exception e) {
            throw new CliFailure("cannot start the dev server: " + Daemons.rootMessage(e)
                    + " (another 'muster dev' running? pick free ports with --api-port, --grpc-port, --raft-port)", e);
        }
        // Hooked before the slow part, so Ctrl-C during startup still stops cleanly: worker first, then the server.
        Thread hook = new Thread(() -> stop(worker.get(), server), "muster-dev-startup-abort");
        Runtime.getRuntime().addShutdownHook(hook);
        String workerLine;
        try {
            workerLine = startWorker(server, dir, worker);
        } catch (CliFailure e) {
            throw e;
        } catch (java.util.concurrent.TimeoutException e) {
            throw new CliFailure("the dev server did not become ready in time (see the log above)", e);
        } catch (Exception e) {
            throw new CliFailure("dev startup failed: " + Daemons.rootMessage(e), e);
        }
        String api = "http://127.0.0.1:" + apiPort;
        String addr = self(cli) + (apiPort == 3669 ? "" : " -a " + api);
        cli.out.println("""
                Muster dev agent is running.
                  API:        %s
                  Dashboard:  %s/ui/
                  gRPC API:   127.0.0.1:%d (plaintext in dev; API port + 2)
                  Worker:     %s
                  Data dir:   %s

                Try:
                  %s cluster status
                  %s node list
                  %s job run -t all --wait -- echo hello
                  %s job list

                Press Ctrl-C to stop.""".formatted(api, api, apiPort + io.muster.server.grpc.client.ClientGrpcServer.PORT_OFFSET, workerLine, dir, addr, addr, addr, addr));
        cli.out.flush();
        Runtime.getRuntime().removeShutdownHook(hook);
        Daemons.runUntilSignal(() -> stop(worker.get(), server));
        return 0;
    }

    /**
     * Waits for the cluster identity, then starts the embedded worker: with a fresh single-use token the first time,
     * with the identity it saved on later starts (a token per start would pile up unused ones).
     */
    private String startWorker(MusterServer server, Path dir, AtomicReference<WorkerDaemon> worker) throws Exception {
        server.ready().get(2, TimeUnit.MINUTES);
        if (noWorker) return "none (--no-worker)";
        Path identity = dir.resolve("worker/identity");
        String token = joined(identity) ? null
                : server.joinTokens().create(Duration.ofHours(1), 1, Map.of(), "dev worker").get(1, TimeUnit.MINUTES).token();
        WorkerDaemon daemon = new WorkerDaemon(new WorkerConfig(dir.resolve("worker"), List.of(new HostPort("127.0.0.1", grpcPort)), token,
                null, identity, labels == null ? Map.of() : labels.map()), WorkerOptions.defaults());
        worker.set(daemon);
        daemon.start();
        return "embedded, state in " + dir.resolve("worker");
    }

    /** Whether the embedded worker joined on an earlier start (its identity is saved): it needs no new token. */
    static boolean joined(Path identityDir) {
        return Files.exists(identityDir.resolve(IdentityStore.CERT_FILE)) && Files.exists(identityDir.resolve(IdentityStore.KEY_FILE));
    }

    /** "bin/muster" when run by the script from the checkout root (as the README does), else "muster". */
    private static String self(Cli cli) {
        String home = cli.env("MUSTER_HOME");
        return home != null && Path.of(home).toAbsolutePath().normalize().equals(Path.of("").toAbsolutePath()) ? "bin/muster" : "muster";
    }

    private static void stop(WorkerDaemon worker, MusterServer server) {
        try {
            if (worker != null) worker.close();
        } catch (RuntimeException e) {
            System.err.println("Error: " + e.getMessage());
        } finally {
            server.shutdown();
        }
    }
}
