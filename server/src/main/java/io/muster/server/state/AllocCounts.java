package io.muster.server.state;

import io.muster.server.state.Records.AllocRecord;
import io.muster.types.state.AllocStatus;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How many allocations of a job (or of one version of it) are in each client state, and how many are live (wanted
 * running and not yet terminal). Kept by the state as allocations change, as Nomad keeps its job summaries, so the
 * job list and a job's status never scan the job's allocations: at 100,000 allocations per job that scan cost the
 * leader a fifth of its CPU while the load test polled the list once a second. {@code modifyIndex} is the last
 * index that wrote one of these allocations (after a restore: the restore's index), for blocking queries.
 */
public record AllocCounts(int pending, int running, int complete, int failed, int lost, int stopped, int live, long modifyIndex) {
    public static final AllocCounts NONE = new AllocCounts(0, 0, 0, 0, 0, 0, 0, 0);
    static final int SLOTS = 7;

    public int total() {
        return pending + running + complete + failed + lost + stopped;
    }

    public int terminal() {
        return complete + failed + lost + stopped;
    }

    /** Counts by client state, in lifecycle order, every state present (the job list's {@code allocations} object). */
    public Map<String, Integer> byStatus() {
        Map<String, Integer> m = new LinkedHashMap<>();
        m.put(AllocStatus.PENDING.wire(), pending);
        m.put(AllocStatus.RUNNING.wire(), running);
        m.put(AllocStatus.COMPLETE.wire(), complete);
        m.put(AllocStatus.FAILED.wire(), failed);
        m.put(AllocStatus.LOST.wire(), lost);
        m.put(AllocStatus.STOPPED.wire(), stopped);
        return m;
    }

    /** Adds {@code sign} (+1 or -1) for {@code a} to a delta vector of {@link #SLOTS} entries. */
    static void count(int[] delta, AllocRecord a, int sign) {
        delta[slot(a.status())] += sign;
        if (a.desiredRun() && !a.terminal()) delta[6] += sign;
    }

    private static int slot(AllocStatus status) {
        return switch (status) {
            case PENDING -> 0;
            case RUNNING -> 1;
            case COMPLETE -> 2;
            case FAILED -> 3;
            case LOST -> 4;
            case STOPPED -> 5;
        };
    }

    AllocCounts plus(int[] d, long index) {
        AllocCounts c = new AllocCounts(pending + d[0], running + d[1], complete + d[2], failed + d[3], lost + d[4], stopped + d[5], live + d[6], index);
        if (c.pending < 0 || c.running < 0 || c.complete < 0 || c.failed < 0 || c.lost < 0 || c.stopped < 0 || c.live < 0)
            throw new IllegalStateException("allocation counts went negative: " + this + " plus a delta gave " + c);
        return c;
    }

    /** The key of one job version's counts. */
    record JobVersion(String jobId, long version) {}
}
