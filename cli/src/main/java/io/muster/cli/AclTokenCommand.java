package io.muster.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.muster.client.AclTokenInfo;
import io.muster.server.acl.AclPolicy;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

@Command(name = "token", description = "Policy-scoped API tokens (management only).")
final class AclTokenCommand {
    @Spec
    CommandSpec spec;

    /** Like bootstrap: the secret alone on stdout, so {@code T=$(muster acl token create --policy read-only)} works. */
    @Command(name = "create", description = "Create a token. Its secret is printed alone on one line, and only this once.")
    int create(
            @Option(names = "--policy", required = true, paramLabel = "POLICY", converter = PolicyConverter.class, completionCandidates = Policies.class,
                    description = "What the token may do: ${COMPLETION-CANDIDATES}.") AclPolicy policy,
            @Option(names = "--description", paramLabel = "TEXT", description = "A note shown by 'acl token list'.") String description) {
        Cli cli = Cli.of(spec);
        var t = cli.client().createAclToken(policy.wireName(), description);
        if (cli.json()) return cli.printJson(t.json());
        cli.out.println(t.secretId());
        cli.out.flush();
        cli.err.println("ACL token created (accessor " + t.accessorId() + ", policy " + t.policy() + "). It is shown only once: store it.");
        cli.err.flush();
        return 0;
    }

    @Command(name = "list", description = "Every token with its policy (never the secret).")
    int list() {
        Cli cli = Cli.of(spec);
        List<AclTokenInfo> tokens = cli.client().aclTokens();
        if (cli.json()) {
            ArrayNode a = Cli.JSON.createArrayNode();
            tokens.forEach(t -> a.add(t.json()));
            return cli.printJson(a);
        }
        Table t = new Table("ACCESSOR", "POLICY", "DESCRIPTION", "CREATED");
        for (AclTokenInfo k : tokens) t.row(k.accessorId(), k.policy(), k.description(), Fmt.time(k.createdAt()));
        t.print(cli.out);
        return 0;
    }

    @Command(name = "revoke", description = "Revoke a token; every server refuses it once the revocation is applied. The last management token cannot be revoked.")
    int revoke(@Parameters(paramLabel = "ACCESSOR_ID", description = "The accessor id (from 'acl token list').") String accessorId) {
        Cli cli = Cli.of(spec);
        JsonNode r = cli.client().revokeAclToken(accessorId);
        if (cli.json()) return cli.printJson(r);
        cli.out.println("ACL token " + accessorId + " revoked.");
        return 0;
    }

    static final class PolicyConverter implements ITypeConverter<AclPolicy> {
        @Override
        public AclPolicy convert(String value) {
            return AclPolicy.parse(value).orElseThrow(() -> new TypeConversionException("'" + value + "' is not one of " + AclPolicy.names()));
        }
    }

    static final class Policies implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return Arrays.stream(AclPolicy.values()).map(AclPolicy::wireName).iterator();
        }
    }
}
