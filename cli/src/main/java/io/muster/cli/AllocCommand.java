package io.muster.cli;

import io.muster.client.MusterClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code muster alloc ...}: one allocation. */
@Command(name = "alloc", description = "Inspect allocations (one group of a job on one node).", addMethodSubcommands = false) // subcommands: see Subcommands
final class AllocCommand {
    @Spec
    CommandSpec spec;

    @Command(name = "logs", description = {"An allocation's task output: what the worker retains (every attempt), or with -f as it is written.",
            "  muster alloc logs 3f2a9c1e-... -f", "  muster alloc logs 3f2a9c1e-... --stderr --tail 50"})
    int logs(@Parameters(paramLabel = "ALLOC", description = "The allocation id.") String alloc,
             @Option(names = {"-f", "--follow"}, description = "Keep printing output as the task writes it, until it ends.") boolean follow,
             @Option(names = "--task", paramLabel = "T", description = "Only this task of the group.") String task,
             @Option(names = "--stderr", description = "Show stderr instead of stdout.") boolean stderr,
             @Option(names = "--since", paramLabel = "DURATION", description = "Only output written in the last DURATION (30s, 5m, 2h).") String since,
             @Option(names = "--tail", paramLabel = "N", description = "Start with the last N lines (default: all, or 10 with -f).") Integer tail) {
        Cli cli = Cli.of(spec);
        LogOptions.check(cli, since, tail);
        String q = MusterClient.logQuery(follow, task, stderr ? "stderr" : null, since, tail == null ? null : tail.toString(), null);
        return LogOptions.stream(cli, "/v1/allocations/" + MusterClient.seg(alloc) + "/logs" + q, false, "allocation " + alloc);
    }
}
