package io.muster.scheduler;

/**
 * Bin-packing: score up to {@code limit} fitting candidates with {@link NodeUsage#fitness} and take the best.
 *
 * <p>Candidates are the group's feasible nodes in a seeded random order, visited round-robin across placements
 * (like Nomad's shuffled source iterator, so concurrent jobs do not all start on the same node). The node that won
 * the previous placement is always scored too: without that, a small candidate limit would scatter a group over
 * many empty nodes; with it, pack fills a node before opening another, at O(limit) cost per placement.
 */
final class PackSelector implements NodeSelector {
    private final NodeUsage usage;
    private final int[] candidates;
    private final int limit;
    private int size;
    private int cursor;
    private int last = -1;

    PackSelector(NodeUsage usage, int[] shuffledFeasible, int limit) {
        this.usage = usage;
        this.candidates = shuffledFeasible;
        this.size = shuffledFeasible.length;
        this.limit = limit;
    }

    @Override
    public int select(Resources ask, int avoid) {
        int best = -1;
        double bestScore = Double.NEGATIVE_INFINITY;
        if (last >= 0 && usage.fits(last, ask)) {
            best = last;
            bestScore = score(last, ask, avoid);
        }
        int taken = 0;
        while (taken < limit && taken < size) {
            if (cursor >= size) {
                cursor = 0;
            }
            int ord = candidates[cursor];
            if (!usage.fits(ord, ask)) {
                candidates[cursor] = candidates[--size]; // full for this group's ask, for the rest of the pass
                continue;
            }
            double s = score(ord, ask, avoid);
            if (s > bestScore) {
                best = ord;
                bestScore = s;
            }
            taken++;
            cursor++;
        }
        return best;
    }

    private double score(int ord, Resources ask, int avoid) {
        return usage.fitness(ord, ask) - (ord == avoid ? RESCHEDULE_PENALTY : 0.0);
    }

    @Override
    public void placed(int ord) {
        last = ord;
    }
}
