package io.muster.server.raft;

import io.muster.proto.raft.Command;
import io.muster.proto.raft.CommandResult;
import io.muster.server.Failures;
import io.muster.server.state.ClusterState;
import io.muster.types.config.HostPort;
import io.muster.types.config.Peer;
import io.muster.types.config.ServerConfig;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcFactory;
import org.apache.ratis.grpc.GrpcTlsConfig;
import io.muster.server.tls.ServerCredentials;
import org.apache.ratis.proto.RaftProtos.CommitInfoProto;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.LeaderNotReadyException;
import org.apache.ratis.protocol.exceptions.LeaderSteppingDownException;
import org.apache.ratis.protocol.exceptions.NotLeaderException;
import org.apache.ratis.retry.ExceptionDependentRetry;
import org.apache.ratis.retry.ExponentialBackoffRetry;
import org.apache.ratis.retry.MultipleLinearRandomRetry;
import org.apache.ratis.rpc.SupportedRpcType;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This server's Raft membership: the Ratis server, a client for proposing commands (Ratis routes it to
 * the leader, so any server accepts writes), and the admin operations (leader transfer, membership).
 */
public final class RaftNode implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RaftNode.class);
    /** Every Muster cluster uses one Raft group; a cluster's identity is its cluster id, not this. */
    public static final RaftGroupId GROUP_ID = RaftGroupId.valueOf(UUID.nameUUIDFromBytes("muster-control-plane".getBytes(StandardCharsets.UTF_8)));

    private final ServerConfig config;
    private final ClusterState state;
    private final MusterStateMachine stateMachine;
    private final RaftServer server;
    private volatile RaftClient client;
    private final RaftProperties clientProperties;
    private final RaftPeerId selfId;
    private final Parameters params;

    /**
     * @param credentials     this server's TLS identity: Raft runs over mutual TLS with server certificates only
     * @param raftInterceptor optional interceptor on Ratis' own gRPC server; tests use it to cut links
     *                        between servers (a partition) without touching the network
     */
    public RaftNode(ServerConfig config, ClusterState state, boolean join, ServerCredentials credentials,
                    org.apache.ratis.thirdparty.io.grpc.ServerInterceptor raftInterceptor) throws IOException {
        this.config = config;
        this.state = state;
        this.stateMachine = new MusterStateMachine(state);
        this.selfId = peerId(config.serverId());
        Path raftDir = config.dataDir().resolve("raft");
        Files.createDirectories(raftDir);
        io.muster.server.tls.ClusterInit.restrict(config.dataDir());
        RaftProperties p = properties(config, raftDir);
        RaftGroup group = join ? RaftGroup.valueOf(GROUP_ID) : RaftGroup.valueOf(GROUP_ID, peers(config.peers()));
        this.params = new Parameters();
        // One TLS configuration for all three roles (server port, our client, admin): mutual, server certificates of
        // the cluster CA only, the key read per handshake so renewals need no restart.
        GrpcConfigKeys.TLS.setConf(params, new GrpcTlsConfig(credentials.keyManager(), credentials.peerTrustManager(), true));
        RaftPeerGate gate = new RaftPeerGate(credentials.secret().clusterId(), this::memberIds);
        GrpcConfigKeys.Server.setServicesCustomizer(params, (builder, types) -> {
            builder.intercept(gate); // interceptors added later run first: a test partition, then the gate
            if (raftInterceptor != null) builder.intercept(raftInterceptor);
            return builder;
        });
        this.server = RaftServer.newBuilder()
                .setServerId(selfId)
                .setGroup(group)
                .setProperties(p)
                .setParameters(params)
                .setStateMachine(stateMachine)
                .setOption(RaftStorage.StartupOption.RECOVER)
                .build();
        this.clientProperties = p;
        this.client = newClient(RaftGroup.valueOf(GROUP_ID, peers(config.peers())), p);
    }

    /**
     * Server ids allowed on the Raft port: every peer of the current and previous configuration, listeners included.
     * A server that starts empty (joining) knows no configuration yet and admits the peers of its config file.
     */
    /** Is {@code serverId} a member now (voter, listener, or of the configuration being replaced)? */
    public boolean isMember(String serverId) {
        return memberIds().contains(serverId);
    }

    private java.util.Set<String> memberIds() {
        java.util.Set<String> ids = new java.util.HashSet<>();
        try {
            var conf = server.getDivision(GROUP_ID).getRaftConf();
            for (RaftPeerRole role : List.of(RaftPeerRole.FOLLOWER, RaftPeerRole.LISTENER)) {
                conf.getAllPeers(role).forEach(p -> ids.add(p.getId().toString()));
            }
        } catch (IOException | RuntimeException e) {
            // not running yet
        }
        if (ids.isEmpty()) config.peers().forEach(p -> ids.add(Integer.toString(p.id())));
        return ids;
    }


    static RaftProperties properties(ServerConfig config, Path raftDir) {
        RaftProperties p = new RaftProperties();
        RaftConfigKeys.Rpc.setType(p, SupportedRpcType.GRPC);
        HostPort raft = config.raftAddr();
        GrpcConfigKeys.Server.setHost(p, raft.host());
        GrpcConfigKeys.Server.setPort(p, raft.port());
        GrpcConfigKeys.setMessageSizeMax(p, SizeInBytes.valueOf("64MB"));
        RaftServerConfigKeys.setStorageDir(p, List.of(raftDir.toFile()));
        // Elections: fast enough for a 2 s failover, slow enough not to flap on a busy 2-core machine.
        RaftServerConfigKeys.Rpc.setTimeoutMin(p, TimeDuration.valueOf(500, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setTimeoutMax(p, TimeDuration.valueOf(1000, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setRequestTimeout(p, TimeDuration.valueOf(3, TimeUnit.SECONDS));
        RaftServerConfigKeys.LeaderElection.setPreVote(p, true);
        // Snapshots are off by default in Ratis; purge up to the snapshot even when a follower is behind
        // (it then gets the snapshot), so a dead peer cannot pin the log forever.
        RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, true);
        RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(p, config.snapshotThreshold());
        RaftServerConfigKeys.Snapshot.setRetentionFileNum(p, 2);
        RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(p, true);
        RaftServerConfigKeys.Log.setPurgeGap(p, (int) Math.max(1, Math.min(1024, config.snapshotThreshold() / 4)));
        // Purge drops whole closed segments: size them so that a snapshot interval spans several.
        long segment = Math.max(32L << 10, Math.min(32L << 20, config.snapshotThreshold() * 128));
        RaftServerConfigKeys.Log.setSegmentSizeMax(p, SizeInBytes.valueOf(segment));
        RaftServerConfigKeys.Log.setPreallocatedSize(p, SizeInBytes.valueOf(Math.min(segment, 4L << 20)));
        RaftServerConfigKeys.Log.Appender.setInstallSnapshotEnabled(p, true);
        RaftServerConfigKeys.Log.Appender.setBufferByteLimit(p, SizeInBytes.valueOf("16MB"));
        RaftServerConfigKeys.Log.setWriteBufferSize(p, SizeInBytes.valueOf("17MB"));
        RaftServerConfigKeys.Write.setElementLimit(p, 16_384);
        RaftServerConfigKeys.Write.setByteLimit(p, SizeInBytes.valueOf("512MB"));
        // Ratis retries forever by default; a client call gives up after ~10 s with a clear error.
        RaftClientConfigKeys.Rpc.setRequestTimeout(p, TimeDuration.valueOf(3, TimeUnit.SECONDS));
        RaftClientConfigKeys.Async.setOutstandingRequestsMax(p, 4096);
        return p;
    }

    private RaftClient newClient(RaftGroup group, RaftProperties p) {
        var backoff = ExponentialBackoffRetry.newBuilder()
                .setBaseSleepTime(TimeDuration.valueOf(100, TimeUnit.MILLISECONDS))
                .setMaxSleepTime(TimeDuration.valueOf(1, TimeUnit.SECONDS))
                .setMaxAttempts(12)
                .build();
        // "Not the leader (yet)" is an answer, not a failure: retry at once against the leader it names, then at
        // short random intervals while an election runs (~4 s in all), instead of the backoff meant for
        // unreachable servers (which kept writes waiting up to 1 s after a new leader was already serving).
        var leaderMoved = MultipleLinearRandomRetry.parseCommaSeparated("10ms,10,100ms,40");
        var retry = ExceptionDependentRetry.newBuilder()
                .setExceptionToPolicy(NotLeaderException.class, leaderMoved)
                .setExceptionToPolicy(LeaderNotReadyException.class, leaderMoved)
                .setExceptionToPolicy(LeaderSteppingDownException.class, leaderMoved)
                .setDefaultPolicy(backoff)
                .setMaxAttempts(60)
                .build();
        return RaftClient.newBuilder()
                .setProperties(p)
                .setRaftGroup(group)
                .setClientId(ClientId.randomId())
                .setClientRpc(new GrpcFactory(params).newRaftClientRpc(ClientId.randomId(), p))
                .setRetryPolicy(retry)
                .build();
    }

    static RaftPeerId peerId(int id) {
        return RaftPeerId.valueOf(Integer.toString(id));
    }

    static List<RaftPeer> peers(Collection<Peer> peers) {
        return peers.stream().map(RaftNode::raftPeer).toList();
    }

    static RaftPeer raftPeer(Peer p) {
        return RaftPeer.newBuilder().setId(peerId(p.id())).setAddress(p.raftAddr().toString()).build();
    }

    public void start() throws IOException {
        server.start();
    }

    public MusterStateMachine stateMachine() {
        return stateMachine;
    }

    public int selfId() {
        return config.serverId();
    }

    private RaftServer.Division division() {
        try {
            return server.getDivision(GROUP_ID);
        } catch (IOException e) {
            throw new IllegalStateException("raft group not running: " + e.getMessage(), e);
        }
    }

    /** Proposes a command; completes with the applied result or a {@link RaftUnavailableException}. */
    public CompletableFuture<CommandResult> submit(Command command) {
        RaftClient c = client;
        return c.async().send(Message.valueOf(UnsafeByteOperations.unsafeWrap(command.toByteArray())))
                .handle((reply, err) -> {
                    if (err != null) {
                        if (windowClosed(err)) replaceClient(c);
                        throw new CompletionException(unavailable(err));
                    }
                    if (!reply.isSuccess()) throw new CompletionException(unavailable(reply.getException()));
                    try {
                        return CommandResult.parseFrom(reply.getMessage().getContent().toByteArray());
                    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                        throw new CompletionException(e);
                    }
                });
    }

    /**
     * Ratis fails an ordered client's whole sliding window when one request runs out of retries, and every
     * later send through that client fails with AlreadyClosedException: this server could never propose again.
     */
    private static boolean windowClosed(Throwable err) {
        for (Throwable t = err; t != null; t = t.getCause()) {
            if (t instanceof org.apache.ratis.protocol.exceptions.AlreadyClosedException
                    || t instanceof org.apache.ratis.protocol.exceptions.RaftRetryFailureException) return true;
        }
        return false;
    }

    private synchronized void replaceClient(RaftClient broken) {
        if (client != broken) return;
        LOG.warn("the Raft client's request window was closed after a failed request; replacing the client");
        client = newClient(RaftGroup.valueOf(GROUP_ID, currentPeers()), clientProperties);
        try {
            broken.close();
        } catch (IOException e) {
            LOG.debug("closing the replaced raft client", e);
        }
    }

    private RaftUnavailableException unavailable(Throwable err) {
        Throwable cause = Failures.cause(err);
        String detail = cause == null ? "unknown" : cause.getClass().getSimpleName() + (cause.getMessage() != null ? ": " + firstLine(cause.getMessage()) : "");
        int members = currentPeers().size();
        return new RaftUnavailableException("the write was not committed: no leader with a quorum of " + (members / 2 + 1) + " of "
                + members + " servers could be reached (" + detail + ")", cause);
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /** False once this server's Raft division is closing or closed (shut down, or stopped by a fatal apply). */
    public boolean isAlive() {
        try {
            return division().getInfo().isAlive();
        } catch (RuntimeException e) {
            return false;
        }
    }

    public boolean isLeader() {
        return division().getInfo().isLeader();
    }

    public boolean isLeaderReady() {
        return division().getInfo().isLeaderReady();
    }

    public Optional<Integer> leaderId() {
        RaftPeerId l = division().getInfo().getLeaderId();
        return l == null ? Optional.empty() : Optional.of(Integer.parseInt(l.toString()));
    }

    public long term() {
        return division().getInfo().getCurrentTerm();
    }

    public long commitIndex() {
        return division().getRaftLog().getLastCommittedIndex();
    }

    public long lastLogIndex() {
        return division().getRaftLog().getLastEntryTermIndex() == null ? 0 : division().getRaftLog().getLastEntryTermIndex().getIndex();
    }

    public String role() {
        RaftPeerRole r = division().getInfo().getCurrentRole();
        return r.name().toLowerCase();
    }

    public List<RaftPeer> currentPeers() {
        return new ArrayList<>(division().getRaftConf().getCurrentPeers());
    }

    /** Per-member replication facts known here: match index (leader only) and last contact. */
    public record MemberInfo(int id, String raftAddr, String role, boolean healthy, long matchIndex, long lastContactMillis) {}

    public List<MemberInfo> members() {
        var div = division();
        var info = div.getInfo();
        Optional<Integer> leader = leaderId();
        Map<String, CommitInfoProto> commits = div.getCommitInfos().stream()
                .collect(Collectors.toMap(c -> c.getServer().getId().toStringUtf8(), c -> c, (a, b) -> a));
        Map<String, Long> lastContact = new java.util.HashMap<>();
        if (info.isLeader()) {
            for (var f : info.getRoleInfoProto().getLeaderInfo().getFollowerInfoList())
                lastContact.put(f.getId().getId().toStringUtf8(), f.getLastRpcElapsedTimeMs());
        }
        List<MemberInfo> out = new ArrayList<>();
        // Every peer Ratis knows, so nothing can listen in unseen: voters, listeners (non-voting, they receive the whole
        // log), and the previous configuration's peers while a membership change is in flight.
        var conf = div.getRaftConf();
        Map<RaftPeer, String> known = new java.util.LinkedHashMap<>();
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

    /** Moves leadership to {@code target}, or to the most up-to-date follower when empty. Leader only. */
    public int transferLeadership(Optional<Integer> target, long timeoutMs) throws IOException {
        var div = division();
        if (!div.getInfo().isLeader()) throw new IllegalStateException("this server is not the leader");
        int to;
        if (target.isPresent()) {
            to = target.get();
            if (to == config.serverId()) return to;
            if (currentPeers().stream().noneMatch(p -> p.getId().equals(peerId(to))))
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
        List<RaftPeer> peers = currentPeers();
        // An election during the hand-over can be won by a third server (Ratis answers DIFFERENT_LEADER); the
        // raised priority still stands, so ask the winner again until the deadline.
        long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
        try (RaftClient admin = newClient(RaftGroup.valueOf(GROUP_ID, peers), properties(config, config.dataDir().resolve("raft")))) {
            admin.admin().setConfiguration(withPriority(peers, to));
            for (int attempt = 1; ; attempt++) {
                long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000L);
                RaftClientReply reply;
                try {
                    reply = admin.admin().transferLeadership(peerId(to), left);
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
        try (RaftClient admin = newClient(RaftGroup.valueOf(GROUP_ID, peers), properties(config, config.dataDir().resolve("raft")))) {
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
        List<RaftPeer> peers = currentPeers();
        if (peers.stream().anyMatch(p -> p.getId().equals(peerId(peer.id()))))
            throw new IllegalArgumentException("server " + peer.id() + " is already a member");
        List<RaftPeer> next = new ArrayList<>(peers);
        next.add(raftPeer(peer));
        setConfiguration(next);
    }

    public void removeServer(int id) throws IOException {
        List<RaftPeer> peers = currentPeers();
        if (peers.stream().noneMatch(p -> p.getId().equals(peerId(id)))) throw new IllegalArgumentException("server " + id + " is not a member");
        if (peers.size() == 1) throw new IllegalArgumentException("cannot remove the last server");
        setConfiguration(peers.stream().filter(p -> !p.getId().equals(peerId(id))).toList());
    }

    private void setConfiguration(List<RaftPeer> next) throws IOException {
        try (RaftClient admin = newClient(RaftGroup.valueOf(GROUP_ID, currentPeers()), properties(config, config.dataDir().resolve("raft")))) {
            RaftClientReply reply = admin.admin().setConfiguration(next);
            if (!reply.isSuccess()) throw new IOException("membership change failed: " + reply.getException());
        }
    }

    public record LogEntryView(long index, long term, String type, String summary) {}

    /** Entries from {@code start} (or the oldest kept), at most {@code limit}. */
    public List<LogEntryView> logEntries(long start, int limit) throws IOException {
        RaftLog log = division().getRaftLog();
        long first = Math.max(start, log.getStartIndex());
        long last = lastLogIndex();
        List<LogEntryView> out = new ArrayList<>();
        for (long i = first; i <= last && out.size() < limit; i++) {
            LogEntryProto e;
            try {
                e = log.get(i);
            } catch (Exception ex) {
                throw new IOException("cannot read log entry " + i + ": " + ex.getMessage(), ex);
            }
            if (e == null) continue;
            out.add(LogSummaries.describe(e));
        }
        return out;
    }

    public long logStartIndex() {
        return division().getRaftLog().getStartIndex();
    }

    /** Forces a snapshot now (used by tests and `muster raft snapshot`). */
    public long snapshot() throws IOException {
        RaftClientReply r = client.getSnapshotManagementApi(selfId).create(30_000);
        if (!r.isSuccess()) throw new IOException("snapshot failed: " + r.getException());
        return r.getLogIndex();
    }

    /** Leaves gracefully: a leader first hands leadership to the most up-to-date follower. */
    public void shutdown() {
        try {
            if (isLeader() && currentPeers().size() > 1) {
                int to = transferLeadership(Optional.empty(), 3000);
                LOG.info("handed leadership to server {} before shutting down", to);
            }
        } catch (Exception e) {
            LOG.warn("could not hand leadership over before shutdown: {}", e.getMessage());
        }
        close();
    }

    @Override
    public void close() {
        try {
            client.close();
        } catch (IOException e) {
            LOG.debug("closing raft client", e);
        }
        try {
            server.close();
        } catch (IOException e) {
            LOG.warn("closing raft server: {}", e.getMessage());
        }
    }

    public File storageDir() {
        return config.dataDir().resolve("raft").toFile();
    }
}
