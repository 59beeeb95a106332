package io.muster.server.service;

import io.muster.client.ClusterStatus;
import io.muster.server.leader.DivergenceChecker;
import io.muster.server.raft.RaftLogView;
import io.muster.server.raft.RaftStatus;
import io.muster.server.state.Records.ServerRecord;
import io.muster.server.state.Snapshots;
import io.muster.types.config.Peer;
import io.muster.types.config.ServerConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The servers, whatever the transport: the cluster status (as this server sees Raft; the leader's view has every
 * member's match index, so transports forward the call there unless a stale answer is asked for) and pages of the
 * Raft log. Also where each server's API is, for the transports' leader forwarding.
 */
public final class ClusterInfoService {
    private final ServerConfig config;
    private final Snapshots snapshots;
    private final RaftStatus raft;
    private final RaftLogView raftLog;
    private final Supplier<DivergenceChecker.StatusFields> divergence;

    /** @param divergence what the status adds: the divergence check's alarms and counters */
    public ClusterInfoService(ServerConfig config, Snapshots snapshots, RaftStatus raft, RaftLogView raftLog,
                              Supplier<DivergenceChecker.StatusFields> divergence) {
        this.config = config;
        this.snapshots = snapshots;
        this.raft = raft;
        this.raftLog = raftLog;
        this.divergence = divergence;
    }

    public RaftStatus raft() {
        return raft;
    }

    /** The API client's record, so both sides share one shape; the divergence alarms are always present (empty when healthy). */
    public ClusterStatus status() {
        List<ClusterStatus.Member> members = new ArrayList<>();
        for (RaftStatus.MemberInfo m : raft.members()) {
            members.add(new ClusterStatus.Member(m.id(), m.raftAddr(), apiAddrOf(m.id()).orElse(null), m.role(), m.healthy(),
                    m.matchIndex() >= 0 ? m.matchIndex() : null, m.lastContactMillis() >= 0 ? m.lastContactMillis() : null));
        }
        DivergenceChecker.StatusFields d = divergence.get();
        return new ClusterStatus(snapshots.snapshot().identity().map(i -> i.clusterId()).orElse(null), raft.leaderId().orElse(null), raft.term(),
                raft.commitIndex(), snapshots.appliedIndex(), raft.lastLogIndex(), config.serverId(), members, d.alarms(), d.check(), null);
    }

    /** A page of the Raft log, with the indexes it is read against. */
    public record RaftLogPage(long commitIndex, long lastIndex, long startIndex, List<RaftLogView.LogEntry> entries) {
        /** Where the next page starts; null when this one is empty. */
        public Long nextIndex() {
            return entries.isEmpty() ? null : entries.getLast().index() + 1;
        }
    }

    /**
     * Reads the log from {@code start} (or, with {@code tail} > 0, its newest {@code tail} entries): blocking, so
     * transports call it off their network threads.
     */
    public RaftLogPage raftLog(long start, int limit, int tail) throws java.io.IOException {
        if (tail > 0 && start > 0) throw new ServiceException(400, "BAD_REQUEST", "give start_index or tail, not both");
        long from = tail > 0 ? Math.max(0, raft.lastLogIndex() - tail + 1) : start;
        List<RaftLogView.LogEntry> entries = raftLog.entries(from, tail > 0 ? tail : limit);
        return new RaftLogPage(raft.commitIndex(), raft.lastLogIndex(), raftLog.startIndex(), entries);
    }

    /** Server {@code id}'s API address: as it announced it, else from the config file's peers. */
    public Optional<String> apiAddrOf(int id) {
        return apiAddrOf(config, snapshots, id);
    }

    /** Server {@code id}'s API address: as it announced it, else from the config file's peers. */
    public static Optional<String> apiAddrOf(ServerConfig config, Snapshots snapshots, int id) {
        for (ServerRecord s : snapshots.snapshot().servers()) if (s.id() == id && !s.apiAddr().isEmpty()) return Optional.of(s.apiAddr());
        for (Peer p : config.peers()) if (p.id() == id) return Optional.of(p.apiAddr().toString());
        return Optional.empty();
    }
}
