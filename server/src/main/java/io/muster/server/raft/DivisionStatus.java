package io.muster.server.raft;

import io.muster.types.config.Peer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.apache.ratis.proto.RaftProtos.CommitInfoProto;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;

/** {@link RaftStatus} read from this server's Ratis division. */
final class DivisionStatus implements RaftStatus {
    private final Supplier<RaftServer.Division> division;
    private final RaftPeerId selfId;
    private final Collection<Peer> configuredPeers;

    /**
     * @param division        this server's division (throws while the group is not running)
     * @param configuredPeers the peers of the config file: a server that starts empty (joining) knows no configuration
     *                        yet and admits these on the Raft port
     */
    DivisionStatus(Supplier<RaftServer.Division> division, RaftPeerId selfId, Collection<Peer> configuredPeers) {
        this.division = division;
        this.selfId = selfId;
        this.configuredPeers = configuredPeers;
    }

    @Override
    public boolean isMember(String serverId) {
        return memberIds().contains(serverId);
    }

    /**
     * Server ids allowed on the Raft port: every peer of the current and previous configuration, listeners included.
     * A server that starts empty (joining) knows no configuration yet and admits the peers of its config file.
     */
    Set<String> memberIds() {
        Set<String> ids = new HashSet<>();
        try {
            var conf = division.get().getRaftConf();
            for (RaftPeerRole role : List.of(RaftPeerRole.FOLLOWER, RaftPeerRole.LISTENER)) {
                conf.getAllPeers(role).forEach(p -> ids.add(p.getId().toString()));
            }
        } catch (RuntimeException e) {
            // not running yet
        }
        if (ids.isEmpty()) configuredPeers.forEach(p -> ids.add(Integer.toString(p.id())));
        return ids;
    }

    @Override
    public boolean isAlive() {
        try {
            return division.get().getInfo().isAlive();
        } catch (RuntimeException e) {
            return false;
        }
    }

    @Override
    public boolean isLeader() {
        return division.get().getInfo().isLeader();
    }

    @Override
    public boolean isLeaderReady() {
        return division.get().getInfo().isLeaderReady();
    }

    @Override
    public Optional<Integer> leaderId() {
        RaftPeerId l = division.get().getInfo().getLeaderId();
        return l == null ? Optional.empty() : Optional.of(Integer.parseInt(l.toString()));
    }

    @Override
    public long term() {
        return division.get().getInfo().getCurrentTerm();
    }

    @Override
    public long commitIndex() {
        return division.get().getRaftLog().getLastCommittedIndex();
    }

    @Override
    public long lastLogIndex() {
        var log = division.get().getRaftLog();
        return log.getLastEntryTermIndex() == null ? 0 : log.getLastEntryTermIndex().getIndex();
    }

    @Override
    public String role() {
        RaftPeerRole r = division.get().getInfo().getCurrentRole();
        return r.name().toLowerCase();
    }

    @Override
    public List<Integer> peerIds() {
        return division.get().getRaftConf().getCurrentPeers().stream().map(p -> Integer.parseInt(p.getId().toString())).toList();
    }

    @Override
    public List<MemberInfo> members() {
        var div = division.get();
        var info = div.getInfo();
        Optional<Integer> leader = leaderId();
        Map<String, CommitInfoProto> commits = div.getCommitInfos().stream()
                .collect(Collectors.toMap(c -> c.getServer().getId().toStringUtf8(), c -> c, (a, b) -> a));
        Map<String, Long> lastContact = new HashMap<>();
        if (info.isLeader()) {
            for (var f : info.getRoleInfoProto().getLeaderInfo().getFollowerInfoList())
                lastContact.put(f.getId().getId().toStringUtf8(), f.getLastRpcElapsedTimeMs());
        }
        List<MemberInfo> out = new ArrayList<>();
        // Every peer Ratis knows, so nothing can listen in unseen: voters, listeners (non-voting, they receive the whole
        // log), and the previous configuration's peers while a membership change is in flight.
        var conf = div.getRaftConf();
        Map<RaftPeer, String> known = new LinkedHashMap<>();
        conf.getCurrentPeers().forEach(p -> known.put(p, null));
        conf.getCurrentPeers(RaftPeerRole.LISTENER).forEach(p -> known.put(p, "listener"));
        for (RaftPeer p : conf.getPreviousPeers()) if (known.keySet().stream().noneMatch(k -> k.getId().equals(p.getId()))) known.put(p, "leaving");
        for (var entry : known.entrySet()) {
            RaftPeer p = entry.getKey();
            String id = p.getId().toString();
            boolean self = p.getId().equals(selfId);
            String role = entry.getValue() != null ? entry.getValue()
                    : leader.isPresent() && leader.get().toString().equals(id) ? "leader" : "follower";
            long contact = self ? 0 : lastContact.getOrDefault(id, -1L);
            boolean healthy;
            if (self) healthy = true;
            else if (info.isLeader()) healthy = contact >= 0 && contact < 3000;
            else healthy = leader.isPresent() && leader.get().toString().equals(id); // a follower only knows its leader is alive
            CommitInfoProto ci = commits.get(id);
            out.add(new MemberInfo(numericId(id), p.getAddress(), role, healthy, ci == null ? -1 : ci.getCommitIndex(), contact));
        }
        out.sort(Comparator.comparingInt(MemberInfo::id));
        return out;
    }

    /** Muster servers have numeric ids; anything else (never admitted since Raft is mTLS) shows as -1. */
    private static int numericId(String id) {
        try {
            return Integer.parseInt(id);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
