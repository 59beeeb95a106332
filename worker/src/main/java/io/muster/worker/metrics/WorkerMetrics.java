package io.muster.worker.metrics;

/** What the worker's loops report. Each call only increments or records into a meter registered at start. */
public interface WorkerMetrics {
    WorkerMetrics NONE = new WorkerMetrics() {
        @Override
        public void heartbeat(long nanos, boolean ok) {}

        @Override
        public void poll(long nanos, PollResult result) {}

        @Override
        public void registered() {}

        @Override
        public void reconnected() {}

        @Override
        public void taskEvent(String type) {}

        @Override
        public void logBytesShipped(long bytes) {}
    };

    /** How a long poll ended. */
    enum PollResult {
        EVENTS, EMPTY, ERROR;

        String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** A status report (heartbeat) came back after {@code nanos}: acknowledged, or failed. */
    void heartbeat(long nanos, boolean ok);

    /** A poll came back after {@code nanos} (the server's wait included). */
    void poll(long nanos, PollResult result);

    /** This worker registered with a join token and got its identity. */
    void registered();

    /** The connection to the servers was replaced (failover to another server, a renewed certificate, a server removed). */
    void reconnected();

    /** An allocation event was recorded; the {@code AllocEventType} name, e.g. {@code ALLOC_EVENT_TASK_STARTED}. */
    void taskEvent(String type);

    /** Task output bytes sent to the servers (log fetches and follows). */
    void logBytesShipped(long bytes);
}
