package io.muster.worker.action;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The real {@link CommandRunner}: {@link ProcessBuilder} with an argv list (no shell), the given environment only,
 * stdin from /dev/null and stdout+stderr merged into the output sink line by line. At the deadline, or when the
 * calling thread is interrupted, the program and its descendants get SIGTERM, then SIGKILL after the grace.
 *
 * <p>A {@code prefix} runs every program through another one, e.g. {@code ["docker", "exec", CONTAINER]}: the
 * command becomes {@code prefix + ["env", "-i", K=V..., argv...]}, so the environment reaches the program on the
 * other side too. Killing then kills the prefix program only (docker exec does not forward signals), which is why
 * the prefix is for tests and not a sandbox.
 */
public final class Commands implements CommandRunner {

    private final List<String> prefix;
    private final Duration killGrace;
    private final Clock clock;

    public Commands(List<String> prefix, Duration killGrace, Clock clock) {
        this.prefix = List.copyOf(prefix);
        this.killGrace = killGrace;
        this.clock = clock;
    }

    /** Programs run on this machine; 5 s between TERM and KILL. */
    public static Commands local(Clock clock) {
        return new Commands(List.of(), Duration.ofSeconds(5), clock);
    }

    /** The argv actually started for {@code command}. */
    List<String> fullArgv(Command command) {
        if (prefix.isEmpty()) {
            return command.argv();
        }
        List<String> argv = new ArrayList<>(prefix);
        argv.add("env");
        argv.add("-i");
        command.env().forEach((k, v) -> argv.add(k + "=" + v));
        argv.addAll(command.argv());
        return argv;
    }

    @Override
    public Result run(Command command) {
        List<String> argv = fullArgv(command);
        ProcessBuilder pb = new ProcessBuilder(argv)
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().clear();
        pb.environment().putAll(command.env());
        Process process;
        try {
            process = pb.start();
        } catch (IOException e) {
            return new Result(Result.NOT_STARTED, false, false, "cannot run " + argv.get(0) + ": " + e.getMessage());
        }
        Thread reader = Thread.ofVirtual().name("action-output-" + process.pid()).start(() -> pump(process, command));
        boolean timedOut = false;
        boolean interrupted = false;
        try {
            if (command.deadline() == null) {
                process.waitFor();
            } else {
                long waitMs = Math.max(0, command.deadline().toEpochMilli() - clock.millis());
                if (!process.waitFor(waitMs, TimeUnit.MILLISECONDS)) {
                    timedOut = true;
                    kill(process);
                }
            }
        } catch (InterruptedException e) {
            interrupted = true;
            kill(process);
        }
        try {
            reader.join(Duration.ofSeconds(2)); // a grandchild holding the pipe must not hold the action
        } catch (InterruptedException e) {
            interrupted = true;
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        int exit = process.isAlive() ? -1 : process.exitValue();
        return new Result(exit, timedOut, interrupted, "");
    }

    private static void pump(Process process, Command command) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                command.output().accept(line);
            }
        } catch (IOException e) {
            // The process is gone or the stream closed: nothing more to read.
        }
    }

    /** TERM to the program and its descendants, KILL to whatever is left after the grace. */
    private void kill(Process process) {
        List<ProcessHandle> all = Stream.concat(process.descendants(), Stream.of(process.toHandle())).toList();
        all.forEach(ProcessHandle::destroy);
        try {
            process.waitFor(killGrace.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        all.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
        try {
            process.waitFor(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
