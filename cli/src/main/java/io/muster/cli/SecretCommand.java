package io.muster.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.muster.types.job.SecretNames;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code muster secret put | get | list | delete}. A value never comes from an argument (it would sit in the shell
 * history and in every process listing): from a file or from standard input.
 */
@Command(name = "secret", description = "Secrets that tasks receive as env, file or stdin; stored encrypted, redacted from task output.",
        addMethodSubcommands = false) // subcommands: see Subcommands
final class SecretCommand {
    @Spec
    CommandSpec spec;

    @Command(name = "put", description = "Create or replace a secret. The value comes from --from-file F or from standard input ('-').")
    int put(@Parameters(index = "0", paramLabel = "NAME", description = "The name tasks use (secrets: [{name: NAME, ...}]).") String name,
            @Parameters(index = "1", arity = "0..1", paramLabel = "STDIN", description = "'-': read the value from standard input.") String dash,
            @Option(names = "--from-file", paramLabel = "F", description = "Read the value from this file.") Path file) {
        Cli cli = Cli.of(spec);
        if (!SecretNames.valid(name)) throw cli.usage("NAME: '" + name + "' does not match " + SecretNames.SYNTAX);
        if (dash != null && !dash.equals("-"))
            throw cli.usage("the value is never an argument: use --from-file F, or '-' and standard input");
        if ((file == null) == (dash == null)) throw cli.usage("give exactly one of --from-file F or '-' (standard input)");
        byte[] value;
        try {
            value = file != null ? Files.readAllBytes(file) : readBounded(cli.root.stdin);
        } catch (IOException e) {
            throw new CliFailure("cannot read the value: " + e.getMessage());
        }
        if (value.length == 0) throw new CliFailure("the value is empty: a secret needs at least one byte");
        if (value.length > SecretNames.MAX_VALUE_BYTES) throw new CliFailure("the value is " + value.length + " bytes: at most "
                + SecretNames.MAX_VALUE_BYTES + " are allowed");
        JsonNode r = cli.client().putSecret(name, value);
        if (cli.json()) return cli.printJson(r);
        cli.out.println("Secret " + name + " version " + r.path("version").asLong() + " (" + r.path("size").asLong() + " bytes) stored.");
        return 0;
    }

    /** One byte over the limit at most: enough to say the value is too large without reading all of it. */
    private static byte[] readBounded(InputStream in) throws IOException {
        return in.readNBytes(SecretNames.MAX_VALUE_BYTES + 1);
    }

    @Command(name = "get", description = "Print a secret's value (management tokens only).")
    int get(@Parameters(paramLabel = "NAME") String name) {
        Cli cli = Cli.of(spec);
        JsonNode r = cli.client().secret(name);
        if (cli.json()) return cli.printJson(r);
        cli.out.print(new String(Base64.getDecoder().decode(r.path("value").asText()), StandardCharsets.UTF_8)); // exactly the value
        cli.out.flush();
        return 0;
    }

    @Command(name = "list", description = "Names, versions, sizes and times of the secrets (never a value).")
    int list() {
        Cli cli = Cli.of(spec);
        JsonNode r = cli.client().secrets();
        if (cli.json()) return cli.printJson(r);
        Table t = new Table("NAME", "VERSION", "SIZE", "CREATED", "UPDATED");
        for (JsonNode x : r)
            t.row(x.path("name").asText(), x.path("version").asText(), x.path("size").asText() + " B", Fmt.time(x.path("created_at").asText(null)),
                    Fmt.time(x.path("updated_at").asText(null)));
        t.print(cli.out);
        return 0;
    }

    @Command(name = "delete", description = "Delete a secret. Running tasks keep what they received; new starts of tasks naming it fail.")
    int delete(@Parameters(paramLabel = "NAME") String name) {
        Cli cli = Cli.of(spec);
        JsonNode r = cli.client().deleteSecret(name);
        if (cli.json()) return cli.printJson(r);
        cli.out.println("Secret " + name + " deleted.");
        return 0;
    }
}
