package io.muster.cli;

import io.muster.client.AclToken;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "acl", description = "API access control.", addMethodSubcommands = false) // subcommands: see Subcommands
final class AclCommand {
    @Spec
    CommandSpec spec;

    /** The secret alone goes to stdout so {@code export MUSTER_ACL_TOKEN=$(muster acl bootstrap)} works; the rest to stderr. */
    @Command(name = "bootstrap", description = "Create the management token, once per cluster. It is shown only this once.")
    int bootstrap() {
        Cli cli = Cli.of(spec);
        AclToken t = cli.client().aclBootstrap();
        if (cli.json()) return cli.printJson(t.json());
        cli.out.println(t.secretId());
        cli.out.flush();
        cli.err.println("Management token created (accessor " + t.accessorId() + "). It is shown only once: store it, then "
                + "export MUSTER_ACL_TOKEN=<the token above>.");
        cli.err.flush();
        return 0;
    }
}
