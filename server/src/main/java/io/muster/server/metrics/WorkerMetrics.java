package io.muster.server.metrics;

/** What the worker endpoint and the lease service count. Hot paths: each call only increments a pre-registered meter. */
public interface WorkerMetrics {
    WorkerMetrics NONE = new WorkerMetrics() {
        @Override
        public void heartbeat() {}

        @Override
        public void poll() {}

        @Override
        public void registration(boolean accepted, long nanos) {}

        @Override
        public void leaseExpired() {}
    };

    /** A heartbeat (status report) received from a worker on this server. */
    void heartbeat();

    /** A long poll received from a worker on this server. */
    void poll();

    /** A registration answered: accepted (a node id and certificate handed out) or refused, after {@code nanos}. */
    void registration(boolean accepted, long nanos);

    /** The leader let a node's lease expire (missed TTL + grace) and marks it down. */
    void leaseExpired();
}
