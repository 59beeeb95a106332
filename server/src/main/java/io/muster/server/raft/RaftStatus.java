package io.muster.server.raft;

import java.util.List;
import java.util.Optional;

/**
 * What the REST and worker layers may know of this server's Raft membership: leadership, term, indexes and the
 * members (read-only; {@link RaftAdmin} changes membership and leadership).
 */
public interface RaftStatus {
    /** Per-member replication facts known here: match index (leader only) and last contact. */
    record MemberInfo(int id, String raftAddr, String role, boolean healthy, long matchIndex, long lastContactMillis) {}

    /** False once this server's Raft division is closing or closed (shut down, or stopped by a fatal apply). */
    boolean isAlive();

    boolean isLeader();

    boolean isLeaderReady();

    Optional<Integer> leaderId();

    /** This server's role, lower case (leader, follower, candidate, listener). */
    String role();

    long term();

    long commitIndex();

    long lastLogIndex();

    /** The ids of the current configuration's peers. */
    List<Integer> peerIds();

    /** Every peer Ratis knows (voters, listeners, those of a configuration being replaced), sorted by id. */
    List<MemberInfo> members();

    /** Is {@code serverId} a member now (voter, listener, or of the configuration being replaced)? */
    boolean isMember(String serverId);
}
