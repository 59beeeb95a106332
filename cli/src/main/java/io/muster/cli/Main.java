package io.muster.cli;

import io.muster.client.MusterApiException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/**
 * The {@code muster} binary. Exit codes: 0 success, 1 the operation failed (one line on stderr), 2 usage error
 * (picocli's message and the usage).
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
        PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
        int code = execute(System.getenv(), out, err, args);
        out.flush();
        err.flush();
        System.exit(code);
    }

    /** Runs one command line with the given environment and streams; returns the exit code. Tests call this. */
    public static int execute(Map<String, String> env, PrintWriter out, PrintWriter err, String... args) {
        return execute(env, System.in, out, err, args);
    }

    /** The same, reading standard input from {@code stdin} ({@code secret put NAME -}). */
    public static int execute(Map<String, String> env, java.io.InputStream stdin, PrintWriter out, PrintWriter err, String... args) {
        MusterCommand root = new MusterCommand(env);
        root.stdin = stdin;
        String only = subcommandNamed(args);
        CommandLine cl = commandLine(root, only, only == null ? null : nestedNamed(args));
        cl.setOut(out);
        cl.setErr(err);
        try {
            return cl.execute(args);
        } finally {
            root.closeResources();
            out.flush();
            err.flush();
        }
    }

    /** The whole command tree (help, completion). */
    static CommandLine commandLine(MusterCommand root) {
        return commandLine(root, null);
    }

    /**
     * The command tree with only the top-level subcommand {@code only}, or all of them when null. Building one
     * branch instead of the whole tree is most of a client command's start time (see docs/BENCHMARKS.md, "CLI
     * start time"): picocli reflects over every command class it is given.
     */
    static CommandLine commandLine(MusterCommand root, String only) {
        return commandLine(root, only, null);
    }

    /** The same, and under {@code only} just its subcommand {@code nested} when that is one of its names. */
    static CommandLine commandLine(MusterCommand root, String only, String nested) {
        CommandLine cl = new CommandLine(root);
        Subcommands.register(cl, only, nested);
        // Settings last: picocli applies them to the subcommands registered at the time of the call.
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setExecutionExceptionHandler(Main::onError);
        if (only != null) cl.setParameterExceptionHandler(Main::onUsageError);
        return cl;
    }

    /** Global options that take a separate value, as in {@code -a URL node list}. */
    private static final java.util.Set<String> GLOBAL_OPTIONS_WITH_VALUE = java.util.Set.of("-a", "--addr", "-o", "--output", "--acl-token", "--ca-cert");

    /**
     * The top-level subcommand this command line runs, or null when that is not certain (no subcommand, help or
     * version asked of the root, an option the root does not know, an unknown name): then the whole tree is built
     * and picocli reports exactly as before.
     */
    static String subcommandNamed(String... args) {
        return positional(args, 0);
    }

    /**
     * The word after the top-level subcommand ({@code list} in {@code node -o json list}) when only global options
     * stand between them, else null. {@link Subcommands} builds that one alone if it is a subcommand's name.
     */
    static String nestedNamed(String... args) {
        return positional(args, 1);
    }

    /** The {@code n}th word that is not a global option or its value, or null when another option comes first. */
    private static String positional(String[] args, int n) {
        int seen = 0;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.startsWith("-")) {
                if (GLOBAL_OPTIONS_WITH_VALUE.contains(a)) {
                    i++;
                } else if (!(a.startsWith("--addr=") || a.startsWith("--output=") || a.startsWith("--acl-token=") || a.startsWith("--ca-cert=")
                        || (a.length() > 2 && (a.startsWith("-a") || a.startsWith("-o")) && a.charAt(1) != '-'))) {
                    return null;
                }
                continue;
            }
            if (seen == 0 && !MusterCommand.SUBCOMMANDS.contains(a)) return null;
            if (seen++ == n) return a;
        }
        return null;
    }

    /**
     * Picocli's usage error report, except that an error on the root of a one-branch tree (a bad global option
     * before the subcommand) shows the root's usage from the whole tree, so it lists every subcommand.
     */
    private static int onUsageError(CommandLine.ParameterException ex, String[] args) {
        CommandLine where = ex.getCommandLine();
        PrintWriter err = where.getErr();
        CommandLine.Help.ColorScheme colors = where.getColorScheme();
        err.println(colors.errorText(ex.getMessage()));
        if (!CommandLine.UnmatchedArgumentException.printSuggestions(ex, err)) {
            CommandLine usageOf = where;
            if (where.getParent() == null) {
                MusterCommand root = (MusterCommand) where.getCommand();
                usageOf = commandLine(new MusterCommand(root.env));
            }
            usageOf.usage(err, colors);
        }
        err.flush();
        return where.getCommandSpec().exitCodeOnInvalidInput();
    }

    /** Any failure while running a command becomes one line on stderr and exit code 1. */
    private static int onError(Exception ex, CommandLine cl, ParseResult parsed) {
        PrintWriter err = cl.getErr();
        String message = switch (ex) {
            case MusterApiException e -> e.describe();
            case CliFailure e -> e.getMessage().strip().replaceAll("\\s*\\R\\s*", " ");
            default -> ex.getClass().getSimpleName() + (ex.getMessage() == null ? "" : ": " + ex.getMessage().strip().replaceAll("\\s*\\R\\s*", " "));
        };
        err.println("Error: " + message);
        MusterCommand root = (MusterCommand) cl.getCommandSpec().root().userObject();
        if (root.env.containsKey("MUSTER_DEBUG")) ex.printStackTrace(err);
        err.flush();
        return 1;
    }
}
