package io.muster.cli.install;

import io.muster.types.config.ConfigException;
import io.muster.types.config.ConfigLoader;
import io.muster.types.config.ServerConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Command;
import io.muster.pki.secret.ClusterSecret;
import picocli.CommandLine.Option;

/**
 * {@code muster server install}: validates a server config, copies it to {@code /etc/muster/server.yaml}, creates the
 * data directory (0700) and {@code muster-server.service}, and starts it when systemd runs. Safe to re-run.
 */
@Command(name = "install", sortOptions = false,
        description = {"Install this machine as a Muster server: check the config, copy it to /etc/muster/server.yaml, "
                + "create the data directory (mode 0700) and the systemd unit muster-server.service, then start it when systemd runs.",
                "Re-running it is safe: identical files are left alone; the data directory is never emptied."})
public final class ServerInstallCommand extends InstallCommandBase {
    static final String UNIT = UnitTemplates.SERVER_UNIT;
    static final String CONFIG = CONFIG_DIR + "/server.yaml";
    static final String SECRET = CONFIG_DIR + "/cluster.secret";

    @Option(names = "--config", required = true, paramLabel = "FILE",
            description = "Server configuration (data_dir + cluster, or a bare ZLayer cluster_mode.yaml with --data-dir).")
    String config;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Data directory; overrides the file's data_dir and is passed to the service.")
    String dataDir;

    @Option(names = "--prefix", paramLabel = "DIR",
            description = "The Muster installation the unit runs (the directory holding bin/muster; default: this one).")
    String prefix;

    @Option(names = "--secret-file", paramLabel = "FILE",
            description = "The cluster secret 'muster server init' printed (every server but the one init ran on); copied to "
                    + "/etc/muster/cluster.secret (mode 0600) and passed to the service.")
    String secretFile;

    @Option(names = "--no-start", description = "Write the files but do not enable or start the service.")
    boolean noStart;

    @Override
    int execute() throws InstallException {
        FileTree tree = tree();
        Path source = Path.of(config);
        if (!Files.isRegularFile(source)) throw new InstallException("--config " + config + " does not exist or is not a regular file");
        String override = dataDir != null ? Inputs.systemPath("--data-dir", dataDir) : null;
        ServerConfig sc;
        try {
            sc = ConfigLoader.loadServerFile(source, override != null ? Path.of(override) : null);
        } catch (ConfigException e) {
            throw new InstallException(e.getMessage());
        }
        String data = Inputs.systemPath("data_dir", sc.dataDir().toString());
        Inputs.requireDedicated("data_dir", data);
        String home = prefix(prefix);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(source);
        } catch (IOException e) {
            throw FileTree.io("read", source, e);
        }
        byte[] secret = null;
        if (secretFile != null) {
            try {
                // Parse it here, so a truncated or wrong secret fails the install, not the service's first start.
                secret = (ClusterSecret.read(Path.of(secretFile)).encode() + "\n").getBytes(StandardCharsets.US_ASCII);
            } catch (IOException e) {
                throw new InstallException("--secret-file: " + e.getMessage());
            }
        }
        String args = (override != null ? " --data-dir " + override : "") + (secret != null ? " --secret-file " + SECRET : "");
        String unit = UnitTemplates.render(UNIT, Map.of("MUSTER_HOME", home, "STATE_DIRS", data, "SERVER_ARGS", args));

        for (String w : sc.warnings()) out().println("warning: " + w);
        tree.ensureDir(CONFIG_DIR, FileTree.MODE_0755, false);
        tree.writeFile(CONFIG, bytes, FileTree.MODE_0644);
        if (secret != null) tree.writeFile(SECRET, secret, FileTree.MODE_0600);
        tree.writeFile(UNIT_DIR + "/" + UNIT, unit.getBytes(StandardCharsets.UTF_8), FileTree.MODE_0644);
        tree.ensureDir(data, FileTree.MODE_0700, true);

        out().println("muster server install (node " + sc.serverId() + " of " + sc.peers().size() + "):");
        tree.report(out());
        noteMissingPrefix(tree, home);
        activate(tree, UNIT, noStart, home + "/bin/muster server --config " + CONFIG + args);
        return 0;
    }
}
