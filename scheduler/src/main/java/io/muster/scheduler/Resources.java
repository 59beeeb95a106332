package io.muster.scheduler;

import io.muster.types.job.TaskGroup;
import io.muster.types.job.TaskResources;

/**
 * CPU shares (MHz-like) and memory (MiB): a node's capacity, or what an allocation reserves.
 * Arithmetic is exact (overflow throws) because a silent wrap would turn a full node into an empty one.
 */
public record Resources(int cpu, int memoryMb) {

    public static final Resources ZERO = new Resources(0, 0);

    public Resources {
        if (cpu < 0 || memoryMb < 0) {
            throw new IllegalArgumentException("resources must not be negative: cpu=" + cpu + " memoryMb=" + memoryMb);
        }
    }

    /** What one allocation of {@code group} reserves: the sum of its tasks' resources. */
    public static Resources of(TaskGroup group) {
        TaskResources r = group.resources();
        return new Resources(r.cpu(), r.memoryMb());
    }

    public Resources add(Resources other) {
        return new Resources(Math.addExact(cpu, other.cpu), Math.addExact(memoryMb, other.memoryMb));
    }

    /** {@code this - other}, floored at zero per dimension (used - released never goes negative). */
    public Resources subtract(Resources other) {
        return new Resources(Math.max(0, cpu - other.cpu), Math.max(0, memoryMb - other.memoryMb));
    }

    /** Whether {@code request} fits within {@code this} (read {@code this} as free capacity). */
    public boolean fits(Resources request) {
        return request.cpu <= cpu && request.memoryMb <= memoryMb;
    }
}
