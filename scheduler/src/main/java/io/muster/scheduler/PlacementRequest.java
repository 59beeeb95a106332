package io.muster.scheduler;

/**
 * One allocation the reconciler wants placed.
 *
 * @param index             slot in the group
 * @param previous          the allocation replaced, or {@code null} for a fresh slot
 * @param rescheduleAttempt attempt number the new allocation carries
 * @param avoidNode         node id to penalise (where the failed predecessor ran), or -1
 * @param pinnedOrd         for per-node groups, the only node ordinal allowed; -1 otherwise
 * @param stopOnSuccess     a stop to add only if this placement succeeds (migration), or {@code null}
 */
record PlacementRequest(
        int index,
        AllocView previous,
        int rescheduleAttempt,
        long avoidNode,
        int pinnedOrd,
        Stop stopOnSuccess) {

    static PlacementRequest fresh(int index) {
        return new PlacementRequest(index, null, 0, -1, -1, null);
    }
}
