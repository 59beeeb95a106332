package io.muster.loadtest;

import java.util.Set;

/** The run-wide set of workers wrongly marked down (their heartbeat lease was still running), across phases. */
final class SpuriousDowns {
    private SpuriousDowns() {}

    static synchronized void add(LoadTestRun run, Set<Long> ids) {
        @SuppressWarnings("unchecked")
        Set<Long> all = (Set<Long>) run.summary.computeIfAbsent("spurious_down_ids", k -> new java.util.TreeSet<Long>());
        all.addAll(ids);
        run.summary.put("spurious_downs", all.size());
    }
}
