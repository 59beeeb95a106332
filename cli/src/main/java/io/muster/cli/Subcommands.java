package io.muster.cli;

import io.muster.cli.install.ServerInstallCommand;
import io.muster.cli.install.ServerUninstallCommand;
import io.muster.cli.install.WorkerInstallCommand;
import io.muster.cli.install.WorkerUninstallCommand;
import io.muster.loadtest.LoadTestCommand;
import picocli.CommandLine;

/**
 * Builds the command tree under the root: the top-level subcommands of {@link MusterCommand#SUBCOMMANDS}, all of
 * them or only the one a command line names (a client command then builds and loads one branch, not the whole
 * tree with the server's and worker's types).
 * <p>
 * Subcommands that live outside this package and also run on their own ({@code loadtest} has its own main and
 * {@code --help}): {@code worker install|uninstall}, {@code server install|uninstall} and {@code loadtest} are added
 * through {@link #add} because their own copies of options the root already gives every subcommand
 * ({@code --acl-token}, {@code --ca-cert}, {@code --help}) must go first.
 */
final class Subcommands {
    private Subcommands() {}

    /** Every top-level subcommand. */
    static void register(CommandLine root) {
        register(root, null);
    }

    /** The top-level subcommand {@code only} (one of {@link MusterCommand#SUBCOMMANDS}), or all of them when null. */
    static void register(CommandLine root, String only) {
        for (String name : MusterCommand.SUBCOMMANDS) {
            if (only != null && !only.equals(name)) continue;
            switch (name) {
                case "loadtest" -> add(root, "loadtest", new LoadTestCommand());
                case "worker" -> {
                    CommandLine worker = addTop(root, name);
                    add(worker, "install", new WorkerInstallCommand());
                    add(worker, "uninstall", new WorkerUninstallCommand());
                }
                case "server" -> {
                    CommandLine server = addTop(root, name);
                    add(server, "install", new ServerInstallCommand());
                    add(server, "uninstall", new ServerUninstallCommand());
                }
                default -> addTop(root, name);
            }
        }
    }

    /** Only the annotated top-level subcommands, nothing added from other packages (tests add their own). */
    static void registerAnnotated(CommandLine root) {
        for (String name : MusterCommand.SUBCOMMANDS) {
            if (!name.equals("loadtest")) addTop(root, name);
        }
    }

    private static CommandLine addTop(CommandLine root, String name) {
        Object command = MusterCommand.newSubcommand(name);
        if (command == null) throw new IllegalStateException("no subcommand " + name);
        root.addSubcommand(name, command);
        return root.getSubcommands().get(name);
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
