package io.muster.cli.install;

import io.muster.types.config.ConfigException;
import io.muster.types.config.ConfigLoader;
import io.muster.types.config.WorkerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code muster worker uninstall}: stops and disables the service and removes its unit, config and token. The data
 * directory and the worker identity stay unless {@code --purge}.
 */
@Command(name = "uninstall", sortOptions = false,
        description = {"Stop and disable muster-worker.service and remove it, /etc/muster/worker.yaml and /etc/muster/worker.token.",
                "The data directory and the worker identity are kept unless --purge; tasks keep running unless --purge "
                        + "(drain the node first to move them)."})
public final class WorkerUninstallCommand extends InstallCommandBase {
    @Option(names = "--purge", description = "Also stop the worker's tasks and delete its data directory and identity.")
    boolean purge;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "Data directory to purge when /etc/muster/worker.yaml is gone or unreadable (default: from that file, else " + DEFAULT_DATA_DIR + ").")
    String dataDir;

    @Override
    int execute() throws InstallException {
        FileTree tree = tree();
        String data = dataDir != null ? Inputs.systemPath("--data-dir", dataDir) : DEFAULT_DATA_DIR;
        String identity = data + "/worker/identity";
        Path config = tree.onHost(WorkerInstallCommand.CONFIG);
        if (dataDir == null && Files.exists(config)) {
            // The installed file says where the state is; read it before removing it.
            try {
                WorkerConfig wc = ConfigLoader.loadWorkerFile(config);
                data = wc.dataDir().toString();
                identity = wc.identityDir().toString();
            } catch (ConfigException e) {
                if (purge) {
                    throw new InstallException("cannot tell what to purge, " + e.getMessage().lines().findFirst().orElse("")
                            + "; pass --data-dir DIR");
                }
            }
        }
        if (purge) {
            Inputs.requireDedicated("data directory", data);
            if (!Inputs.within(identity, data)) Inputs.requireDedicated("identity directory", identity);
        }

        deactivate(tree, WorkerInstallCommand.UNIT, purge);
        tree.remove(UNIT_DIR + "/" + WorkerInstallCommand.UNIT);
        tree.remove(WorkerInstallCommand.CONFIG);
        tree.remove(WorkerInstallCommand.TOKEN);
        tree.removeDirIfEmpty(CONFIG_DIR);
        if (purge) {
            if (!Inputs.within(identity, data)) tree.removeTree(identity);
            tree.removeTree(data);
        } else {
            if (Files.exists(tree.onHost(data))) tree.note(FileTree.Outcome.KEPT, data, "data; --purge deletes it");
            if (Files.exists(tree.onHost(identity))) tree.note(FileTree.Outcome.KEPT, identity, "worker identity; --purge deletes it");
        }
        if (!staged() && systemd.running()) {
            systemctl(WorkerInstallCommand.UNIT, "daemon-reload");
            systemd.systemctl("reset-failed", WorkerInstallCommand.UNIT); // forget a failed state; absent is fine
        }
        out().println("muster worker uninstall:");
        tree.report(out());
        return 0;
    }
}
