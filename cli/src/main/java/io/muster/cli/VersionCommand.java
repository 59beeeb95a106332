package io.muster.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "version", description = "Print the Muster version.")
final class VersionCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        Cli cli = Cli.of(spec);
        if (cli.json()) return cli.printJson(Cli.JSON.createObjectNode().put("version", Version.get()).put("java", Runtime.version().toString()));
        cli.out.println(new Version().getVersion()[0]);
        return 0;
    }
}
