package io.muster.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/**
 * Subcommands written in other packages, added by class name so this module builds while they are still being
 * written: {@code worker install|uninstall} and {@code server install|uninstall} from {@code io.muster.cli.install},
 * and {@code loadtest} from the load-test module. A missing install class is skipped; a missing load test
 * leaves a {@code loadtest} command that says so.
 */
final class OptionalCommands {
    static final String WORKER_INSTALL = "io.muster.cli.install.WorkerInstallCommand";
    static final String WORKER_UNINSTALL = "io.muster.cli.install.WorkerUninstallCommand";
    static final String SERVER_INSTALL = "io.muster.cli.install.ServerInstallCommand";
    static final String SERVER_UNINSTALL = "io.muster.cli.install.ServerUninstallCommand";
    static final String LOADTEST = "io.muster.loadtest.LoadTestCommand";

    private OptionalCommands() {}

    /** Returns a note per class that exists but could not be registered (a bug worth showing). */
    static List<String> register(CommandLine root) {
        List<String> problems = new ArrayList<>();
        CommandLine worker = root.getSubcommands().get("worker");
        CommandLine server = root.getSubcommands().get("server");
        add(worker, "install", WORKER_INSTALL, problems);
        add(worker, "uninstall", WORKER_UNINSTALL, problems);
        add(server, "install", SERVER_INSTALL, problems);
        add(server, "uninstall", SERVER_UNINSTALL, problems);
        // A class that exists but fails to register is reported through problems, never hidden behind a duplicate.
        if (!add(root, "loadtest", LOADTEST, problems) && !root.getSubcommands().containsKey("loadtest"))
            root.addSubcommand("loadtest", new Unavailable());
        return problems;
    }

    static boolean add(CommandLine parent, String name, String className, List<String> problems) {
        Class<?> c;
        try {
            c = Class.forName(className);
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
        try {
            CommandLine sub = new CommandLine(CommandLine.defaultFactory().create(c));
            // A command written to run on its own may define options the CLI already provides to every
            // subcommand (--acl-token, --ca-cert): drop its copies so the inherited global ones apply.
            for (var inherited : parent.getCommandSpec().options()) {
                if (!inherited.inherited() && inherited.scopeType() != CommandLine.ScopeType.INHERIT) continue;
                for (String optionName : inherited.names()) {
                    var own = sub.getCommandSpec().findOption(optionName);
                    if (own != null) sub.getCommandSpec().remove(own);
                }
            }
            parent.addSubcommand(name, sub);
            return true;
        } catch (Exception | LinkageError e) {
            problems.add("'" + parent.getCommandName() + " " + name + "' is unavailable: " + className + ": " + e.getMessage());
            return false;
        }
    }

    @Command(name = "loadtest", description = "Load test with simulated workers (not part of this build).")
    static final class Unavailable implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Unmatched
        List<String> ignored = new ArrayList<>();

        @Override
        public Integer call() {
            PrintWriter err = spec.commandLine().getErr();
            err.println("Error: 'muster loadtest' is not part of this build (" + LOADTEST + " is missing)");
            err.flush();
            return 1;
        }
    }
}
