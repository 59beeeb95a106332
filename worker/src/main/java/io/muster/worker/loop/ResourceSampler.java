package io.muster.worker.loop;

import io.muster.proto.ResourceUsage;
import java.lang.management.ManagementFactory;

/** The machine's CPU and memory use, for heartbeats. */
public final class ResourceSampler {
    private final com.sun.management.OperatingSystemMXBean os;

    public ResourceSampler() {
        this.os = ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean o ? o : null;
    }

    public ResourceUsage sample(int runningAllocs) {
        ResourceUsage.Builder usage = ResourceUsage.newBuilder().setRunningAllocs(runningAllocs);
        if (os != null) {
            double load = os.getCpuLoad(); // negative when not available yet
            if (load >= 0) {
                usage.setCpuUsedPercent(load * 100.0);
            }
            usage.setMemoryUsedMb(Math.max(0, os.getTotalMemorySize() - os.getFreeMemorySize()) >> 20);
        }
        return usage.build();
    }
}
