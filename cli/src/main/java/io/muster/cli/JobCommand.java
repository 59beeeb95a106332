package io.muster.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.muster.client.JobList;
import io.muster.client.JobLogs;
import io.muster.client.JobStatus;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "job", description = "Submit, inspect, stop and cancel jobs.", addMethodSubcommands = false) // subcommands: see Subcommands
final class JobCommand {
    @Spec
    CommandSpec spec;

    @Command(name = "status", description = {"A job's status, allocations and placement failures; an operation's steps and results.",
            "An operation's results are a matrix of tasks by nodes, or with more than 8 nodes (or --long) one row per task and node.",
            "  muster job status web", "  muster job status job-1a2b3c4d --long"})
    int status(@Parameters(paramLabel = "ID", description = "The job id.") String id,
               @Option(names = "--long", description = "Operations: one row per task and node, with an excerpt of the output, "
                       + "whatever the number of nodes.") boolean longFormat,
               @Option(names = "--wait", description = "Follow the job as 'job run --wait' does (told by the event stream) until it "
                       + "finishes; exit 0 only if it succeeded.") boolean await,
               @Option(names = "--timeout", paramLabel = "SECS", description = "With --wait: give up (exit 1) after SECS seconds.") Long timeoutSecs) {
        Cli cli = Cli.of(spec);
        if (timeoutSecs != null && (!await || timeoutSecs < 1)) throw cli.usage("--timeout: needs --wait and at least 1 second");
        JobStatus s = cli.client().job(id);
        if (await) return JobRunCommand.followExisting(cli, s, timeoutSecs);
        if (cli.json()) return cli.printJson(s.json());
        if (s.operation() != null) OperationReport.print(cli.out, s, longFormat);
        else print(cli.out, s);
        return 0;
    }

    @Command(name = "cancel", description = {"Cancel an operation job: tasks running on nodes are stopped and no further step starts.",
            "Only operations can be cancelled, and only before they end (stop other jobs with 'muster job stop').",
            "  muster job cancel job-1a2b3c4d"})
    int cancel(@Parameters(paramLabel = "ID", description = "The operation job id.") String id) {
        Cli cli = Cli.of(spec);
        JsonNode r = cli.client().cancelJob(id);
        if (cli.json()) return cli.printJson(r);
        cli.out.println("cancelled " + (r.hasNonNull("id") ? r.get("id").asText() : id));
        cli.out.flush();
        return 0;
    }

    /** The human view of a job, shared with {@code job run}. */
    static void print(PrintWriter out, JobStatus s) {
        Table.details(out, "ID", s.id(), "Type", s.type(), "Version", s.version(), "Status", s.status(),
                "Allocations", Fmt.counts(s.countsByStatus()));
        if (!s.allocations().isEmpty()) {
            out.println();
            Table t = new Table("ALLOC ID", "NODE", "GROUP", "INDEX", "STATUS", "EXIT", "LAST EVENT", "MESSAGE");
            for (JobStatus.Allocation a : s.allocations()) t.row(a.id(), a.nodeId(), a.group(), a.index(), a.status(), a.exitCode(), lastEvent(a), a.message());
            t.print(out);
        }
        if (!s.failures().isEmpty()) {
            out.println();
            out.println("Placement failures:");
            for (JobStatus.Failure f : s.failures()) out.println("  " + failure(f));
        }
        out.flush();
    }

    /** The allocation's newest event: its type and time of day (UTC), e.g. {@code restarting 04:09:30}. */
    static String lastEvent(JobStatus.Allocation a) {
        io.muster.client.AllocEvent e = a.latestEvent();
        if (e == null) return "-";
        String t = Fmt.time(e.time());
        return e.type() + (t != null && t.length() >= 19 && t.charAt(10) == 'T' ? " " + t.substring(11, 19) : "");
    }

    static String failure(JobStatus.Failure f) {
        StringBuilder sb = new StringBuilder("group " + f.group() + ": " + f.unplaced() + " unplaced, " + f.nodesEvaluated() + " nodes evaluated");
        if (!f.filtered().isEmpty()) {
            sb.append("; filtered:");
            for (Map.Entry<String, Long> e : f.filtered().entrySet()) sb.append(" ").append(e.getKey()).append(" (").append(e.getValue()).append(")");
        }
        return sb.toString();
    }

    @Command(name = "list", description = "Jobs, a page at a time.")
    int list(@Option(names = "--offset", paramLabel = "N", description = "Skip the first N jobs.") Integer offset,
             @Option(names = "--limit", paramLabel = "N", description = "At most N jobs (server default).") Integer limit) {
        Cli cli = Cli.of(spec);
        if (offset != null && offset < 0) throw cli.usage("--offset: must be >= 0");
        if (limit != null && limit < 1) throw cli.usage("--limit: must be >= 1");
        JobList page = cli.client().jobs(offset, limit);
        if (cli.json()) return cli.printJson(page.json());
        if (page.jobs().isEmpty()) {
            cli.out.println(page.total() == 0 ? "No jobs. Run one with 'muster job run FILE' or 'muster job run -t all -- COMMAND'." : "No jobs on this page (" + page.total() + " in all).");
            return 0;
        }
        Table t = new Table("ID", "TYPE", "STATUS", "VERSION", "PENDING", "RUNNING", "COMPLETE", "FAILED", "LOST", "STOPPED", "AGE", "RUNS");
        java.time.Instant now = java.time.Instant.now();
        for (JobList.Summary j : page.jobs()) {
            t.row(j.id(), j.type(), j.status(), j.version(), j.count("pending"), j.count("running"), j.count("complete"), j.count("failed"),
                    j.count("lost"), j.count("stopped"), j.submittedAt() == null ? null : Fmt.relative(j.submittedAt(), now), j.runs());
        }
        t.print(cli.out);
        if (page.nextOffset() != null) cli.out.println("(" + page.total() + " jobs; next page: --offset " + page.nextOffset() + ")");
        cli.out.flush();
        return 0;
    }

    @Command(name = "stop", description = "Stop a job: its allocations are stopped and it is not rescheduled.")
    int stop(@Parameters(paramLabel = "ID", description = "The job id.") String id,
             @Option(names = "--purge", description = "Also remove the job and its history (allocations) now, instead of "
                     + "after the server's gc.job_after; running allocations are told to stop.") boolean purge) {
        Cli cli = Cli.of(spec);
        if (purge) {
            JsonNode r = cli.client().purgeJob(id);
            if (cli.json()) return cli.printJson(r);
            long n = r.path("allocations_removed").asLong();
            cli.out.println("Job " + id + " stopped and purged (" + n + " allocation" + (n == 1 ? "" : "s") + " removed).");
            return 0;
        }
        JsonNode r = cli.client().stopJob(id);
        if (cli.json()) return cli.printJson(r);
        cli.out.println("Job " + id + " stopped.");
        return 0;
    }

    @Command(name = "logs", description = {"Captured stdout (or stderr) of a job's allocations; every attempt of a restarted task, each after a"
            + " '--- attempt N ---' line. With -f, --task, --since or --tail, the output streams (and with -f keeps coming until the tasks end).",
            "  muster job logs web -f", "  muster job logs web --task api --stderr --since 5m", "  muster job logs web --tail 100"})
    int logs(@Parameters(paramLabel = "ID", description = "The job id.") String id,
             @Option(names = "--alloc", paramLabel = "ALLOC_ID", description = "Only this allocation.") String alloc,
             @Option(names = "--stderr", description = "Show stderr instead of stdout.") boolean stderr,
             @Option(names = "--max-bytes", paramLabel = "N", description = "At most the last N bytes per stream (server default; not with -f).") Long maxBytes,
             @Option(names = {"-f", "--follow"}, description = "Keep printing output as the tasks write it, until they end.") boolean follow,
             @Option(names = "--task", paramLabel = "T", description = "Only this task of the group.") String task,
             @Option(names = "--since", paramLabel = "DURATION", description = "Only output written in the last DURATION (30s, 5m, 2h).") String since,
             @Option(names = "--tail", paramLabel = "N", description = "Start with the last N lines (default: all, or 10 with -f).") Integer tail) {
        if (follow || task != null || since != null || tail != null) {
            Cli cli = Cli.of(spec);
            if (maxBytes != null) throw cli.usage("--max-bytes cannot be combined with -f, --task, --since or --tail (use --tail)");
            LogOptions.check(cli, since, tail);
            String q = io.muster.client.MusterClient.logQuery(follow, task, stderr ? "stderr" : null, since, tail == null ? null : tail.toString(), alloc);
            return LogOptions.stream(cli, "/v1/jobs/" + io.muster.client.MusterClient.seg(id) + "/logs" + q, alloc == null, "job " + id);
        }
        Cli cli = Cli.of(spec);
        if (maxBytes != null && maxBytes < 1) throw cli.usage("--max-bytes: must be >= 1");
        JobLogs logs = cli.client().jobLogs(id, alloc, maxBytes);
        if (cli.json()) return cli.printJson(logs.json());
        if (logs.allocations().isEmpty()) {
            cli.err.println("Job " + id + " has no allocations with logs.");
            cli.err.flush();
            return 0;
        }
        boolean headers = logs.allocations().size() > 1;
        int failed = 0;
        for (JobLogs.AllocLogs a : logs.allocations()) {
            if (headers) cli.out.println("==> alloc " + a.allocId() + " on node " + a.nodeId() + " <==");
            if (a.error() != null && !a.error().isBlank()) {
                failed++;
                cli.out.flush();
                cli.err.println("alloc " + a.allocId() + ": " + a.error());
                cli.err.flush();
                continue;
            }
            long dropped = stderr ? a.stderrDropped() : a.stdoutDropped();
            if (dropped > 0) cli.out.println("[" + dropped + " earlier bytes dropped]");
            String text = new String(stderr ? a.stderr() : a.stdout(), StandardCharsets.UTF_8);
            cli.out.print(text);
            if (headers && !text.isEmpty() && !text.endsWith("\n")) cli.out.println();
            cli.out.flush();
        }
        if (failed == logs.allocations().size()) throw new CliFailure("no logs could be fetched for job " + id);
        return 0;
    }
}
