package io.muster.client;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /v1/cluster/status}. {@code json} is the response exactly as the server sent it (never written). {@code alarms}
 * is null when the server sent none (older than the divergence check), empty when it checked and found nothing;
 * {@code divergenceCheck} is null when the server sent no counters. Both are left out of the JSON when null.
 *
 * <p>The server writes its answer from this record (the names are the JSON's, in the JSON's order), so the client and
 * the server share one shape.
 */
public record ClusterStatus(@JsonProperty("cluster_id") String clusterId, @JsonProperty("leader_id") Integer leaderId, long term,
                            @JsonProperty("commit_index") long commitIndex, @JsonProperty("applied_index") long appliedIndex,
                            @JsonProperty("last_index") long lastIndex, @JsonProperty("server_id") Integer serverId, List<Member> members,
                            @JsonInclude(JsonInclude.Include.NON_NULL) List<Alarm> alarms,
                            @JsonProperty("divergence_check") @JsonInclude(JsonInclude.Include.NON_NULL) DivergenceCheck divergenceCheck,
                            @JsonIgnore JsonNode json) {

    public ClusterStatus {
        members = members == null ? List.of() : List.copyOf(members);
        alarms = alarms == null ? null : List.copyOf(alarms);
    }

    /**
     * A Raft member. {@code commitIndex} (the leader's match index for it) and {@code lastContactMs} come from the
     * leader only and are left out when null.
     */
    public record Member(int id, @JsonProperty("raft_addr") String raftAddr, @JsonProperty("api_addr") String apiAddr, String role,
                         boolean healthy, @JsonProperty("commit_index") @JsonInclude(JsonInclude.Include.NON_NULL) Long commitIndex,
                         @JsonProperty("last_contact_ms") @JsonInclude(JsonInclude.Include.NON_NULL) Long lastContactMs) {
        static Member from(JsonNode n) {
            return new Member((int) J.lng(n, "id", 0), J.str(n, "raft_addr"), J.str(n, "api_addr"), J.str(n, "role"), J.bool(n, "healthy"),
                    J.lngOrNull(n, "commit_index"), J.lngOrNull(n, "last_contact_ms"));
        }
    }

    /**
     * The servers' replicated states differ at {@code index} (and still at {@code lastIndex}): {@code digests} maps server
     * id to its state digest, {@code suspect} is the server whose state is the odd one out (null when no majority tells),
     * {@code lastMatchingIndex} the newest index where they agreed (null if none was seen).
     */
    public record Alarm(String type, long index, List<Integer> servers, Map<String, String> digests, Integer suspect,
                        @JsonProperty("last_index") long lastIndex, @JsonProperty("last_matching_index") Long lastMatchingIndex,
                        @JsonProperty("detected_at") String detectedAt, String message) {
        public Alarm {
            servers = servers == null ? List.of() : List.copyOf(servers);
            digests = digests == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(digests));
        }

        static Alarm from(JsonNode n) {
            List<Integer> servers = new ArrayList<>();
            for (String s : J.strList(n, "servers")) if (s.matches("-?\\d+")) servers.add(Integer.valueOf(s));
            return new Alarm(J.str(n, "type"), J.lng(n, "index", 0), servers, J.strMap(n, "digests"),
                    J.intOrNull(n, "suspect"), J.lng(n, "last_index", 0), J.lngOrNull(n, "last_matching_index"), J.str(n, "detected_at"),
                    J.str(n, "message"));
        }
    }

    /** The divergence check's counters on the server that answered (see docs/RELIABILITY.md). */
    public record DivergenceCheck(@JsonProperty("digest_interval") long digestInterval, @JsonProperty("period_ms") long periodMs,
                                  List<Long> digests, long rounds, long comparisons, long mismatches,
                                  @JsonProperty("last_compared_index") Long lastComparedIndex,
                                  @JsonProperty("last_digest_copy_us") long lastDigestCopyUs,
                                  @JsonProperty("last_digest_hash_us") long lastDigestHashUs) {
        public DivergenceCheck {
            digests = digests == null ? List.of() : List.copyOf(digests);
        }

        static DivergenceCheck from(JsonNode n) {
            List<Long> digests = new ArrayList<>();
            J.at(n, "digests").forEach(d -> digests.add(d.asLong()));
            return new DivergenceCheck(J.lng(n, "digest_interval", 0), J.lng(n, "period_ms", 0), digests, J.lng(n, "rounds", 0),
                    J.lng(n, "comparisons", 0), J.lng(n, "mismatches", 0), J.lngOrNull(n, "last_compared_index"),
                    J.lng(n, "last_digest_copy_us", 0), J.lng(n, "last_digest_hash_us", 0));
        }
    }

    public static ClusterStatus from(JsonNode n) {
        JsonNode check = J.at(n, "divergence_check");
        return new ClusterStatus(J.str(n, "cluster_id"), J.intOrNull(n, "leader_id"), J.lng(n, "term", 0), J.lng(n, "commit_index", 0),
                J.lng(n, "applied_index", 0), J.lng(n, "last_index", 0), J.intOrNull(n, "server_id"),
                J.list(n, "members", Member::from), J.at(n, "alarms").isArray() ? J.list(n, "alarms", Alarm::from) : null,
                check.isObject() ? DivergenceCheck.from(check) : null, n);
    }
}
