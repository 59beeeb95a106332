package io.muster.types;

import java.util.random.RandomGenerator;

/**
 * Adaptive heartbeat TTL, Nomad-style: the leader stretches every worker's TTL as the fleet grows so
 * that the whole fleet sends at most {@code maxHeartbeatsPerSecond}, and adds a uniform stagger of up
 * to one TTL so that workers which joined together do not heartbeat in lockstep.
 */
public record HeartbeatPolicy(int minTtlSecs, int maxTtlSecs, int graceSecs, int maxHeartbeatsPerSecond,
                              int failoverTtlSecs) {

    public static final HeartbeatPolicy DEFAULTS = new HeartbeatPolicy(10, 600, 10, 50, 300);

    public HeartbeatPolicy {
        if (minTtlSecs < 1) throw new IllegalArgumentException("heartbeat_min_ttl must be >= 1 second");
        if (maxTtlSecs < minTtlSecs) throw new IllegalArgumentException("heartbeat_max_ttl must be >= heartbeat_min_ttl");
        if (graceSecs < 0) throw new IllegalArgumentException("heartbeat_grace must be >= 0");
        if (maxHeartbeatsPerSecond < 1) throw new IllegalArgumentException("max_heartbeats_per_second must be >= 1");
        if (failoverTtlSecs < 1) throw new IllegalArgumentException("failover_heartbeat_ttl must be >= 1 second");
    }

    /** {@code clamp(ceil(workers / maxHeartbeatsPerSecond), min, max)}. */
    public int baseTtlSecs(long workers) {
        long n = Math.max(0, workers);
        long raw = (n + maxHeartbeatsPerSecond - 1) / maxHeartbeatsPerSecond;
        return (int) Math.max(minTtlSecs, Math.min(maxTtlSecs, raw));
    }

    /** The TTL handed to one worker: the base TTL plus a uniform stagger in [0, base). */
    public int staggeredTtlSecs(long workers, RandomGenerator random) {
        int base = baseTtlSecs(workers);
        return base + random.nextInt(base);
    }

    /** Seconds after its last heartbeat at which the leader marks a worker down. */
    public long expirySecs(int ttlSecs) {
        return (long) ttlSecs + graceSecs;
    }
}
