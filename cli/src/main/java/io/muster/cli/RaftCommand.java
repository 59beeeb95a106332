package io.muster.cli;

import io.muster.client.RaftLog;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "raft", description = "Inspect the replicated log.", subcommands = RaftCommand.Log.class)
final class RaftCommand {

    @Command(name = "log", description = "The Raft log.")
    static final class Log {
        @Spec
        CommandSpec spec;

        @Command(name = "list", description = "List log entries: index, term, type and a summary of each command.")
        int list(@Option(names = "--start-index", paramLabel = "N", description = "First index to show (default: the oldest kept).") Long start,
                 @Option(names = "--limit", paramLabel = "N", description = "At most N entries (server default 50, max 1000).") Integer limit) {
            Cli cli = Cli.of(spec);
            if (start != null && start < 0) throw cli.usage("--start-index: must be >= 0");
            if (limit != null && limit < 1) throw cli.usage("--limit: must be >= 1");
            RaftLog log = cli.client().raftLog(start, limit);
            if (cli.json()) return cli.printJson(log.json());
            Table t = new Table("INDEX", "TERM", "TYPE", "SUMMARY");
            for (RaftLog.Entry e : log.entries()) t.row(e.index(), e.term(), e.type(), e.summary());
            t.print(cli.out);
            String more = log.nextIndex() != null && log.nextIndex() <= log.lastIndex() ? "; more with --start-index " + log.nextIndex() : "";
            cli.out.println("(commit index " + log.commitIndex() + ", last index " + log.lastIndex() + ", oldest kept " + log.startIndex() + more + ")");
            return 0;
        }
    }
}
