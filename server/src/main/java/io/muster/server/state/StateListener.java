package io.muster.server.state;

/**
 * Told about applied changes, on the apply thread: implementations only hand work to their own
 * executors, never block, never throw.
 */
public interface StateListener {
    default void nodeEvents(long nodeId, long revision) {}

    default void nodeChanged(Records.NodeRecord before, Records.NodeRecord after) {}

    default void jobChanged(String jobId) {}

    default void allocChanged(Records.AllocRecord before, Records.AllocRecord after) {}

    default void nodeRevoked(long nodeId) {}

    /** The whole state was replaced from a snapshot (restart or snapshot install). */
    default void restored() {}

    default void applied(long index) {}
}
