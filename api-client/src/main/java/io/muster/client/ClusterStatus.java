package io.muster.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/** {@code GET /v1/cluster/status}. {@code json} is the response exactly as the server sent it. */
public record ClusterStatus(String clusterId, Integer leaderId, long term, long commitIndex, long appliedIndex, long lastIndex,
                            Integer serverId, List<Member> members, JsonNode json) {

    public record Member(int id, String raftAddr, String apiAddr, String role, boolean healthy) {
        static Member from(JsonNode n) {
            return new Member((int) J.lng(n, "id", 0), J.str(n, "raft_addr"), J.str(n, "api_addr"), J.str(n, "role"), J.bool(n, "healthy"));
        }
    }

    public static ClusterStatus from(JsonNode n) {
        return new ClusterStatus(J.str(n, "cluster_id"), J.intOrNull(n, "leader_id"), J.lng(n, "term", 0), J.lng(n, "commit_index", 0),
                J.lng(n, "applied_index", 0), J.lng(n, "last_index", 0), J.intOrNull(n, "server_id"),
                List.copyOf(J.list(n, "members", Member::from)), n);
    }
}
