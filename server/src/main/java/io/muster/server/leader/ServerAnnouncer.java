package io.muster.server.leader;

import io.muster.proto.raft.AnnounceServer;
import io.muster.proto.raft.Command;
import io.muster.server.Proposer;
import io.muster.server.state.ClusterState;
import io.muster.server.state.Records.ServerRecord;
import io.muster.types.config.HostPort;
import io.muster.types.config.ServerConfig;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes this server's addresses (API, worker gRPC) in the replicated state so that workers learn
 * every server to fail over to and followers can redirect to the leader. Retries until committed.
 */
public final class ServerAnnouncer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ServerAnnouncer.class);
    public static final String VERSION = "0.1.0";
    private final ServerConfig config;
    private final ClusterState state;
    private final Proposer proposer;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "server-announcer");
        t.setDaemon(true);
        return t;
    });

    public ServerAnnouncer(ServerConfig config, ClusterState state, Proposer proposer) {
        this.config = config;
        this.state = state;
        this.proposer = proposer;
    }

    /** The worker gRPC address workers should dial: the bind address, or the API host when bound to all interfaces. */
    public static String advertisedGrpc(ServerConfig config) {
        HostPort g = config.workerGrpcAddr();
        boolean wildcard = g.host().equals("0.0.0.0") || g.host().equals("::");
        return (wildcard ? new HostPort(config.apiAddr().host(), g.port()) : g).toString();
    }

    private ServerRecord desired() {
        return new ServerRecord(config.serverId(), config.apiAddr().toString(), advertisedGrpc(config), config.raftAddr().toString(), VERSION);
    }

    public void start() {
        timer.schedule(this::attempt, 0, TimeUnit.MILLISECONDS);
    }

    private void attempt() {
        ServerRecord want = desired();
        if (state.servers().contains(want)) return;
        proposer.propose(Command.newBuilder().setAnnounceServer(AnnounceServer.newBuilder().setServerId(want.id())
                .setApiAddr(want.apiAddr()).setWorkerGrpcAddr(want.workerGrpcAddr()).setRaftAddr(want.raftAddr()).setVersion(VERSION)))
                .whenComplete((r, e) -> {
                    if (e != null || !r.getOk()) {
                        LOG.debug("announce not committed yet: {}", e != null ? e.getMessage() : r.getError());
                        if (!timer.isShutdown()) timer.schedule(this::attempt, 1, TimeUnit.SECONDS);
                    }
                });
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
