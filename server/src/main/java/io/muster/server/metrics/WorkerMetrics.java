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

        @Override
        public void heartbeatAnswered(long nanos) {}

        @Override
        public void pollAnswered(PollAnswer kind) {}

        @Override
        public void failoverWindow(int leases) {}

        @Override
        public void failoverLeaseExpired() {}
    };

    /** What a long poll was answered with. */
    enum PollAnswer {
        /** New assignment events since the worker's revision. */
        EVENTS,
        /** The node's whole assignment set (first poll, or the revision is no longer kept). */
        SNAPSHOT,
        /** Nothing new within the poll's wait. */
        EMPTY;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** A heartbeat (status report) received from a worker on this server. */
    void heartbeat();

    /** A long poll received from a worker on this server. */
    void poll();

    /** A registration answered: accepted (a node id and certificate handed out) or refused, after {@code nanos}. */
    void registration(boolean accepted, long nanos);

    /** The leader let a node's lease expire (missed TTL + grace) and marks it down. */
    void leaseExpired();

    /** A heartbeat received here was answered (acked or refused, by this server's lease service or through the leader) after {@code nanos}. */
    void heartbeatAnswered(long nanos);

    /** A long poll received here was answered. */
    void pollAnswered(PollAnswer kind);

    /** This server became leader and armed {@code leases} live nodes' leases with the failover TTL. */
    void failoverWindow(int leases);

    /** A lease expired while still on the failover TTL: the node never heartbeated to this leader. */
    void failoverLeaseExpired();
}
