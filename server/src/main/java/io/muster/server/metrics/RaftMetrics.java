package io.muster.server.metrics;

/** What the Raft state machine reports; the indexes and the term are read from Raft at scrape time instead. */
public interface RaftMetrics {
    RaftMetrics NONE = new RaftMetrics() {
        @Override
        public void leaderChanged() {}

        @Override
        public void snapshotTaken(long nanos, long bytes) {}

        @Override
        public void committed(long nanos) {}
    };

    /** This server learnt of a new leader. */
    void leaderChanged();

    /** This server wrote a state snapshot of {@code bytes} in {@code nanos}. */
    void snapshotTaken(long nanos, long bytes);

    /** On the leader: an entry proposed here was committed and reached the state machine {@code nanos} after its proposal arrived. */
    void committed(long nanos);
}
