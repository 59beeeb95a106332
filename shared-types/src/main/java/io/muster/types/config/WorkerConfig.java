package io.muster.types.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A worker daemon's resolved configuration.
 *
 * @param backends the action backends that change the system to enable ({@code backends: [apt, systemd, file]});
 *     the read-only ones ({@link io.muster.types.job.ActionCatalog#readOnly()}) are always on
 * @param metricsAddr where the worker serves its Prometheus metrics ({@code metrics: {addr: ...}},
 *     {@code --metrics-addr}); null (the default): not served
 */
public record WorkerConfig(Path dataDir, List<HostPort> servers, String token, Path tokenFile, Path identityDir,
                           Map<String, String> labels, List<String> backends, HostPort metricsAddr) {

    public WorkerConfig {
        servers = List.copyOf(servers);
        labels = Map.copyOf(labels);
        backends = backends == null ? List.of() : List.copyOf(backends);
    }

    /** Without a metrics endpoint. */
    public WorkerConfig(Path dataDir, List<HostPort> servers, String token, Path tokenFile, Path identityDir,
                        Map<String, String> labels, List<String> backends) {
        this(dataDir, servers, token, tokenFile, identityDir, labels, backends, null);
    }

    /** With the metrics endpoint at {@code addr} (null: none). */
    public WorkerConfig withMetricsAddr(HostPort addr) {
        return new WorkerConfig(dataDir, servers, token, tokenFile, identityDir, labels, backends, addr);
    }

    /** With no system-changing backend enabled. */
    public WorkerConfig(Path dataDir, List<HostPort> servers, String token, Path tokenFile, Path identityDir,
                        Map<String, String> labels) {
        this(dataDir, servers, token, tokenFile, identityDir, labels, List.of());
    }

    /** The token is a bearer secret: never print it. */
    @Override
    public String toString() {
        return "WorkerConfig[dataDir=" + dataDir + ", servers=" + servers + ", tokenFile=" + tokenFile
                + ", identityDir=" + identityDir + ", labels=" + labels + ", backends=" + backends + ", metricsAddr=" + metricsAddr + ", token=" + (token == null ? "none" : "<redacted>") + "]";
    }
}
