package io.muster.cli;

import io.muster.pki.secret.ClusterSecret;
import io.muster.server.tls.ClusterInit;
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

/**
 * {@code muster server init}: once, on the first server of a new cluster, before its first start. Creates the
 * cluster's CA material in that server's data dir and prints the cluster secret — the one secret the other servers
 * need (K3s' server token, kubeadm's certificate key and CA hash in one line).
 */
@Command(name = "init", description = {"Create a new cluster's identity on this server and print the cluster secret.",
        "Run once, on the first server, before its first start. Give the secret to every other server",
        "(secret_file: in its config, or --secret-file): they fetch their certificates with it."})
final class ServerInitCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--config", required = true, paramLabel = "FILE", description = "This server's config (YAML).")
    Path config;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "State directory; overrides data_dir in the file.")
    Path dataDir;

    @Override
    public Integer call() throws Exception {
        Cli cli = Cli.of(spec);
        ServerConfig cfg;
        try {
            cfg = ConfigLoader.loadServerFile(config, dataDir);
        } catch (ConfigException e) {
            throw new CliFailure(e.getMessage(), e);
        }
        Files.createDirectories(cfg.dataDir());
        ClusterSecret secret;
        try {
            secret = ClusterInit.run(cfg, Clock.systemUTC());
        } catch (java.io.IOException e) {
            throw new CliFailure(e.getMessage(), e);
        }
        Path file = cfg.tls().secretFile() != null ? cfg.tls().secretFile() : cfg.dataDir().resolve("cluster.secret");
        cli.out.println(secret.encode());
        cli.out.flush();
        cli.err.println("Created cluster " + secret.clusterId() + " (CA pin " + secret.caPin() + "). The secret above is also in " + file
                + " (mode 0600).");
        cli.err.println("Start this server with 'muster server --config " + config + "'; start the others with the secret in a 0600 file:");
        cli.err.println("  muster server --config FILE --secret-file cluster.secret");
        cli.err.flush();
        return 0;
    }
}
