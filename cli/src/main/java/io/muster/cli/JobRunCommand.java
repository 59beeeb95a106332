package io.muster.cli;

import io.muster.client.JobStatus;
import io.muster.client.MusterClient;
import io.muster.client.SpecFormat;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.MalformedInputException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "run", description = {
        "Submit a job spec (YAML or JSON), run one command on workers, or run one backend action on workers (an operation):",
        "  muster job run web.yaml --wait",
        "  muster job run -t all --wait -- uname -a",
        "  muster job run -t group:web --wait apt install package=nginx",
        "With --wait, exit 0 when every allocation succeeded (completed, or running for services), 1 otherwise.",
        "An operation's --wait prints each task's progress on each node and exits 0 only when the operation completed."})
final class JobRunCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-t", "--target"}, paramLabel = "all|group:NAME|node:ID",
            description = "Run COMMAND (after --) once, or the action BACKEND ACTION [key=value...] as an operation, on these workers instead of a spec FILE.")
    String target;

    @Option(names = "--wait", description = "Follow the job until it finishes (batch), all allocations run (service) or the operation ends.")
    boolean await;

    @Option(names = "--timeout", paramLabel = "SECS", description = "With --wait: give up (exit 1) after SECS seconds.")
    Long timeoutSecs;

    /** How often --wait polls; hidden because only tests need anything but the default. */
    @Option(names = "--poll-interval-ms", hidden = true, defaultValue = "1000")
    long pollMs;

    @Parameters(paramLabel = "FILE | COMMAND | BACKEND ACTION [key=value...]", arity = "0..*",
            description = "The job spec file; or with -t the command and its arguments (after --), or a backend, its action and the action's parameters (without --).")
    List<String> args = new ArrayList<>();

    /** Set when the job is a one-shot command ({@code -t ... -- CMD}): its output streams under --wait. */
    private boolean oneshot;
    /** What the first progress line says happened to the job: "submitted" by run, "followed" by job status --wait. */
    private String started = "submitted";

    /**
     * {@code job status ID --wait}: follows a job that already exists, as {@code job run --wait} follows the one it
     * submitted (told by the event stream), with the same output and exit code.
     */
    static int followExisting(Cli cli, JobStatus s, Long timeoutSecs) {
        JobRunCommand f = new JobRunCommand();
        f.timeoutSecs = timeoutSecs;
        f.pollMs = 1000;
        f.started = "followed";
        MusterClient client = cli.client();
        return s.operationJob() ? f.followOperation(cli, client, s) : f.follow(cli, client, s);
    }

    @Override
    public Integer call() {
        Cli cli = Cli.of(spec);
        if (timeoutSecs != null && !await) throw cli.usage("--timeout needs --wait");
        if (timeoutSecs != null && timeoutSecs < 1) throw cli.usage("--timeout: must be at least 1 second");
        if (pollMs < 10) throw cli.usage("--poll-interval-ms: must be at least 10");
        MusterClient client = cli.client();
        JobStatus submitted;
        if (target != null) {
            checkTarget(cli, target);
            if (spec.commandLine().getParseResult().originalArgs().contains("--")) {
                if (args.isEmpty()) throw cli.usage("a command is required with -t, after --: muster job run -t " + target + " -- COMMAND [ARGS...]");
                submitted = client.runOneshot(target, args);
                oneshot = true;
            } else {
                submitted = client.submitJob(OperationShorthand.spec(cli, target, args).toString(), SpecFormat.JSON);
            }
        } else {
            if (args.isEmpty()) throw cli.usage("a job spec FILE is required (or -t TARGET -- COMMAND to run a command)");
            if (args.size() > 1) throw cli.usage("expected one job spec FILE, got " + args.size() + " arguments; to run a command use -t TARGET -- COMMAND");
            Path file = Path.of(args.getFirst());
            String text = read(file);
            submitted = client.submitJob(text, SpecFormat.of(file, text));
        }
        if (!await) {
            if (cli.json()) return cli.printJson(submitted.json());
            cli.out.println("Job " + submitted.id() + " submitted (version " + submitted.version() + ", status " + submitted.status() + ").");
            cli.out.println("Follow it with: muster job status " + submitted.id());
            cli.out.flush();
            return 0;
        }
        return submitted.operationJob() ? followOperation(cli, client, submitted) : follow(cli, client, submitted);
    }

    /** An operation: a line per task and node as each changes, then the operation's outcome; 0 only when it completed. */
    private int followOperation(Cli cli, MusterClient client, JobStatus submitted) {
        PrintWriter progress = cli.json() ? cli.err : cli.out;
        progress.println("Operation " + submitted.id() + " " + started + " (version " + submitted.version() + "); waiting...");
        progress.flush();
        OperationProgress lines = new OperationProgress(progress);
        JobStatus last = client.awaitJob(submitted.id(), timeoutSecs == null ? null : Duration.ofSeconds(timeoutSecs),
                Duration.ofMillis(pollMs), lines::update);
        if (cli.json()) cli.printJson(last.json());
        if (!last.isTerminal()) {
            String where = last.operation() == null ? "status " + last.status() : "status " + last.operation().status() + ", step " + last.operation().step();
            throw new CliFailure("timed out after " + timeoutSecs + "s waiting for operation " + last.id() + " (" + where + ")");
        }
        String outcome = OperationReport.outcome(last);
        progress.println(outcome);
        progress.flush();
        if (!last.succeeded()) throw new CliFailure(outcome);
        return 0;
    }

    private int follow(Cli cli, MusterClient client, JobStatus submitted) {
        // Progress goes to stdout for people, to stderr with -o json so stdout stays one JSON document.
        PrintWriter progress = cli.json() ? cli.err : cli.out;
        progress.println("Job " + submitted.id() + " " + started + " (version " + submitted.version() + "); waiting...");
        progress.flush();
        long started = System.nanoTime();
        AllocEventLines events = new AllocEventLines(progress);
        String[] lastLine = {""};
        // A one-shot command's output streams as it comes (on several nodes, each line after its node's name).
        LiveOutput live = oneshot && !cli.json() ? new LiveOutput(client, cli, !target.startsWith("node:")) : null;
        if (live != null) live.seen(submitted);
        JobStatus last = client.awaitJob(submitted.id(), timeoutSecs == null ? null : Duration.ofSeconds(timeoutSecs),
                Duration.ofMillis(pollMs), s -> {
                    if (live != null) live.seen(s);
                    long secs = Duration.ofNanos(System.nanoTime() - started).toSeconds();
                    events.print(s, secs);
                    String line = String.format("%-8s  %s", s.status(), Fmt.counts(s.countsByStatus()));
                    if (!line.equals(lastLine[0])) progress.println(String.format("  %4ds  %s", secs, line)); // not again for an event
                    lastLine[0] = line;
                    for (JobStatus.Failure f : s.failures()) if (f.unplaced() > 0) progress.println("         " + JobCommand.failure(f));
                    progress.flush();
                });
        if (live != null) {
            live.seen(last);
            live.finish(Duration.ofSeconds(10));
        }
        if (cli.json()) cli.printJson(last.json());
        else {
            cli.out.println();
            JobCommand.print(cli.out, last);
        }
        if (!last.isTerminal())
            throw new CliFailure("timed out after " + timeoutSecs + "s waiting for job " + last.id() + " (status " + last.status() + ": "
                    + Fmt.counts(last.countsByStatus()) + ")");
        if (!last.succeeded()) throw new CliFailure(whyFailed(last));
        return 0;
    }

    static String whyFailed(JobStatus s) {
        if (s.hasPlacementFailures()) {
            long unplaced = s.failures().stream().mapToLong(JobStatus.Failure::unplaced).sum();
            return "job " + s.id() + ": " + unplaced + " allocation(s) could not be placed (" + s.failures().stream()
                    .filter(f -> f.unplaced() > 0).map(JobCommand::failure).collect(Collectors.joining("; ")) + ")";
        }
        if (s.allocations().isEmpty())
            return "job " + s.id() + " is " + s.status() + " with no allocations (did the target or constraints match no worker?)";
        String want = s.longRunning() ? "running" : "complete";
        List<JobStatus.Allocation> latest = s.latestPerSlot();
        List<JobStatus.Allocation> bad = latest.stream().filter(a -> !want.equals(a.status())).toList();
        if (bad.isEmpty()) {
            // Nothing wanted any more (a job deadline stopped it): the newest event says why.
            io.muster.client.AllocEvent why = s.allocations().isEmpty() ? null : s.allocations().getLast().latestEvent();
            return "job " + s.id() + " is " + s.status() + (why != null ? " (" + why.message() + ")" : "");
        }
        JobStatus.Allocation first = bad.getFirst();
        String detail = "alloc " + first.id() + " " + first.status() + (first.exitCode() != null ? " with exit code " + first.exitCode() : "")
                + (first.message() != null && !first.message().isBlank() ? ": " + first.message() : "");
        return "job " + s.id() + " " + s.status() + ": " + bad.size() + " of " + latest.size() + " allocation(s) did not succeed (" + detail + ")";
    }

    private static void checkTarget(Cli cli, String t) {
        boolean ok = t.equals("all") || (t.startsWith("group:") && t.length() > 6) || (t.startsWith("node:") && t.length() > 5);
        if (!ok) throw cli.usage("-t: '" + t + "' is not a target; use all, group:NAME or node:ID");
    }

    private static String read(Path file) {
        try {
            if (Files.isDirectory(file)) throw new CliFailure("job spec " + file + " is a directory, not a file");
            String text = Files.readString(file);
            if (text.isBlank()) throw new CliFailure("job spec " + file + " is empty");
            return text;
        } catch (NoSuchFileException e) {
            throw new CliFailure("job spec " + file + " does not exist");
        } catch (AccessDeniedException e) {
            throw new CliFailure("job spec " + file + " cannot be read: permission denied");
        } catch (MalformedInputException e) {
            throw new CliFailure("job spec " + file + " is not UTF-8 text");
        } catch (IOException e) {
            throw new CliFailure("cannot read job spec " + file + ": " + e.getMessage());
        }
    }
}
