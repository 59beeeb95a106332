package io.muster.worker;

import io.muster.proto.AllocUsage;
import io.muster.worker.driver.ExecDriver;
import io.muster.worker.driver.TaskDriver;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Each allocation's usage, summed over its exec tasks' cgroups (a task key is {@code <alloc id>[.<task>]}). */
final class AllocUsages {
    private AllocUsages() {}

    static List<AllocUsage> of(List<TaskDriver> drivers, long nowMillis) {
        Map<String, AllocUsage.Builder> byAlloc = new LinkedHashMap<>();
        for (TaskDriver d : drivers) {
            if (!(d instanceof ExecDriver exec)) continue;
            exec.usage().forEach((key, t) -> {
                int dot = key.indexOf('.');
                String allocId = dot < 0 ? key : key.substring(0, dot);
                AllocUsage.Builder b = byAlloc.computeIfAbsent(allocId, id -> AllocUsage.newBuilder().setAllocId(id).setSampledUnixMs(nowMillis));
                b.setMemoryBytes(b.getMemoryBytes() + t.usage().memoryBytes())
                        .setMemoryPeakBytes(b.getMemoryPeakBytes() + t.usage().memoryPeakBytes())
                        .setMemoryLimitBytes(b.getMemoryLimitBytes() + t.limits().memoryBytes())
                        .setCpuUsec(b.getCpuUsec() + t.usage().cpuMicros())
                        .setOomKills((int) Math.min(Integer.MAX_VALUE, b.getOomKills() + t.usage().oomKills()));
            });
        }
        List<AllocUsage> out = new ArrayList<>(byAlloc.size());
        byAlloc.values().forEach(b -> out.add(b.build()));
        return out;
    }
}
