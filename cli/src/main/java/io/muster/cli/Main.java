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
        MusterCommand root = new MusterCommand(env);
        CommandLine cl = commandLine(root);
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

    static CommandLine commandLine(MusterCommand root) {
        CommandLine cl = new CommandLine(root);
        Subcommands.register(cl);
        // Settings last: picocli applies them to the subcommands registered at the time of the call.
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setExecutionExceptionHandler(Main::onError);
        return cl;
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
