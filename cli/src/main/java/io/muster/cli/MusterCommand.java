package io.muster.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ScopeType;

/**
 * The root {@code muster} command: global options and the command tree. The subcommands are not listed in the
 * annotation: picocli would build every one of them (reflection over ~40 classes, and loading the server and worker
 * types they name) on each start. {@link Main} adds the one a command line names, or all of them for help and
 * completion; {@link #SUBCOMMANDS} is the list, in help order.
 */
@Command(name = "muster", scope = ScopeType.INHERIT, mixinStandardHelpOptions = true, versionProvider = Version.class,
        usageHelpAutoWidth = true,
        description = "Muster: a tiered control plane of Raft servers and lightweight workers.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:success", "1:the operation failed (one line on stderr)", "2:usage error"})
public final class MusterCommand {
    /** The top-level subcommands in help order ({@code loadtest} is added by {@link Subcommands}). */
    static final List<String> SUBCOMMANDS = List.of("dev", "server", "worker", "acl", "secret", "node", "job", "alloc", "event", "cluster", "raft", "system",
            "version", "completion", "loadtest");

    /**
     * A new instance of the named top-level subcommand, or null. A switch rather than a table of classes or
     * constructor references, so naming one loads only that class.
     */
    static Object newSubcommand(String name) {
        return switch (name) {
            case "dev" -> new DevCommand();
            case "server" -> new ServerCommand();
            case "worker" -> new WorkerCommand();
            case "acl" -> new AclCommand();
            case "secret" -> new SecretCommand();
            case "node" -> new NodeCommand();
            case "job" -> new JobCommand();
            case "alloc" -> new AllocCommand();
            case "event" -> new EventCommand();
            case "cluster" -> new ClusterCommand();
            case "raft" -> new RaftCommand();
            case "system" -> new SystemCommand();
            case "version" -> new VersionCommand();
            case "completion" -> new CompletionCommand();
            default -> null;
        };
    }

    @Mixin
    final GlobalOptions global = new GlobalOptions();

    final Map<String, String> env;
    /** Where {@code secret put NAME -} reads the value (tests hand their own). */
    java.io.InputStream stdin = System.in;
    private final List<AutoCloseable> resources = new ArrayList<>();

    public MusterCommand(Map<String, String> env) {
        this.env = Map.copyOf(env);
    }

    /** Closed by {@link Main} when the command returns (API clients). */
    <T extends AutoCloseable> T track(T resource) {
        resources.add(resource);
        return resource;
    }

    void closeResources() {
        for (AutoCloseable r : resources.reversed()) {
            try {
                r.close();
            } catch (Exception e) {
                // best effort at exit
            }
        }
        resources.clear();
    }
}
