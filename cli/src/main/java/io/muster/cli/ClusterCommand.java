package io.muster.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.muster.client.ClusterStatus;
import io.muster.types.config.HostPort;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

@Command(name = "cluster", description = "The Raft servers: status, leadership and membership.", addMethodSubcommands = false) // subcommands: see Subcommands
final class ClusterCommand {
    @Spec
    CommandSpec spec;

    @Command(name = "status", description = "Leader, term, indexes and the health of every server.")
    int status(@Option(names = "--stale", description = "Answer from the server addressed, without asking the leader.") boolean stale) {
        Cli cli = Cli.of(spec);
        ClusterStatus s = cli.client().clusterStatus(stale);
        if (cli.json()) return cli.printJson(s.json());
        String leader = s.leaderId() == null ? "none (election running or no quorum)" : s.leaderId().toString();
        java.util.List<ClusterStatus.Alarm> alarms = s.alarms(); // null from servers older than the divergence check
        java.util.List<Object> details = new java.util.ArrayList<>(java.util.List.of("Cluster ID", s.clusterId(), "Leader", leader,
                "Term", s.term(), "Commit index", s.commitIndex(), "Applied index", s.appliedIndex(), "Last index", s.lastIndex()));
        if (alarms != null) {
            details.add("Alarms");
            details.add(alarms.isEmpty() ? "none" : alarms.size() + " (see below)");
        }
        Table.details(cli.out, details.toArray());
        cli.out.println();
        Table t = new Table("ID", "ROLE", "HEALTHY", "RAFT ADDR", "API ADDR");
        for (ClusterStatus.Member m : s.members()) t.row(m.id(), m.role(), Fmt.yesNo(m.healthy()), m.raftAddr(), m.apiAddr());
        t.print(cli.out);
        if (alarms != null && !alarms.isEmpty()) {
            cli.out.println();
            Table a = new Table("ALARM", "INDEX", "SERVERS", "SUSPECT", "DIGESTS");
            for (ClusterStatus.Alarm al : alarms) {
                java.util.List<String> digests = new java.util.ArrayList<>();
                al.digests().forEach((server, digest) -> digests.add(server + "=" + shortDigest(digest)));
                a.row(al.type(), al.index(), String.join(",", al.servers().stream().map(String::valueOf).toList()), al.suspect() == null ? "unknown" : al.suspect(),
                        String.join(" ", digests));
            }
            a.print(cli.out);
            cli.out.println();
            cli.out.println("The servers' replicated states differ: see docs/RELIABILITY.md, \"State divergence\", before anything else.");
            cli.out.flush();
        }
        return 0;
    }

    private static String shortDigest(String hex) {
        return hex.length() > 12 ? hex.substring(0, 12) : hex;
    }

    @Command(name = "transfer-leader", description = "Hand leadership to another server (any suitable one without --to).")
    int transferLeader(@Option(names = "--to", paramLabel = "ID", description = "The server id to lead.") Integer to) {
        Cli cli = Cli.of(spec);
        int leader = cli.client().transferLeader(to);
        if (cli.json()) return cli.printJson(Cli.JSON.createObjectNode().put("leader_id", leader));
        cli.out.println("Server " + leader + " is now the leader.");
        return 0;
    }

    @Command(name = "add-server", description = "Add a server to the Raft group (start it with 'muster server --join' first).")
    int addServer(@Option(names = "--id", required = true, paramLabel = "N", description = "The new server's id.") int id,
                  @Option(names = "--raft-addr", required = true, paramLabel = "HOST:PORT", converter = Addr.class,
                          description = "Its Raft address.") HostPort raft,
                  @Option(names = "--api-addr", required = true, paramLabel = "HOST:PORT", converter = Addr.class,
                          description = "Its API address.") HostPort api) {
        Cli cli = Cli.of(spec);
        if (id < 1) throw cli.usage("--id: must be a positive server id");
        JsonNode r = cli.client().addServer(id, raft.toString(), api.toString());
        if (cli.json()) return cli.printJson(r);
        cli.out.println("Server " + id + " added (raft " + raft + ", api " + api + ").");
        return 0;
    }

    @Command(name = "remove-server", description = "Remove a server from the Raft group.")
    int removeServer(@Parameters(paramLabel = "ID", description = "The server id.") int id) {
        Cli cli = Cli.of(spec);
        JsonNode r = cli.client().removeServer(id);
        if (cli.json()) return cli.printJson(r);
        cli.out.println("Server " + id + " removed.");
        return 0;
    }

    /** host:port, checked before anything is sent. */
    static final class Addr implements ITypeConverter<HostPort> {
        @Override
        public HostPort convert(String value) {
            try {
                return HostPort.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }
}
