package io.muster.cli;

import java.util.regex.Pattern;

/** The log options shared by {@code job logs} and {@code alloc logs}, and the streamed printing of them. */
final class LogOptions {
    private static final Pattern DURATION = Pattern.compile("\\d{1,9}(ms|s|m|h|d)");

    private LogOptions() {}

    static void check(Cli cli, String since, Integer tail) {
        if (since != null && !DURATION.matcher(since).matches()) throw cli.usage("--since: a duration such as 30s, 5m or 2h, got '" + since + "'");
        if (tail != null && tail < 0) throw cli.usage("--tail: must be >= 0");
    }

    /** Streams {@code path} to the terminal; fails (exit 1) when no allocation could be followed. */
    static int stream(Cli cli, String path, boolean headers, String what) {
        LogPrinter p = new LogPrinter(cli.out, cli.err, headers, null);
        int[] ends = new int[1];
        boolean done = cli.client().streamLogs(path, e -> {
            if (e.end()) ends[0]++;
            p.print(e);
        });
        if (!done) throw new CliFailure("the log stream of " + what + " broke off");
        if (ends[0] > 0 && p.errors() == ends[0]) throw new CliFailure("no logs could be fetched for " + what);
        return 0;
    }
}
