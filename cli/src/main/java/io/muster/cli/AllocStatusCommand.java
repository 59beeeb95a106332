package io.muster.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.muster.client.AllocEvent;
import io.muster.client.JobStatus;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code muster alloc status ALLOC}: an allocation and its history. */
@Command(name = "status", description = {"An allocation: where it runs, how it ended, and what happened to it (its events).",
        "The server keeps each allocation's first 2 and last 20 events and counts the ones in between.",
        "  muster alloc status 9fb34d4d-117d-4e4c-8612-2fed7aa248da"})
final class AllocStatusCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "ALLOC", description = "The allocation id.")
    String id;

    @Override
    public Integer call() {
        Cli cli = Cli.of(spec);
        JsonNode answer = cli.client().get("/v1/allocations/" + java.net.URLEncoder.encode(id, java.nio.charset.StandardCharsets.UTF_8));
        if (cli.json()) return cli.printJson(answer);
        print(cli.out, JobStatus.Allocation.of(answer));
        return 0;
    }

    static void print(PrintWriter out, JobStatus.Allocation a) {
        Table.details(out, "ID", a.id(), "Job", a.jobId() + " (version " + a.jobVersion() + ")", "Group", a.group() + "[" + a.index() + "]",
                "Node", a.nodeId(), "Status", a.status(), "Desired", a.desired(), "Reschedule", a.attempt(),
                "Exit code", a.exitCode(), "Started", a.startedAt() == null ? null : Fmt.time(a.startedAt()),
                "Finished", a.finishedAt() == null ? null : Fmt.time(a.finishedAt()), "Message", a.message());
        out.println();
        long dropped = a.eventsTotal() - a.events().size();
        if (a.events().isEmpty()) {
            out.println("No events.");
        } else {
            out.println("Events:");
            Table t = new Table("TIME", "TYPE", "MESSAGE");
            int i = 0;
            for (AllocEvent e : a.events()) {
                // The server drops from the middle: the first two are kept, then the newest.
                if (i++ == 2 && dropped > 0) t.row("...", "", dropped + " event(s) not kept");
                t.row(Fmt.time(e.time()), e.type(), e.message());
            }
            if (a.events().size() <= 2 && dropped > 0) t.row("...", "", dropped + " event(s) not kept");
            t.print(out);
        }
        out.flush();
    }
}
