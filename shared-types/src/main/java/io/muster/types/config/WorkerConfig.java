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
 * @param resourceLimits whether and where exec tasks get their cgroups ({@code resource_limits:})
 * @param discovery whether the worker finds its servers from LAN announcements ({@code cluster.discover: true},
 *     {@code --discover}) and on which group; when enabled, {@code servers} may be empty
 */
public record WorkerConfig(Path dataDir, List<HostPort> servers, String token, Path tokenFile, Path identityDir,
                           Map<String, String> labels, List<String> backends, HostPort metricsAddr, ResourceLimits resourceLimits,
                           io.muster.types.discovery.DiscoverySettings discovery) {

    /**
     * {@code resource_limits: {enabled, cgroup_parent}}: whether exec tasks get a cgroup with their limits where the
     * machine allows it (default true), and the name of the cgroup that holds the tasks' cgroups (default
     * {@code muster}: {@code /sys/fs/cgroup/muster} on cgroup v2).
     */
    public record ResourceLimits(boolean enabled, String cgroupParent) {
        /** A cgroup's name: it becomes a directory under every hierarchy's root. */
        public static final java.util.regex.Pattern CGROUP_NAME = java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
        /** Declared after the pattern it is checked against (static initialisers run in order). */
        public static final ResourceLimits DEFAULT = new ResourceLimits(true, "muster");

        public ResourceLimits {
            if (cgroupParent == null || !CGROUP_NAME.matcher(cgroupParent).matches() || cgroupParent.contains("..")) {
                throw new IllegalArgumentException("cgroup_parent: '" + cgroupParent + "' must match " + CGROUP_NAME.pattern()
                        + " (one cgroup name, no '/' or '..')");
            }
        }
    }

    public WorkerConfig {
        servers = List.copyOf(servers);
        discovery = discovery == null ? io.muster.types.discovery.DiscoverySettings.DEFAULTS : discovery;
        labels = Map.copyOf(labels);
        backends = backends == null ? List.of() : List.copyOf(backends);
        resourceLimits = resourceLimits == null ? ResourceLimits.DEFAULT : resourceLimits;
    }

    /** Without LAN discovery. */
    public WorkerConfig(Path dataDir, List<HostPort> servers, String token, Path tokenFile, Path identityDir,
                        Map<String, String> labels, List<String> backends, HostPort metricsAddr, ResourceLimits resourceLimits) {
        this(dataDir, servers, token, tokenFile, identityDir, labels, backends, metricsAddr, resourceLimits, null);
    }

    /** With {@code discovery} replacing this configuration's (its {@code enabled} decides whether the worker listens). */
    public WorkerConfig withDiscovery(io.muster.types.discovery.DiscoverySettings d) {
        return new WorkerConfig(dataDir, servers, token, tokenFile, identityDir, labels, backends, metricsAddr, resourceLimits, d);
    }

    /** With the default resource limits. */
    public WorkerConfig(Path dataDir, List<HostPort> servers, String token, Path tokenFile, Path identityDir,
                        Map<String, String> labels, List<String> backends, HostPort metricsAddr) {
        this(dataDir, servers, token, tokenFile, identityDir, labels, backends, metricsAddr, ResourceLimits.DEFAULT);
    }

    /** Without a metrics endpoint, with the default resource limits. */
    public WorkerConfig(Path dataDir, List<HostPort> servers, String token, Path tokenFile, Path identityDir,
                        Map<String, String> labels, List<String> backends) {
        this(dataDir, servers, token, tokenFile, identityDir, labels, backends, null, ResourceLimits.DEFAULT);
    }

    /** With the metrics endpoint at {@code addr} (null: none). */
    public WorkerConfig withMetricsAddr(HostPort addr) {
        return new WorkerConfig(dataDir, servers, token, tokenFile, identityDir, labels, backends, addr, resourceLimits, discovery);
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
                + ", identityDir=" + identityDir + ", labels=" + labels + ", backends=" + backends + ", metricsAddr=" + metricsAddr
                + ", resourceLimits=" + resourceLimits + ", discovery=" + discovery + ", token=" + (token == null ? "none" : "<redacted>") + "]";
    }
}
