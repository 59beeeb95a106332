package io.muster.worker.action;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What an action runs with.
 *
 * @param allocId the allocation the action belongs to ({@code MUSTER_ALLOC_ID}): one attempt of an operation task
 * @param deadline when the action must be over; null for none
 * @param clock wall clock, for the deadline
 * @param output where the action prints its lines (the task's stdout, shown by {@code muster job logs})
 * @param commands runs external programs
 * @param sleeper waits (the sleep actions); tests pass one that records instead of waiting
 */
public record ActionContext(String allocId, Instant deadline, Clock clock, Output output, CommandRunner commands,
                            Sleeper sleeper) {

    /** The minimal environment of every program an action runs; backends add to it. */
    public static final Map<String, String> BASE_ENV = Map.of(
            "PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "LANG", "C.UTF-8");

    /** The task's output streams. */
    public interface Output {
        void stdout(String line);

        void stderr(String line);
    }

    @FunctionalInterface
    public interface Sleeper {
        void sleep(Duration d) throws InterruptedException;

        Sleeper REAL = d -> Thread.sleep(d);
    }

    public ActionContext {
        allocId = allocId == null ? "" : allocId;
    }

    /** Prints one line to the task's stdout. */
    public void print(String line) {
        output.stdout(line);
    }

    /** Time left before the deadline (never negative); empty without a deadline. */
    public Optional<Duration> remaining() {
        if (deadline == null) {
            return Optional.empty();
        }
        Duration left = Duration.between(clock.instant(), deadline);
        return Optional.of(left.isNegative() ? Duration.ZERO : left);
    }

    /**
     * Runs a program with {@link #BASE_ENV} plus {@code env}, killed at the deadline or when the action is stopped;
     * its output goes to the task's stdout.
     */
    public CommandRunner.Result run(List<String> argv, Map<String, String> env) {
        Map<String, String> full = new LinkedHashMap<>(BASE_ENV);
        full.putAll(env);
        return commands.run(new CommandRunner.Command(argv, full, deadline, output::stdout));
    }

    /**
     * Waits {@code d}, or less if the deadline comes first or the thread is interrupted.
     *
     * @return whether the whole {@code d} passed
     */
    public boolean sleep(Duration d) {
        Optional<Duration> left = remaining();
        boolean cut = left.isPresent() && left.get().compareTo(d) < 0;
        try {
            sleeper.sleep(cut ? left.get() : d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        return !cut;
    }
}
