package io.muster.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Stands in for an io.muster.cli.install command in the registration test (never on the main classpath). */
@Command(name = "install", description = "test stand-in")
public final class FakeInstallCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--root")
    String root;

    @Override
    public Integer call() {
        spec.commandLine().getOut().println("installed into " + root);
        return 0;
    }
}
