package io.muster.worker.loop;

import io.muster.proto.AllocUsage;
import io.muster.proto.ResourceUsage;
import io.muster.worker.util.Ticker;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;

/**
 * The machine's CPU and memory use for every heartbeat, and each allocation's cgroup usage at most once per
 * {@code allocInterval}: reading the task cgroups' counters is a few small file reads per task, done at that pace
 * and not per heartbeat, and a new sample rides along with the next heartbeat only (the others carry none).
 */
public final class ResourceSampler {
    /** How often the allocations' usage is sampled by default. */
    public static final Duration DEFAULT_ALLOC_INTERVAL = Duration.ofSeconds(10);

    private final com.sun.management.OperatingSystemMXBean os;
    private final Ticker ticker;
    private final long intervalNanos;
    private final Supplier<List<AllocUsage>> allocUsage;
    private long sampledAt;
    private boolean sampled;

    /** Machine figures only (no allocation usage). */
    public ResourceSampler() {
        this(Ticker.SYSTEM, DEFAULT_ALLOC_INTERVAL, List::of);
    }

    /**
     * @param allocUsage reads every running allocation's usage (called at most once per {@code allocInterval})
     */
    public ResourceSampler(Ticker ticker, Duration allocInterval, Supplier<List<AllocUsage>> allocUsage) {
        this.os = ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean o ? o : null;
        this.ticker = ticker;
        this.intervalNanos = allocInterval.toNanos();
        this.allocUsage = allocUsage;
    }

    /** Called by the heartbeat thread only. */
    public ResourceUsage sample(int runningAllocs) {
        ResourceUsage.Builder usage = ResourceUsage.newBuilder().setRunningAllocs(runningAllocs);
        if (os != null) {
            double load = os.getCpuLoad(); // negative when not available yet
            if (load >= 0) {
                usage.setCpuUsedPercent(load * 100.0);
            }
            usage.setMemoryUsedMb(Math.max(0, os.getTotalMemorySize() - os.getFreeMemorySize()) >> 20);
        }
        long now = ticker.nanoTime();
        if (!sampled || now - sampledAt >= intervalNanos) {
            sampled = true;
            sampledAt = now;
            usage.addAllAllocs(allocUsage.get());
        }
        return usage.build();
    }
}
