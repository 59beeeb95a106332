package io.muster.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ScopeType;

/** The root {@code muster} command: global options and the command tree. */
@Command(name = "muster", scope = ScopeType.INHERIT, mixinStandardHelpOptions = true, versionProvider = Version.class,
        usageHelpAutoWidth = true,
        description = "Muster: a tiered control plane of Raft servers and lightweight workers.",
        subcommands = {DevCommand.class, ServerCommand.class, WorkerCommand.class, AclCommand.class, NodeCommand.class,
                JobCommand.class, ClusterCommand.class, RaftCommand.class, SystemCommand.class, VersionCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:success", "1:the operation failed (one line on stderr)", "2:usage error"})
public final class MusterCommand {
    @Mixin
    final GlobalOptions global = new GlobalOptions();

    final Map<String, String> env;
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
