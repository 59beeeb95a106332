package io.muster.scheduler;

import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * The outcome of one scheduling pass for one job, to be applied atomically by the server.
 *
 * @param placements             allocations to create, grouped by job group in spec order, slots ascending
 * @param stops                  allocations to stop, each with its reason
 * @param failures               groups with allocations that could not be placed, with the reasons
 * @param nextEvaluationAtMillis when to evaluate the job again because a reschedule is waiting out its backoff
 */
public record Plan(
        String jobId,
        List<Placement> placements,
        List<Stop> stops,
        List<PlacementFailure> failures,
        OptionalLong nextEvaluationAtMillis) {

    public Plan {
        Objects.requireNonNull(jobId, "jobId");
        placements = List.copyOf(placements);
        stops = List.copyOf(stops);
        failures = List.copyOf(failures);
        Objects.requireNonNull(nextEvaluationAtMillis, "nextEvaluationAtMillis");
    }

    /** The ids of the allocations to stop, in {@link #stops()} order. */
    public List<String> stopIds() {
        return stops.stream().map(Stop::allocId).toList();
    }

    /** Whether applying the plan changes nothing. */
    public boolean isNoOp() {
        return placements.isEmpty() && stops.isEmpty();
    }

    public int unplaced() {
        return failures.stream().mapToInt(PlacementFailure::unplaced).sum();
    }
}
