package io.muster.types.job;

import java.util.Optional;

/** How an operation's target names its nodes. */
public enum TargetScope {
    /** Every node of the cluster that is ready when the job is committed. */
    ALL("all"),
    /** The nodes whose {@code group} label (a comma-separated list) holds the value. */
    GROUP("group"),
    /** One node, by id, hostname or {@code name} label. */
    NODE("node");

    private final String key;

    TargetScope(String key) {
        this.key = key;
    }

    public String key() {
        return key;
    }

    public static Optional<TargetScope> fromKey(String key) {
        for (TargetScope s : values()) if (s.key.equals(key)) return Optional.of(s);
        return Optional.empty();
    }
}
