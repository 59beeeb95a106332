package io.muster.server.metrics;

/** What the leader's scheduler counts. */
public interface SchedulerMetrics {
    SchedulerMetrics NONE = new SchedulerMetrics() {
        @Override
        public void evaluation() {}

        @Override
        public void planned(long nanos) {}

        @Override
        public void placements(int count) {}

        @Override
        public void blocked() {}
    };

    /** One job evaluated. */
    void evaluation();

    /** One plan computed (the scheduler's own work, before anything is committed), in {@code nanos}. */
    void planned(long nanos);

    /** Placements committed by one plan entry. */
    void placements(int count);

    /** An evaluation's plan left allocations unplaced (no node had the capacity or matched): the job waits for capacity. */
    void blocked();
}
