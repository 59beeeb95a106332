package io.muster.scheduler;

/**
 * Ranks the feasible nodes of one group and picks one per placement (Nomad's rank iterators plus its limit
 * iterator). A selector lives for one group in one pass; every placement of the group asks for the same
 * resources, so a node found too full is dropped for good.
 */
sealed interface NodeSelector permits PackSelector, SpreadSelector {

    /** Score subtracted from the node a failed allocation ran on, so a reschedule prefers another node. */
    double RESCHEDULE_PENALTY = 1.0;

    /**
     * @param avoid ordinal of a node to penalise, or -1
     * @return the chosen node's ordinal, or -1 when no feasible node has room
     */
    int select(Resources ask, int avoid);

    /** Records that a placement went to {@code ord} (its resources are already reserved). */
    void placed(int ord);

    /**
     * How many fitting nodes to score per placement (Nomad's candidate limit): 2 for batch (throughput over
     * quality), {@code max(2, ceil(log2 n))} for long-running work, where n is the cluster's node count.
     */
    static int candidateLimit(boolean batch, int nodeCount) {
        if (batch) {
            return 2;
        }
        int log2 = nodeCount <= 1 ? 0 : 32 - Integer.numberOfLeadingZeros(nodeCount - 1);
        return Math.max(2, log2);
    }
}
