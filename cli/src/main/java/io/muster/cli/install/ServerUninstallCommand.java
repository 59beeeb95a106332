package io.muster.cli.install;

import io.muster.types.config.ConfigException;
import io.muster.types.config.ConfigLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code muster server uninstall}: stops and disables the service and removes its unit and config. The data directory
 * (Raft log, snapshots, cluster CA) stays unless {@code --purge}.
 */
@Command(name = "uninstall", sortOptions = false,
        description = {"Stop and disable muster-server.service and remove it and /etc/muster/server.yaml.",
                "The data directory (Raft log, snapshots, CA material) is kept unless --purge. Remove the server from the "
                        + "cluster first (muster cluster remove-server ID) so the others keep their quorum."})
public final class ServerUninstallCommand extends InstallCommandBase {
    private static final Pattern DATA_DIR_FLAG = Pattern.compile("^ExecStart=.*\\s--data-dir\\s+(\\S+)", Pattern.MULTILINE);

    @Option(names = "--purge", description = "Also delete the data directory. The server's Raft state is lost for good.")
    boolean purge;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "Data directory to purge when the installed files do not say (default: from /etc/muster/server.yaml).")
    String dataDir;

    @Override
    int execute() throws InstallException {
        FileTree tree = tree();
        String data = dataDir != null ? Inputs.systemPath("--data-dir", dataDir) : installedDataDir(tree);
        if (purge) {
            if (data == null) throw new InstallException("cannot tell which data directory to purge; pass --data-dir DIR");
            Inputs.requireDedicated("data directory", data);
        }

        deactivate(tree, UnitTemplates.SERVER_UNIT, false);
        tree.remove(UNIT_DIR + "/" + UnitTemplates.SERVER_UNIT);
        tree.remove(ServerInstallCommand.CONFIG);
        tree.removeDirIfEmpty(CONFIG_DIR);
        if (purge) {
            tree.removeTree(data);
        } else if (data != null && Files.exists(tree.onHost(data))) {
            tree.note(FileTree.Outcome.KEPT, data, "Raft log, snapshots and CA material; --purge deletes it");
        }
        if (!staged() && systemd.running()) {
            systemctl(UnitTemplates.SERVER_UNIT, "daemon-reload");
            systemd.systemctl("reset-failed", UnitTemplates.SERVER_UNIT);
        }
        out().println("muster server uninstall:");
        tree.report(out());
        return 0;
    }

    /** The data directory of the installed server: the unit's --data-dir, else the config's data_dir; null if unknown. */
    private String installedDataDir(FileTree tree) {
        String override = null;
        Path unit = tree.onHost(UNIT_DIR + "/" + UnitTemplates.SERVER_UNIT);
        try {
            if (Files.exists(unit)) {
                Matcher m = DATA_DIR_FLAG.matcher(Files.readString(unit));
                if (m.find()) override = m.group(1);
            }
        } catch (IOException ignored) {
            // fall back to the config file
        }
        Path config = tree.onHost(ServerInstallCommand.CONFIG);
        if (!Files.exists(config)) return override;
        try {
            return ConfigLoader.loadServerFile(config, override != null ? Path.of(override) : null).dataDir().toString();
        } catch (ConfigException e) {
            return override;
        }
    }
}
