package io.muster.scheduler;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Why nodes were not chosen, in the manner of Nomad's AllocMetric: each evaluated node is counted once, under the
 * first check it failed, in check order: {@value #NOT_READY}, then {@code constraint <attr op value>} (job
 * constraints before group ones), then {@code driver <name> missing}, then {@code resources exhausted (cpu)} or
 * {@code resources exhausted (memory)} (cpu reported when both are short).
 *
 * @param nodesEvaluated nodes looked at
 * @param nodesFiltered  nodes rejected by readiness, constraints or drivers
 * @param nodesExhausted nodes that qualified but lacked free resources
 * @param filtered       count per check, in check order, zero counts omitted
 */
public record AllocMetric(int nodesEvaluated, int nodesFiltered, int nodesExhausted, Map<String, Integer> filtered) {

    public static final String NOT_READY = "node not ready/ineligible";
    public static final String CPU_EXHAUSTED = "resources exhausted (cpu)";
    public static final String MEMORY_EXHAUSTED = "resources exhausted (memory)";

    public AllocMetric {
        filtered = Collections.unmodifiableMap(new LinkedHashMap<>(filtered));
    }

    /** E.g. {@code 0 of 12 nodes feasible: constraint label.role = web: 8, resources exhausted (memory): 4}. */
    public String describe() {
        int feasible = nodesEvaluated - nodesFiltered - nodesExhausted;
        String detail = filtered.entrySet().stream()
                .map(e -> e.getKey() + ": " + e.getValue())
                .collect(Collectors.joining(", "));
        return feasible + " of " + nodesEvaluated + " nodes feasible" + (detail.isEmpty() ? "" : ": " + detail);
    }
}
