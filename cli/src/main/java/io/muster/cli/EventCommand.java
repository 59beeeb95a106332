package io.muster.cli;

import io.muster.client.ClusterEvent;
import io.muster.client.EventStream;
import io.muster.client.MusterClient;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code muster event stream}: the cluster's state changes as they are applied ({@code GET /v1/events}). */
@Command(name = "event", description = "The cluster's event stream: every state change, in Raft index order.")
final class EventCommand {
    @Spec
    CommandSpec spec;

    @Command(name = "stream", description = {"Print state changes as they happen, one line each, until interrupted; with --index, first "
            + "every change after that index the server still keeps (a 'gap' line says when it no longer has them all). "
            + "-o json prints the server's lines as they are (NDJSON).",
            "  muster event stream --topic Job,Allocation --job web",
            "  muster event stream --index 0 -o json > events.ndjson"})
    int stream(@Option(names = "--index", paramLabel = "N", description = "Start after Raft index N (default: now).") Long index,
               @Option(names = "--topic", paramLabel = "T", split = ",", description = "Only these topics: Job, Node, Allocation, Deployment, "
                       + "Operation (default: every topic the token may read).") List<String> topics,
               @Option(names = "--job", paramLabel = "ID", description = "Only events of this job (and its allocations).") String job,
               @Option(names = "--node", paramLabel = "ID", description = "Only events of this node (and allocations on it).") String node,
               @Option(names = "--heartbeats", description = "Also print the keep-alive lines (they carry the index reached).") boolean heartbeats) {
        Cli cli = Cli.of(spec);
        if (index != null && index < 0) throw cli.usage("--index: must be 0 or more");
        if (node != null && !node.matches("[0-9]{1,18}")) throw cli.usage("--node: a node id is a number, got '" + node + "'");
        MusterClient client = cli.client();
        try (EventStream es = client.events(EventStream.query(index, topics, job, node))) {
            for (ClusterEvent e; (e = es.next()) != null; ) {
                if (!e.isChange() && ClusterEvent.HEARTBEAT.equals(e.type()) && !heartbeats) continue;
                cli.out.println(cli.json() ? e.json().toString() : line(e));
                if (!es.hasBuffered()) cli.out.flush();
                if (ClusterEvent.LAGGED.equals(e.type()))
                    throw new CliFailure("the stream ended: this reader fell behind; resume with --index " + e.index());
            }
        }
        cli.out.flush();
        return 0;
    }

    /** {@code INDEX  TOPIC  TYPE  KEY  field=value ...}, or the control line's meaning. */
    static String line(ClusterEvent e) {
        if (!e.isChange()) {
            return switch (e.type()) {
                case ClusterEvent.GAP -> String.format("%-8d gap: events up to index %d are no longer kept here (%s); the stream goes on after it "
                        + "(resync what you track from a fresh read)", e.index(), e.index(), e.reason());
                case ClusterEvent.LAGGED -> String.format("%-8d lagged: %s", e.index(), e.reason());
                default -> String.format("%-8d %s", e.index(), e.type());
            };
        }
        List<String> fields = new ArrayList<>();
        if (e.payload() != null) {
            for (Iterator<Map.Entry<String, com.fasterxml.jackson.databind.JsonNode>> it = e.payload().fields(); it.hasNext(); ) {
                var f = it.next();
                if (f.getKey().equals("job_id") || f.getKey().equals("node_id")) continue; // in the key columns already
                fields.add(f.getKey() + "=" + (f.getValue().isTextual() ? f.getValue().asText() : f.getValue().toString()));
            }
        }
        String where = (e.jobId() != null && !e.jobId().equals(e.key()) ? " job=" + e.jobId() : "")
                + (e.nodeId() != null && !Long.toString(e.nodeId()).equals(e.key()) ? " node=" + e.nodeId() : "");
        return String.format("%-8d %-10s %-22s %s%s  %s", e.index(), e.topic(), e.type(), e.key(), where, String.join(" ", fields)).stripTrailing();
    }
}
