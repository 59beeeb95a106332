package io.muster.server.raft;

/**
 * Something that runs only on the leader (heartbeat leases, the scheduler, bootstrap of the cluster
 * identity). Started once this server is a <em>ready</em> leader — it has applied an entry of its own
 * term, so its state is current — and stopped when it loses leadership or shuts down.
 */
public interface LeaderServices {
    void startLeading(long term);

    void stopLeading();
}
