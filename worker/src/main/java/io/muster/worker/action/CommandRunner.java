package io.muster.worker.action;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Runs one external program for a backend. The process boundary: {@link Commands} is the real one, tests pass a
 * fake that records {@link Command}s, so a backend's exact argv and environment can be asserted.
 */
@FunctionalInterface
public interface CommandRunner {

    /**
     * @param argv program and arguments, passed as they are (never through a shell)
     * @param env the whole environment of the program (nothing is inherited from the worker)
     * @param deadline when the program is killed; null for none
     * @param output receives each line the program prints (stdout and stderr merged)
     */
    record Command(List<String> argv, Map<String, String> env, Instant deadline, Consumer<String> output) {
        public Command {
            argv = List.copyOf(argv);
            env = Map.copyOf(env);
            Objects.requireNonNull(output, "output");
            if (argv.isEmpty()) {
                throw new IllegalArgumentException("argv must name a program");
            }
        }
    }

    /**
     * How the program ended.
     *
     * @param exitCode its exit status; {@link #NOT_STARTED} when it could not be started
     * @param timedOut killed at the deadline
     * @param interrupted killed because the calling thread was interrupted (the action is being stopped)
     * @param error why it could not be started, else empty
     */
    record Result(int exitCode, boolean timedOut, boolean interrupted, String error) {
        public static final int NOT_STARTED = 127;

        public boolean ok() {
            return exitCode == 0 && !timedOut && !interrupted;
        }

        /** "exit code 3", "killed at the deadline", ...: for messages. */
        public String describe() {
            if (!error.isEmpty()) {
                return error;
            }
            if (timedOut) {
                return "killed at the deadline";
            }
            if (interrupted) {
                return "killed: the action was stopped";
            }
            return "exit code " + exitCode;
        }
    }

    Result run(Command command);
}
