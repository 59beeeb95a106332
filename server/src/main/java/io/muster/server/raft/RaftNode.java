package io.muster.server.raft;

import io.muster.server.state.ClusterState;
import io.muster.server.tls.ServerCredentials;
import io.muster.types.config.ServerConfig;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.storage.RaftStorage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This server's Raft membership, from start to shutdown: owns the Ratis server and hands out the narrow views of
 * it — {@link RaftStatus} (leadership, members), {@link RaftProposer} (writes), {@link RaftAdmin} (leadership
 * transfer, membership, snapshots) and {@link RaftLogView}. Settings live in {@link RaftSettings}.
 */
public final class RaftNode implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RaftNode.class);
    /** Every Muster cluster uses one Raft group; a cluster's identity is its cluster id, not this. */
    public static final RaftGroupId GROUP_ID = RaftGroupId.valueOf(UUID.nameUUIDFromBytes("muster-control-plane".getBytes(StandardCharsets.UTF_8)));

    private final ServerConfig config;
    private final MusterStateMachine stateMachine;
    private final RaftServer server;
    private final DivisionStatus status;
    private final RaftProposer proposer;
    private final RaftAdmin admin;
    private final RaftLogView log;

    /**
     * @param clock           stamps proposed commands ({@link RaftProposer#propose})
     * @param credentials     this server's TLS identity: Raft runs over mutual TLS with server certificates only
     * @param raftInterceptor optional interceptor on Ratis' own gRPC server; tests use it to cut links
     *                        between servers (a partition) without touching the network
     */
    public RaftNode(ServerConfig config, ClusterState state, boolean join, Clock clock, ServerCredentials credentials,
                    org.apache.ratis.thirdparty.io.grpc.ServerInterceptor raftInterceptor) throws IOException {
        this.config = config;
        this.stateMachine = new MusterStateMachine(state);
        Path raftDir = config.dataDir().resolve("raft");
        Files.createDirectories(raftDir);
        io.muster.server.tls.ClusterInit.restrict(config.dataDir());
        RaftProperties p = RaftSettings.properties(config, raftDir);
        RaftGroup group = join ? RaftGroup.valueOf(GROUP_ID) : RaftGroup.valueOf(GROUP_ID, RaftSettings.peers(config.peers()));
        this.status = new DivisionStatus(this::division, RaftSettings.peerId(config.serverId()), config.peers());
        Parameters params = RaftSettings.parameters(credentials, new RaftPeerGate(credentials.secret().clusterId(), status::memberIds),
                raftInterceptor);
        this.server = RaftServer.newBuilder()
                .setServerId(RaftSettings.peerId(config.serverId()))
                .setGroup(group)
                .setProperties(p)
                .setParameters(params)
                .setStateMachine(stateMachine)
                .setOption(RaftStorage.StartupOption.RECOVER)
                .build();
        this.proposer = new RaftProposer(clock, peers -> RaftSettings.newClient(p, params, peers), RaftSettings.peers(config.peers()),
                this::currentPeers);
        this.admin = new RaftAdmin(config.serverId(), this::division, this::currentPeers, peers -> RaftSettings.newClient(p, params, peers),
                proposer);
        this.log = new RaftLogView(this::division);
    }

    public void start() throws IOException {
        server.start();
    }

    public MusterStateMachine stateMachine() {
        return stateMachine;
    }

    public RaftStatus status() {
        return status;
    }

    public RaftProposer proposer() {
        return proposer;
    }

    public RaftAdmin admin() {
        return admin;
    }

    public RaftLogView log() {
        return log;
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

    /** The current configuration's peers, as Ratis knows them. */
    public List<RaftPeer> currentPeers() {
        return new ArrayList<>(division().getRaftConf().getCurrentPeers());
    }

    /** Leaves gracefully: a leader first hands leadership to the most up-to-date follower. */
    public void shutdown() {
        try {
            if (status.isLeader() && currentPeers().size() > 1) {
                int to = admin.transferLeadership(Optional.empty(), 3000);
                LOG.info("handed leadership to server {} before shutting down", to);
            }
        } catch (Exception e) {
            LOG.warn("could not hand leadership over before shutdown: {}", e.getMessage());
        }
        close();
    }

    @Override
    public void close() {
        proposer.close();
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
