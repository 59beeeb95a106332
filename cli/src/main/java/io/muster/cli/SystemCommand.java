package io.muster.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "system", description = "Cluster-wide maintenance.", addMethodSubcommands = false) // subcommands: see Subcommands
final class SystemCommand {
    @Spec
    CommandSpec spec;

    @Command(name = "gc", description = "Collect garbage now: stopped and finished jobs, terminal allocations no job needs, "
            + "down nodes with nothing left on them, expired, used-up or revoked join tokens, whatever their age "
            + "(the server's gc: thresholds are ignored). Needs a management token.")
    int gc() {
        Cli cli = Cli.of(spec);
        JsonNode r = cli.client().systemGc();
        if (cli.json()) return cli.printJson(r);
        cli.out.println("Collected " + count(r, "jobs", "job") + ", " + count(r, "allocations", "allocation") + ", "
                + count(r, "nodes", "node") + ", " + count(r, "tokens", "join token") + ".");
        return 0;
    }

    private static String count(JsonNode r, String field, String noun) {
        long n = r.path(field).asLong();
        return n + " " + noun + (n == 1 ? "" : "s");
    }
}
