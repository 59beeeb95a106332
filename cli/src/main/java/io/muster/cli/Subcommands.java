package io.muster.cli;

import io.muster.cli.install.ServerInstallCommand;
import io.muster.cli.install.ServerUninstallCommand;
import io.muster.cli.install.WorkerInstallCommand;
import io.muster.cli.install.WorkerUninstallCommand;
import io.muster.loadtest.LoadTestCommand;
import picocli.CommandLine;

/**
 * Subcommands that live outside this package and also run on their own ({@code loadtest} has its own main and
 * {@code --help}): {@code worker install|uninstall}, {@code server install|uninstall} and {@code loadtest}.
 * They are added here rather than in an annotation's {@code subcommands} list because their own copies of options
 * the root already gives every subcommand ({@code --acl-token}, {@code --ca-cert}, {@code --help}) must go first.
 */
final class Subcommands {
    private Subcommands() {}

    static void register(CommandLine root) {
        CommandLine worker = root.getSubcommands().get("worker");
        CommandLine server = root.getSubcommands().get("server");
        add(worker, "install", new WorkerInstallCommand());
        add(worker, "uninstall", new WorkerUninstallCommand());
        add(server, "install", new ServerInstallCommand());
        add(server, "uninstall", new ServerUninstallCommand());
        add(root, "loadtest", new LoadTestCommand());
    }

    /** Adds {@code command} under {@code parent}, dropping its own copies of the options it inherits from there. */
    static void add(CommandLine parent, String name, Object command) {
        CommandLine sub = new CommandLine(command);
        for (var inherited : parent.getCommandSpec().options()) {
            if (!inherited.inherited() && inherited.scopeType() != CommandLine.ScopeType.INHERIT) continue;
            for (String optionName : inherited.names()) {
                var own = sub.getCommandSpec().findOption(optionName);
                if (own != null) sub.getCommandSpec().remove(own);
            }
        }
        parent.addSubcommand(name, sub);
    }
}
