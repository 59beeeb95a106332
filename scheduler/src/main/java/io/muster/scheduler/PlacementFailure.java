package io.muster.scheduler;

/**
 * A group some of whose allocations could not be placed in this pass.
 *
 * @param unplaced how many allocations (or migrations) are still waiting for a node
 * @param metric   why nodes were rejected, taken when placement failed
 */
public record PlacementFailure(String group, int unplaced, AllocMetric metric) {

    /** E.g. {@code group web: 3 unplaced; 0 of 12 nodes feasible: driver docker missing: 12}. */
    public String describe() {
        return "group " + group + ": " + unplaced + " unplaced; " + metric.describe();
    }
}
