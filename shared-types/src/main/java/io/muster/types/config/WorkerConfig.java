package io.muster.types.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** A worker daemon's resolved configuration. */
public record WorkerConfig(Path dataDir, List<HostPort> servers, String token, Path tokenFile, Path identityDir,
                           Map<String, String> labels) {

    public WorkerConfig {
        servers = List.copyOf(servers);
        labels = Map.copyOf(labels);
    }

    /** The token is a bearer secret: never print it. */
    @Override
    public String toString() {
        return "WorkerConfig[dataDir=" + dataDir + ", servers=" + servers + ", tokenFile=" + tokenFile
                + ", identityDir=" + identityDir + ", labels=" + labels + ", token=" + (token == null ? "none" : "<redacted>") + "]";
    }
}
