package io.muster.cli;

import io.muster.server.MusterServer;
import io.muster.types.config.ConfigException;
import io.muster.types.config.ConfigLoader;
import io.muster.types.config.ServerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code install}/{@code uninstall} subcommands are added by {@link Subcommands}. */
@Command(name = "server", subcommands = ServerInitCommand.class, description = {"Run a Muster server from a config file until SIGINT/SIGTERM.",
        "A leader hands leadership over before it stops."})
final class ServerCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE", description = "Server config (YAML), or a bare ZLayer cluster_mode.yaml with --data-dir.")
    Path config;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "State directory; overrides data_dir in the file.")
    Path dataDir;

    @Option(names = "--secret-file", paramLabel = "FILE", description = "The cluster secret printed by 'muster server init' (mode 0600); "
            + "overrides secret_file in the config. Default: <data_dir>/cluster.secret.")
    Path secretFile;

    @Option(names = "--join", description = "Start with an empty Raft group and wait to be added ('muster cluster add-server').")
    boolean join;

    @Override
    public Integer call() throws Exception {
        Cli cli = Cli.of(spec);
        if (config == null) throw cli.usage("--config FILE is required (or a subcommand: init, install, uninstall)");
        ServerConfig loaded;
        try {
            loaded = ConfigLoader.loadServerFile(config, dataDir);
        } catch (ConfigException e) {
            cli.err.println("Error: " + e.getMessage());
            cli.err.flush();
            return 1;
        }
        ServerConfig cfg = secretFile == null ? loaded : loaded.withTls(loaded.tls().withSecretFile(secretFile));
        for (String w : cfg.warnings()) cli.err.println("Warning: " + w);
        cli.err.flush();
        Files.createDirectories(cfg.dataDir());
        MusterServer server;
        try {
            server = new MusterServer(cfg, new MusterServer.Options(join, Clock.systemUTC())).start();
        } catch (Exception e) {
            throw new CliFailure("server " + cfg.serverId() + " cannot start: " + Daemons.rootMessage(e), e);
        }
        cli.out.println("Muster server " + cfg.serverId() + " running: API " + server.api().url() + ", Raft " + cfg.raftAddr()
                + ", worker gRPC " + cfg.workerGrpcAddr() + (join ? " (waiting to be added to the cluster)" : ""));
        cli.out.flush();
        server.ready().thenRun(() -> {
            cli.out.println("Cluster identity ready. Operators on this machine: export MUSTER_ADDR=" + server.api().url()
                    + (cfg.dev() ? "" : " MUSTER_CACERT=" + cfg.dataDir().resolve("ca.pem")));
            cli.out.flush();
        });
        server.raft().stateMachine().fatal().thenAccept(e -> {
            // The state machine stopped on a bug: exit non-zero so the supervisor restarts or alerts, never limp on.
            cli.err.println("Error: server " + cfg.serverId() + " stopped applying the Raft log: " + Daemons.rootMessage(e));
            cli.err.flush();
            server.close();
            System.exit(1);
        });
        Daemons.runUntilSignal(server::shutdown);
        return 0;
    }
}
