package io.muster.server.raft;

import io.muster.types.config.Peer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Operator actions on the Raft group: leadership transfer, adding and removing servers, a snapshot now. */
public final class RaftAdmin {
    private static final Logger LOG = LoggerFactory.getLogger(RaftAdmin.class);
    private final int selfId;
    private final Supplier<RaftServer.Division> division;
    private final Supplier<List<RaftPeer>> currentPeers;
    private final Function<List<RaftPeer>, RaftClient> clients;
    private final RaftProposer proposer;

    /**
     * @param clients  builds an admin client of the given peers (closed after each operation)
     * @param proposer whose client asks this server for a snapshot
     */
    RaftAdmin(int selfId, Supplier<RaftServer.Division> division, Supplier<List<RaftPeer>> currentPeers,
              Function<List<RaftPeer>, RaftClient> clients, RaftProposer proposer) {
        this.selfId = selfId;
        this.division = division;
        this.currentPeers = currentPeers;
        this.clients = clients;
        this.proposer = proposer;
    }

    /** Moves leadership to {@code target}, or to the most up-to-date follower when empty. Leader only. */
    public int transferLeadership(Optional<Integer> target, long timeoutMs) throws IOException {
        var div = division.get();
        if (!div.getInfo().isLeader()) throw new IllegalStateException("this server is not the leader");
        int to;
        if (target.isPresent()) {
            to = target.get();
            if (to == selfId) return to;
            if (currentPeers.get().stream().noneMatch(p -> p.getId().equals(RaftSettings.peerId(to))))
                throw new IllegalArgumentException("server " + to + " is not a member of the cluster");
        } else {
            var followers = div.getInfo().getRoleInfoProto().getLeaderInfo().getFollowerInfoList();
            long[] match = div.getInfo().getFollowerMatchIndices();
            int best = -1;
            long bestIndex = -1;
            for (int i = 0; i < followers.size() && i < match.length; i++) {
                var f = followers.get(i);
                if (f.getLastRpcElapsedTimeMs() > 3000) continue;
                if (match[i] > bestIndex) {
                    bestIndex = match[i];
                    best = Integer.parseInt(f.getId().getId().toStringUtf8());
                }
            }
            if (best < 0) throw new IllegalStateException("no healthy follower to hand leadership to");
            to = best;
        }
        // Ratis transfers only to the highest-priority peer: raise the target, transfer, then level priorities.
        List<RaftPeer> peers = currentPeers.get();
        // An election during the hand-over can be won by a third server (Ratis answers DIFFERENT_LEADER); the
        // raised priority still stands, so ask the winner again until the deadline.
        long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
        try (RaftClient admin = clients.apply(peers)) {
            admin.admin().setConfiguration(withPriority(peers, to));
            for (int attempt = 1; ; attempt++) {
                long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000L);
                RaftClientReply reply;
                try {
                    reply = admin.admin().transferLeadership(RaftSettings.peerId(to), left);
                } catch (IOException e) {
                    if (attempt >= 3 || System.nanoTime() >= deadline) throw e;
                    LOG.info("leadership transfer to {} landed elsewhere ({}); asking the new leader again", to, e.getMessage());
                    continue;
                }
                if (reply.isSuccess()) break;
                if (attempt >= 3 || System.nanoTime() >= deadline)
                    throw new IOException("leadership transfer to " + to + " failed: " + reply.getException());
            }
        }
        try (RaftClient admin = clients.apply(peers)) {
            admin.admin().setConfiguration(withPriority(peers, -1));
        } catch (IOException e) {
            LOG.warn("leadership moved to {} but priorities could not be levelled: {}", to, e.getMessage());
        }
        return to;
    }

    private static List<RaftPeer> withPriority(List<RaftPeer> peers, int favoured) {
        return peers.stream().map(p -> RaftPeer.newBuilder(p).setPriority(p.getId().toString().equals(Integer.toString(favoured)) ? 1 : 0).build()).toList();
    }

    public void addServer(Peer peer) throws IOException {
        List<RaftPeer> peers = currentPeers.get();
        if (peers.stream().anyMatch(p -> p.getId().equals(RaftSettings.peerId(peer.id()))))
            throw new IllegalArgumentException("server " + peer.id() + " is already a member");
        List<RaftPeer> next = new ArrayList<>(peers);
        next.add(RaftSettings.raftPeer(peer));
        setConfiguration(next);
    }

    public void removeServer(int id) throws IOException {
        List<RaftPeer> peers = currentPeers.get();
        RaftPeerId gone = RaftSettings.peerId(id);
        if (peers.stream().noneMatch(p -> p.getId().equals(gone))) throw new IllegalArgumentException("server " + id + " is not a member");
        if (peers.size() == 1) throw new IllegalArgumentException("cannot remove the last server");
        setConfiguration(peers.stream().filter(p -> !p.getId().equals(gone)).toList());
    }

    private void setConfiguration(List<RaftPeer> next) throws IOException {
        try (RaftClient admin = clients.apply(currentPeers.get())) {
            RaftClientReply reply = admin.admin().setConfiguration(next);
            if (!reply.isSuccess()) throw new IOException("membership change failed: " + reply.getException());
        }
    }

    /** Forces a snapshot on this server now (used by tests and `muster raft snapshot`); returns its index. */
    public long snapshot() throws IOException {
        RaftClientReply r = proposer.client().getSnapshotManagementApi(RaftSettings.peerId(selfId)).create(30_000);
        if (!r.isSuccess()) throw new IOException("snapshot failed: " + r.getException());
        return r.getLogIndex();
    }
}
