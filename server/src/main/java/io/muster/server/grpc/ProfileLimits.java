package io.muster.server.grpc;

import io.muster.proto.NodeProfile;
import java.util.Map;
import java.util.Optional;

/**
 * Caps on every field of a worker's {@link NodeProfile}. A profile is written into the Raft log with the
 * registration and kept in every server's memory and snapshots, so it is checked before anything is proposed:
 * a 3.8 MB host name once grew the log by 4 MB per attempt. Lengths are in Java characters (UTF-16 units); the
 * error names the field and the limit, never the value (it is attacker-controlled and may be huge).
 */
public final class ProfileLimits {
    /** RFC 1035: a full domain name is at most 253 characters. */
    public static final int HOSTNAME = 253;
    /** As Kubernetes label names: 63. Values are freer here (256), as Nomad's meta values. */
    public static final int LABEL_KEY = 63;
    public static final int LABEL_VALUE = 256;
    public static final int LABELS = 64;
    /** os, arch, version and each driver name: short identifiers. */
    public static final int SHORT = 64;
    public static final int DRIVERS = 16;
    /** How the worker enforces resource limits, or why it cannot: one line. */
    public static final int LIMITS_DETAIL = io.muster.server.state.Records.NodeRecord.MAX_LIMITS_DETAIL;

    private ProfileLimits() {}

    /** The first field over its limit, as a message naming the field and the limit; empty if the profile is acceptable. */
    public static Optional<String> violation(NodeProfile p) {
        String v = tooLong("profile.hostname", p.getHostname(), HOSTNAME);
        if (v == null) v = tooLong("profile.os", p.getOs(), SHORT);
        if (v == null) v = tooLong("profile.arch", p.getArch(), SHORT);
        if (v == null) v = tooLong("profile.version", p.getVersion(), SHORT);
        if (v == null) v = tooLong("profile.limits_detail", p.getLimitsDetail(), LIMITS_DETAIL);
        if (v == null && p.getDriversCount() > DRIVERS)
            v = "profile.drivers: " + p.getDriversCount() + " entries, at most " + DRIVERS + " allowed";
        for (int i = 0; v == null && i < p.getDriversCount(); i++) v = tooLong("profile.drivers[" + i + "]", p.getDrivers(i), SHORT);
        if (v == null && p.getLabelsCount() > LABELS) v = "profile.labels: " + p.getLabelsCount() + " labels, at most " + LABELS + " allowed";
        if (v == null) v = labels(p.getLabelsMap());
        if (v == null && p.getCpuCores() < 0) v = "profile.cpu_cores: must not be negative";
        if (v == null && p.getCpuMhz() < 0) v = "profile.cpu_mhz: must not be negative";
        if (v == null && p.getMemoryMb() < 0) v = "profile.memory_mb: must not be negative";
        return Optional.ofNullable(v);
    }

    private static String labels(Map<String, String> labels) {
        for (var e : labels.entrySet()) {
            if (e.getKey().isEmpty()) return "profile.labels: a label key is empty";
            if (e.getKey().length() > LABEL_KEY)
                return "profile.labels: a key of " + e.getKey().length() + " characters, at most " + LABEL_KEY + " allowed";
            // The key is short enough to name by now, and keys are not secret.
            if (e.getValue().length() > LABEL_VALUE)
                return "profile.labels[" + e.getKey() + "]: " + e.getValue().length() + " characters, at most " + LABEL_VALUE + " allowed";
        }
        return null;
    }

    private static String tooLong(String field, String value, int max) {
        return value.length() > max ? field + ": " + value.length() + " characters, at most " + max + " allowed" : null;
    }
}
