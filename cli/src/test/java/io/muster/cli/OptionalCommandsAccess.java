package io.muster.cli;

import java.util.List;
import picocli.CommandLine;

/** Test access to {@link OptionalCommands}' registration step with arbitrary class names. */
final class OptionalCommandsAccess {
    private OptionalCommandsAccess() {}

    static boolean add(CommandLine parent, String name, String className, List<String> problems) {
        return OptionalCommands.add(parent, name, className, problems);
    }
}
