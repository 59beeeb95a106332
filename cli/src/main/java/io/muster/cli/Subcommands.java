package io.muster.cli;

import io.muster.cli.install.ServerInstallCommand;
import io.muster.cli.install.ServerUninstallCommand;
import io.muster.cli.install.WorkerInstallCommand;
import io.muster.cli.install.WorkerUninstallCommand;
import io.muster.loadtest.LoadTestCommand;
import java.lang.reflect.Method;
import java.util.List;
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
        register(root, only, null);
    }

    /**
     * The top-level subcommand {@code only} with, when {@code nested} names one of its subcommands, that one alone
     * ({@code node list} builds root, {@code node} and {@code list}, not node's other seven); all of them otherwise.
     */
    static void register(CommandLine root, String only, String nested) {
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
                default -> addNested(addTop(root, name), name, only == null ? null : nested);
            }
        }
    }

    /**
     * Class subcommands of the top-level commands whose {@code @Command} leaves their subcommands to this class
     * ({@code addMethodSubcommands = false}, no {@code subcommands =}), in help order: picocli lists class subcommands
     * before method ones.
     */
    static List<String> nestedClasses(String top) {
        return switch (top) {
            case "acl" -> List.of("token");
            case "node" -> List.of("tokens");
            case "job" -> List.of("run");
            case "alloc" -> List.of("status");
            case "raft" -> List.of("log");
            default -> List.of();
        };
    }

    private static Object newNested(String top, String name) {
        return switch (top + " " + name) {
            case "acl token" -> new AclTokenCommand();
            case "node tokens" -> new NodeTokensCommand();
            case "job run" -> new JobRunCommand();
            case "alloc status" -> new AllocStatusCommand();
            case "raft log" -> new RaftCommand.Log();
            default -> throw new IllegalStateException("no subcommand " + top + " " + name);
        };
    }

    /**
     * Adds the subcommands of a top-level command that declares {@code addMethodSubcommands = false}: its class
     * subcommands ({@link #nestedClasses}) and its {@code @Command} methods, only {@code nested} when it is one of them,
     * every one otherwise (help, completion, an unknown or missing name: picocli then reports as before).
     */
    private static void addNested(CommandLine top, String topName, String nested) {
        if (top.getCommand().getClass().getAnnotation(CommandLine.Command.class).addMethodSubcommands()) return;
        List<String> classes = nestedClasses(topName);
        List<Method> methods = CommandLine.getCommandMethods(top.getCommand().getClass(), null);
        boolean one = nested != null && (classes.contains(nested) || methods.stream().anyMatch(m -> nameOf(m).equals(nested)));
        for (String name : classes) {
            if (!one || name.equals(nested)) top.addSubcommand(name, newNested(topName, name));
        }
        for (Method m : methods) {
            if (!one || nameOf(m).equals(nested)) top.addSubcommand(nameOf(m), new CommandLine(m));
        }
    }

    private static String nameOf(Method m) {
        String name = m.getAnnotation(CommandLine.Command.class).name();
        return name.isEmpty() || name.equals("<main class>") ? m.getName() : name;
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
