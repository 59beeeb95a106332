package io.muster.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * Options every command accepts, before or after the subcommand name (picocli INHERIT scope). Unset values
 * fall back to the environment in {@link Cli}; the token has no default shown so help never prints it.
 */
public final class GlobalOptions {
    public enum Format { table, json }

    @Option(names = {"-a", "--addr"}, paramLabel = "URL", scope = ScopeType.INHERIT,
            description = "Muster API address (env MUSTER_ADDR; default http://127.0.0.1:3669).")
    String addr;

    @Option(names = {"-o", "--output"}, paramLabel = "table|json", scope = ScopeType.INHERIT,
            description = "Output format: table (default) or json (the API's JSON).")
    Format output;

    @Option(names = "--acl-token", paramLabel = "TOKEN", scope = ScopeType.INHERIT,
            description = "ACL token for the API (env MUSTER_ACL_TOKEN; prefer the variable, arguments show in ps).")
    String aclToken;

    @Option(names = "--ca-cert", paramLabel = "FILE", scope = ScopeType.INHERIT,
            description = "Cluster CA certificate (PEM) for an https API (env MUSTER_CACERT; <data_dir>/ca.pem on a server).")
    Path caCert;
}
