package io.muster.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.muster.client.IssuedToken;
import io.muster.client.Node;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "node", description = "Worker nodes and their join tokens.", addMethodSubcommands = false) // subcommands: see Subcommands
final class NodeCommand {
    @Spec
    CommandSpec spec;

    @Command(name = "generate-worker-token",
            description = "Issue a join token for new workers. Prints the token alone, or the complete 'muster worker' command.")
    int generateJoinToken(
            @Option(names = "--valid-for", paramLabel = "SECS", defaultValue = "86400", description = "Lifetime in seconds (default ${DEFAULT-VALUE}).") long validFor,
            @Option(names = "--max-uses", paramLabel = "N", defaultValue = "1", description = "How many workers may join with it; 0 = unlimited (default ${DEFAULT-VALUE}).") int maxUses,
            @Option(names = "--labels", paramLabel = "k=v,...", converter = Labels.Converter.class,
                    description = "Labels the joining workers may carry (any, when absent).") Labels labels,
            @Option(names = "--description", paramLabel = "TEXT", description = "A note shown by 'node tokens list'.") String description,
            @Option(names = "--print-join-command", description = "Print the 'muster worker ...' command line that joins with this token.") boolean printJoin) {
        Cli cli = Cli.of(spec);
        if (validFor < 1) throw cli.usage("--valid-for: must be at least 1 second");
        if (maxUses < 0) throw cli.usage("--max-uses: must be >= 0 (0 = unlimited)");
        IssuedToken t = cli.client().createJoinToken(validFor, maxUses, labels == null ? Map.of() : labels.map(), description);
        if (cli.json()) return cli.printJson(t.json());
        if (printJoin) {
            if (t.joinCommand() == null || t.joinCommand().isBlank()) throw new CliFailure("the server returned no join command for token " + t.tokenId());
            cli.out.println(t.joinCommand());
        } else {
            cli.out.println(t.token());
        }
        return 0;
    }

    @Command(name = "list", description = "All worker nodes.")
    int list() {
        Cli cli = Cli.of(spec);
        List<Node> nodes = cli.client().nodes();
        if (cli.json()) {
            ArrayNode a = Cli.JSON.createArrayNode();
            nodes.forEach(n -> a.add(n.json()));
            return cli.printJson(a);
        }
        Instant now = Instant.now();
        Table t = new Table("ID", "HOSTNAME", "STATE", "ELIGIBLE", "DRAIN", "OS/ARCH", "ALLOCS", "LAST HEARTBEAT", "LABELS");
        for (Node n : nodes) {
            t.row(n.id(), n.hostname(), n.state(), Fmt.yesNo(n.eligible()), n.drain(), n.os() + "/" + n.arch(), n.allocs(),
                    Fmt.relative(n.lastHeartbeat(), now), Fmt.labels(n.labels()));
        }
        if (t.isEmpty()) cli.out.println("No worker nodes yet. Start one with the command from 'muster node generate-worker-token --print-join-command'.");
        else t.print(cli.out);
        return 0;
    }

    @Command(name = "status", description = "One node's details and allocations.")
    int status(@Parameters(paramLabel = "ID", description = "The node id.") String id) {
        Cli cli = Cli.of(spec);
        Node n = cli.client().node(id);
        if (cli.json()) return cli.printJson(n.json());
        Instant now = Instant.now();
        Table.details(cli.out, "ID", n.id(), "Hostname", n.hostname(), "State", n.state(), "Eligible", Fmt.yesNo(n.eligible()),
                "Drain", n.drain(), "OS/Arch", n.os() + "/" + n.arch(), "Drivers", String.join(",", n.drivers()),
                "CPU (MHz)", n.cpuMhz(), "Memory (MiB)", n.memoryMb(), "Labels", Fmt.labels(n.labels()),
                "Last heartbeat", n.lastHeartbeat() == null ? null : Fmt.time(n.lastHeartbeat()) + " (" + Fmt.relative(n.lastHeartbeat(), now) + ")",
                "Heartbeat TTL", n.ttlSecs() == null ? null : n.ttlSecs() + "s",
                "Drain status", n.json() == null || !n.json().hasNonNull("drain_status") ? null : n.json().get("drain_status").asText(),
                "Limits", limits(n.json()));
        cli.out.println();
        if (n.allocations() == null || n.allocations().isEmpty()) {
            cli.out.println("No allocations.");
        } else {
            Map<String, JsonNode> usage = usage(n.json());
            Table t = usage.isEmpty() ? new Table("ALLOC ID", "JOB", "GROUP", "STATUS", "EXIT")
                    : new Table("ALLOC ID", "JOB", "GROUP", "STATUS", "EXIT", "MEMORY", "CPU");
            for (Node.Allocation a : n.allocations()) {
                JsonNode u = usage.get(a.id());
                if (usage.isEmpty()) t.row(a.id(), a.jobId(), a.group(), a.status(), a.exitCode());
                else t.row(a.id(), a.jobId(), a.group(), a.status(), a.exitCode(), u == null ? "" : memory(u),
                        u == null ? "" : String.format(java.util.Locale.ROOT, "%.1fs", u.path("cpu_seconds").asDouble()));
            }
            t.print(cli.out);
            long total = n.json() == null ? n.allocations().size() : n.json().path("allocations_total").asLong(n.allocations().size());
            if (total > n.allocations().size()) cli.out.println("(newest " + n.allocations().size() + " of " + total + " allocations)");
        }
        cli.out.flush();
        return 0;
    }

    /** "enforced (cgroup v2 at ...)" or "not enforced: <why>", as the worker reported it. */
    static String limits(JsonNode node) {
        JsonNode l = node == null ? null : node.get("resource_limits");
        if (l == null || !l.isObject()) return null;
        String detail = l.path("detail").asText("");
        if (!l.path("enforced").asBoolean()) return detail.startsWith("not enforced") ? detail : "not enforced: " + detail;
        return "enforced (" + detail + ")";
    }

    /** Each allocation's usage sample, by id (only allocations on a node with cgroups have one). */
    static Map<String, JsonNode> usage(JsonNode node) {
        Map<String, JsonNode> out = new java.util.HashMap<>();
        if (node != null) node.path("allocations").forEach(a -> {
            if (a.hasNonNull("usage")) out.put(a.path("id").asText(), a.get("usage"));
        });
        return out;
    }

    /** "12 MiB / 64 MiB", with the OOM kills when there were any. */
    static String memory(JsonNode u) {
        long bytes = u.path("memory_bytes").asLong();
        // Small tasks use well under a MiB: one decimal below 10 MiB, so they do not all read "0 MiB".
        String s = bytes < 10L << 20 ? String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / 1048576.0) : (bytes >> 20) + " MiB";
        long limit = u.path("memory_limit_bytes").asLong();
        if (limit > 0) s += " / " + (limit >> 20) + " MiB";
        long oom = u.path("oom_kills").asLong();
        return oom > 0 ? s + " (" + oom + " OOM kill" + (oom == 1 ? "" : "s") + ")" : s;
    }

    @Command(name = "drain", description = "Move allocations off a node and stop placing new ones (--disable ends a drain).")
    int drain(@Parameters(paramLabel = "ID", description = "The node id.") String id,
              @Option(names = "--disable", description = "Cancel the drain.") boolean disable,
              @Option(names = "--deadline", paramLabel = "SECS", description = "Stop whatever still runs after SECS seconds.") Long deadline) {
        Cli cli = Cli.of(spec);
        if (deadline != null && deadline < 0) throw cli.usage("--deadline: must be >= 0");
        if (disable && deadline != null) throw cli.usage("--deadline applies to starting a drain, not to --disable");
        JsonNode r = cli.client().drainNode(id, !disable, deadline);
        if (cli.json()) return cli.printJson(r);
        cli.out.println(disable ? "Node " + id + ": drain cancelled."
                : "Node " + id + ": draining" + (deadline == null ? "." : ", deadline " + deadline + "s."));
        return 0;
    }

    static final class Eligibility {
        @Option(names = "--enable", required = true, description = "Allow new allocations on the node.")
        boolean enable;

        @Option(names = "--disable", required = true, description = "Place no new allocations on the node (running ones stay).")
        boolean disable;
    }

    @Command(name = "eligibility", description = "Whether the scheduler may place new allocations on a node.")
    int eligibility(@Parameters(paramLabel = "ID", description = "The node id.") String id,
                    @ArgGroup(exclusive = true, multiplicity = "1") Eligibility choice) {
        Cli cli = Cli.of(spec);
        JsonNode r = cli.client().setNodeEligibility(id, choice.enable);
        if (cli.json()) return cli.printJson(r);
        cli.out.println("Node " + id + " is now " + (choice.enable ? "eligible" : "ineligible") + " for new allocations.");
        return 0;
    }

    @Command(name = "revoke", description = "Revoke a node for good: the cluster stops accepting its certificate (state revoked).")
    int revoke(@Parameters(paramLabel = "ID", description = "The node id.") String id) {
        Cli cli = Cli.of(spec);
        JsonNode r = cli.client().revokeNode(id);
        if (cli.json()) return cli.printJson(r);
        cli.out.println("Node " + id + " revoked.");
        return 0;
    }
}
