package io.muster.cli.install;

import io.muster.pki.token.JoinTokens;
import io.muster.pki.token.TokenClaims;
import io.muster.pki.token.TokenException;
import io.muster.types.config.ConfigException;
import io.muster.types.config.ConfigLoader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code muster worker install}: turns this machine into a worker managed by systemd. Writes
 * {@code /etc/muster/worker.yaml}, copies the join token to {@code /etc/muster/worker.token} (0600), writes
 * {@code muster-worker.service} and starts it. Safe to re-run; never touches an existing worker identity.
 */
@Command(name = "install", sortOptions = false,
        description = {"Install this machine as a Muster worker: /etc/muster/worker.yaml, the join token "
                + "(/etc/muster/worker.token, mode 0600) and the systemd unit muster-worker.service, then start it when systemd runs.",
                "Re-running it is safe: identical files are left alone, and an existing worker identity is never replaced."})
public final class WorkerInstallCommand extends InstallCommandBase {
    static final String UNIT = UnitTemplates.WORKER_UNIT;
    static final String CONFIG = CONFIG_DIR + "/worker.yaml";
    static final String TOKEN = CONFIG_DIR + "/worker.token";
    private static final long MAX_TOKEN_FILE_BYTES = 8192;

    @Option(names = "--server", required = true, split = ",", paramLabel = "ADDR",
            description = "A server's worker gRPC address (host:port or https://host:port, port 3670 by default). Repeat for each server.")
    List<String> servers;

    @Option(names = "--token-file", required = true, paramLabel = "FILE",
            description = "File holding the join token (from `muster node generate-worker-token`). Copied, never printed.")
    String tokenFile;

    @Option(names = "--labels", split = ",", paramLabel = "K=V", description = "Node labels, e.g. --labels role=web,zone=eu-1.")
    List<String> labels;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Worker data directory (default: " + DEFAULT_DATA_DIR + ").")
    String dataDir;

    @Option(names = "--identity-dir", paramLabel = "DIR", description = "Where the worker keeps its certificate and key (default: DATA_DIR/worker/identity).")
    String identityDir;

    @Option(names = "--prefix", paramLabel = "DIR",
            description = "The Muster installation the unit runs (the directory holding bin/muster; default: this one).")
    String prefix;

    @Option(names = "--no-start", description = "Write the files but do not enable or start the service.")
    boolean noStart;

    Clock clock = Clock.systemUTC();

    @Override
    int execute() throws InstallException {
        // Everything is checked before the first write, so bad input leaves the machine as it was.
        FileTree tree = tree();
        List<String> serverList = Inputs.servers(servers);
        Map<String, String> labelMap = Inputs.labels(labels);
        String data = Inputs.systemPath("--data-dir", dataDir != null ? dataDir : DEFAULT_DATA_DIR);
        Inputs.requireDedicated("--data-dir", data);
        String identity = Inputs.systemPath("--identity-dir", identityDir != null ? identityDir : data + "/worker/identity");
        Inputs.requireDedicated("--identity-dir", identity);
        String home = prefix(prefix);
        boolean hasIdentity = Files.exists(tree.onHost(identity + "/cert.pem")) && Files.exists(tree.onHost(identity + "/key.pem"));
        String token = readToken(Path.of(tokenFile), labelMap, hasIdentity);

        String yaml = workerYaml(data, serverList, identity, labelMap);
        try {
            ConfigLoader.loadWorker(yaml, CONFIG); // the generator's own guard: never install a file the worker would refuse
        } catch (ConfigException e) {
            throw new IllegalStateException("generated worker config does not load: " + e.getMessage(), e);
        }
        List<String> stateDirs = new ArrayList<>(List.of(data));
        if (!Inputs.within(identity, data)) stateDirs.add(identity);
        String unit = UnitTemplates.render(UNIT, Map.of("MUSTER_HOME", home, "STATE_DIRS", String.join(" ", stateDirs)));

        tree.ensureDir(CONFIG_DIR, FileTree.MODE_0755, false);
        tree.writeFile(CONFIG, yaml.getBytes(StandardCharsets.UTF_8), FileTree.MODE_0644);
        tree.writeFile(TOKEN, (token + "\n").getBytes(StandardCharsets.US_ASCII), FileTree.MODE_0600);
        tree.writeFile(UNIT_DIR + "/" + UNIT, unit.getBytes(StandardCharsets.UTF_8), FileTree.MODE_0644);
        tree.ensureDir(data, FileTree.MODE_0700, true);
        if (hasIdentity) tree.note(FileTree.Outcome.KEPT, identity, "existing worker identity");

        out().println("muster worker install:");
        tree.report(out());
        noteMissingPrefix(tree, home);
        activate(tree, UNIT, noStart, home + "/bin/muster worker --config " + CONFIG);
        return 0;
    }

    /**
     * Reads and checks the token without ever echoing it. An expired token, or one that does not allow the requested
     * labels, is refused only when the worker still has to register with it (no identity yet).
     */
    private String readToken(Path file, Map<String, String> labelMap, boolean hasIdentity) throws InstallException {
        String token;
        try {
            if (!Files.exists(file)) throw new InstallException("--token-file " + file + " does not exist");
            if (!Files.isRegularFile(file)) throw new InstallException("--token-file " + file + " is not a regular file");
            if (Files.size(file) > MAX_TOKEN_FILE_BYTES) {
                throw new InstallException("--token-file " + file + " is " + Files.size(file) + " bytes; a join token is one short line");
            }
            token = Files.readString(file, StandardCharsets.US_ASCII).strip();
        } catch (IOException e) {
            throw new InstallException("--token-file " + file + " cannot be read: " + e.getMessage(), e);
        }
        if (token.isEmpty()) throw new InstallException("--token-file " + file + " is empty");
        if (token.lines().count() > 1) throw new InstallException("--token-file " + file + " must hold the token alone on one line");
        TokenClaims claims;
        try {
            claims = JoinTokens.decode(token);
        } catch (TokenException | RuntimeException e) {
            throw new InstallException("--token-file " + file + " does not hold a Muster join token: " + e.getMessage());
        }
        if (!hasIdentity) {
            if (!clock.instant().isBefore(claims.expiresAt())) {
                throw new InstallException("the join token in " + file + " (id " + claims.tokenId() + ") expired at " + claims.expiresAt()
                        + "; create a new one with `muster node generate-worker-token`");
            }
            Optional<String> refused = claims.disallowedLabel(labelMap);
            if (refused.isPresent()) {
                throw new InstallException("the join token in " + file + " (id " + claims.tokenId() + ") does not allow the label "
                        + refused.get() + "; it allows only " + claims.allowedLabels());
            }
        }
        return token;
    }

    static String workerYaml(String data, List<String> servers, String identity, Map<String, String> labels) {
        StringBuilder y = new StringBuilder();
        y.append("# Muster worker configuration, written by `muster worker install` (re-running it rewrites this file).\n");
        y.append("# identity_dir is filled by the worker when it first registers; the installer never touches it.\n");
        y.append("data_dir: ").append(Inputs.quote(data)).append('\n');
        y.append("cluster:\n");
        y.append("  mode: worker-tier\n");
        y.append("  role: worker\n");
        y.append("  servers:\n");
        for (String s : servers) y.append("    - ").append(Inputs.quote(s)).append('\n');
        y.append("  token_file: ").append(Inputs.quote(TOKEN)).append('\n');
        y.append("  identity_dir: ").append(Inputs.quote(identity)).append('\n');
        if (labels.isEmpty()) {
            y.append("  labels: {}\n");
        } else {
            y.append("  labels:\n");
            labels.forEach((k, v) -> y.append("    ").append(Inputs.quote(k)).append(": ").append(Inputs.quote(v)).append('\n'));
        }
        return y.toString();
    }
}
