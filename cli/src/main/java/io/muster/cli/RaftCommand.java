package io.muster.cli;

import io.muster.client.RaftLog;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "raft", description = "Inspect the replicated log.", addMethodSubcommands = false) // subcommands: see Subcommands
final class RaftCommand {

    @Command(name = "log", description = "The Raft log.")
    static final class Log {
        @Spec
        CommandSpec spec;

        @Command(name = "list", description = "List log entries: index, term, type and a summary of each command.")
        int list(@Option(names = "--start-index", paramLabel = "N", description = "First index to show (default: the oldest kept).") Long start,
                 @Option(names = "--limit", paramLabel = "N", description = "At most N entries (server default 50, max 1000).") Integer limit,
                 @Option(names = "--tail", paramLabel = "N", description = "The newest N entries (at most 1000).") Integer tail,
                 @Option(names = "--meta", description = "Also print the commit index, the last index and the oldest index kept.") boolean meta) {
            Cli cli = Cli.of(spec);
            if (start != null && start < 0) throw cli.usage("--start-index: must be >= 0");
            if (limit != null && limit < 1) throw cli.usage("--limit: must be >= 1");
            if (tail != null && (tail < 1 || tail > 1000)) throw cli.usage("--tail: must be between 1 and 1000");
            if (tail != null && (start != null || limit != null)) throw cli.usage("--tail: give --tail, or --start-index and --limit, not both");
            RaftLog log = tail != null ? cli.client().raftLogTail(tail) : cli.client().raftLog(start, limit);
            if (cli.json()) return cli.printJson(log.json());
            Table t = new Table("INDEX", "TERM", "TYPE", "SUMMARY");
            for (RaftLog.Entry e : log.entries()) t.row(e.index(), e.term(), e.type(), e.summary());
            t.print(cli.out);
            boolean more = log.nextIndex() != null && log.nextIndex() <= log.lastIndex();
            if (meta) cli.out.println("(commit index " + log.commitIndex() + ", last index " + log.lastIndex() + ", oldest kept " + log.startIndex()
                    + (more ? "; more with --start-index " + log.nextIndex() : "") + ")");
            else if (more) cli.out.println("(more with --start-index " + log.nextIndex() + ", or the newest with --tail N)");
            return 0;
        }
    }
}
