package io.muster.types.job;

/**
 * What one task reserves on its node ({@code resources:} key). Defaults: {@code cpu: 100, memory: 64}.
 *
 * @param cpu      CPU shares in MHz-like units, 1 – {@value JobSpecLimits#MAX_CPU}
 * @param memoryMb memory in MiB (spec key {@code memory}), 1 – {@value JobSpecLimits#MAX_MEMORY_MB}
 */
public record TaskResources(int cpu, int memoryMb) {

    public static final TaskResources DEFAULT = new TaskResources(100, 64);

    public TaskResources plus(TaskResources other) {
        return new TaskResources(Math.addExact(cpu, other.cpu), Math.addExact(memoryMb, other.memoryMb));
    }
}
