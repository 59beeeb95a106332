package io.muster.scheduler;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Spread: always place on a node with the fewest allocations of this group; among those, bin-pack.
 *
 * <p>A plain candidate limit cannot guarantee a spread (the few nodes scored may all already hold the group), so
 * feasible nodes are kept in buckets by how many allocations of the group they hold. A placement takes the lowest
 * non-empty bucket and scores up to {@code limit} of its fitting nodes by bin-pack fitness, then moves the winner
 * one bucket up. So {@code count} N lands on N distinct nodes whenever N feasible nodes have room, and each
 * placement still costs O(limit).
 */
final class SpreadSelector implements NodeSelector {
    private final NodeUsage usage;
    private final int limit;
    private final List<Bucket> buckets = new ArrayList<>();
    private final int[] level;     // bucket of each ordinal, -1 if not a candidate
    private final int[] position;  // index within its bucket
    private int lowest;

    /**
     * @param shuffledFeasible feasible node ordinals in seeded random order
     * @param existing         allocations of the group already on each ordinal (indexed by ordinal)
     */
    SpreadSelector(NodeUsage usage, int[] shuffledFeasible, int[] existing, int limit) {
        this.usage = usage;
        this.limit = limit;
        this.level = new int[usage.size()];
        this.position = new int[usage.size()];
        Arrays.fill(level, -1);
        for (int ord : shuffledFeasible) {
            add(ord, existing[ord]);
        }
    }

    @Override
    public int select(Resources ask, int avoid) {
        for (int c = lowest; c < buckets.size(); c++) {
            Bucket b = buckets.get(c);
            int best = -1;
            double bestScore = Double.NEGATIVE_INFINITY;
            int taken = 0;
            while (taken < limit && taken < b.size) {
                if (b.cursor >= b.size) {
                    b.cursor = 0;
                }
                int ord = b.items[b.cursor];
                if (!usage.fits(ord, ask)) {
                    remove(ord);
                    continue;
                }
                double s = usage.fitness(ord, ask) - (ord == avoid ? RESCHEDULE_PENALTY : 0.0);
                if (s > bestScore) {
                    best = ord;
                    bestScore = s;
                }
                taken++;
                b.cursor++;
            }
            if (best >= 0) {
                return best;
            }
            if (c == lowest && b.size == 0) {
                lowest++;
            }
        }
        return -1;
    }

    @Override
    public void placed(int ord) {
        int c = level[ord];
        if (c < 0) {
            return;
        }
        remove(ord);
        add(ord, c + 1);
    }

    private void add(int ord, int c) {
        while (buckets.size() <= c) {
            buckets.add(new Bucket());
        }
        Bucket b = buckets.get(c);
        level[ord] = c;
        position[ord] = b.size;
        b.push(ord);
        if (c < lowest) {
            lowest = c;
        }
    }

    private void remove(int ord) {
        Bucket b = buckets.get(level[ord]);
        int at = position[ord];
        int moved = b.items[--b.size];
        b.items[at] = moved;
        position[moved] = at;
        level[ord] = -1;
    }

    private static final class Bucket {
        int[] items = new int[8];
        int size;
        int cursor;

        void push(int ord) {
            if (size == items.length) {
                items = Arrays.copyOf(items, size * 2);
            }
            items[size++] = ord;
        }
    }
}
