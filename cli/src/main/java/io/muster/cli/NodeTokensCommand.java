package io.muster.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.muster.client.JoinTokenInfo;
import java.time.Instant;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "tokens", description = "Worker join tokens (bookkeeping only: a token's secret is never shown again).")
final class NodeTokensCommand {
    @Spec
    CommandSpec spec;

    @Command(name = "list", description = "Every join token with its uses, expiry and state.")
    int list() {
        Cli cli = Cli.of(spec);
        List<JoinTokenInfo> tokens = cli.client().joinTokens();
        if (cli.json()) {
            ArrayNode a = Cli.JSON.createArrayNode();
            tokens.forEach(t -> a.add(t.json()));
            return cli.printJson(a);
        }
        Instant now = Instant.now();
        Table t = new Table("TOKEN ID", "STATE", "USES", "EXPIRES", "CREATED", "LABELS", "DESCRIPTION");
        for (JoinTokenInfo k : tokens) {
            t.row(k.tokenId(), state(k, now), k.uses() + "/" + (k.maxUses() == 0 ? "unlimited" : k.maxUses()), Fmt.time(k.expiresAt()),
                    Fmt.time(k.createdAt()), Fmt.labels(k.labels()), k.description());
        }
        if (t.isEmpty()) cli.out.println("No join tokens. Create one with 'muster node generate-worker-token'.");
        else t.print(cli.out);
        return 0;
    }

    static String state(JoinTokenInfo k, Instant now) {
        if (k.revoked()) return "revoked";
        Instant exp = Fmt.instant(k.expiresAt());
        if (exp != null && !exp.isAfter(now)) return "expired";
        if (k.maxUses() > 0 && k.uses() >= k.maxUses()) return "used up";
        return "active";
    }

    @Command(name = "revoke", description = "Revoke a join token so no more workers can join with it.")
    int revoke(@Parameters(paramLabel = "TOKEN_ID", description = "The token id (from 'node tokens list').") String tokenId) {
        Cli cli = Cli.of(spec);
        JsonNode r = cli.client().revokeJoinToken(tokenId);
        if (cli.json()) return cli.printJson(r);
        cli.out.println("Token " + tokenId + " revoked.");
        return 0;
    }
}
