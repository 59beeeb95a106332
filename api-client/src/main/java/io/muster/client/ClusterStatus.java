package io.muster.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /v1/cluster/status}. {@code json} is the response exactly as the server sent it. {@code alarms} is null
 * when the server sent none (older than the divergence check), empty when it checked and found nothing.
 */
public record ClusterStatus(String clusterId, Integer leaderId, long term, long commitIndex, long appliedIndex, long lastIndex,
                            Integer serverId, List<Member> members, List<Alarm> alarms, JsonNode json) {

    public record Member(int id, String raftAddr, String apiAddr, String role, boolean healthy) {
        static Member from(JsonNode n) {
            return new Member((int) J.lng(n, "id", 0), J.str(n, "raft_addr"), J.str(n, "api_addr"), J.str(n, "role"), J.bool(n, "healthy"));
        }
    }

    /**
     * The servers' replicated states differ at {@code index}: {@code digests} maps server id to its state digest,
     * {@code suspect} is the server whose state is the odd one out (null when no majority tells).
     */
    public record Alarm(String type, long index, List<String> servers, Map<String, String> digests, String suspect) {
        static Alarm from(JsonNode n) {
            return new Alarm(J.str(n, "type"), J.lng(n, "index", 0), List.copyOf(J.strList(n, "servers")), java.util.Collections.unmodifiableMap(J.strMap(n, "digests")),
                    J.str(n, "suspect"));
        }
    }

    public static ClusterStatus from(JsonNode n) {
        return new ClusterStatus(J.str(n, "cluster_id"), J.intOrNull(n, "leader_id"), J.lng(n, "term", 0), J.lng(n, "commit_index", 0),
                J.lng(n, "applied_index", 0), J.lng(n, "last_index", 0), J.intOrNull(n, "server_id"),
                List.copyOf(J.list(n, "members", Member::from)), J.at(n, "alarms").isArray() ? List.copyOf(J.list(n, "alarms", Alarm::from)) : null, n);
    }
}
