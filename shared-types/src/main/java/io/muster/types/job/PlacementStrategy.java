package io.muster.types.job;

import java.util.Optional;

/** How the scheduler ranks feasible nodes for a group ({@code placement:} key). */
public enum PlacementStrategy {
    /** Bin-pack: prefer the fullest node that still fits, leaving whole nodes free for large work. */
    PACK("pack"),
    /** Prefer nodes running the fewest allocations of the same job group, bin-packing only to break ties. */
    SPREAD("spread");

    private final String key;

    PlacementStrategy(String key) {
        this.key = key;
    }

    public String key() {
        return key;
    }

    public static Optional<PlacementStrategy> fromKey(String key) {
        for (PlacementStrategy p : values()) {
            if (p.key.equals(key)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }
}
