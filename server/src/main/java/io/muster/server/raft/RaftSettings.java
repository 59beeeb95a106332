package io.muster.server.raft;

import io.muster.server.tls.ServerCredentials;
import io.muster.types.config.HostPort;
import io.muster.types.config.Peer;
import io.muster.types.config.ServerConfig;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcFactory;
import org.apache.ratis.grpc.GrpcTlsConfig;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.LeaderNotReadyException;
import org.apache.ratis.protocol.exceptions.LeaderSteppingDownException;
import org.apache.ratis.protocol.exceptions.NotLeaderException;
import org.apache.ratis.retry.ExceptionDependentRetry;
import org.apache.ratis.retry.ExponentialBackoffRetry;
import org.apache.ratis.retry.MultipleLinearRandomRetry;
import org.apache.ratis.rpc.SupportedRpcType;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.thirdparty.io.grpc.ServerInterceptor;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;

/**
 * How Muster configures Ratis: the server and client properties (timeouts, snapshots, log segments), the TLS
 * parameters shared by the Raft port, our client and admin calls, the client's retry policy, and peer ids.
 */
final class RaftSettings {
    private RaftSettings() {}

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

    /**
     * One TLS configuration for all three roles (server port, our client, admin): mutual, server certificates of the
     * cluster CA only, the key read per handshake so renewals need no restart. The Raft port admits member servers
     * only ({@code gate}).
     *
     * @param raftInterceptor optional interceptor on Ratis' own gRPC server; tests use it to cut links
     *                        between servers (a partition) without touching the network
     */
    static Parameters parameters(ServerCredentials credentials, RaftPeerGate gate, ServerInterceptor raftInterceptor) {
        Parameters params = new Parameters();
        GrpcConfigKeys.TLS.setConf(params, new GrpcTlsConfig(credentials.keyManager(), credentials.peerTrustManager(), true));
        GrpcConfigKeys.Server.setServicesCustomizer(params, (builder, types) -> {
            builder.intercept(gate); // interceptors added later run first: a test partition, then the gate
            if (raftInterceptor != null) builder.intercept(raftInterceptor);
            return builder;
        });
        return params;
    }

    /** A Ratis client of {@code peers} with Muster's bounded retry policy. */
    static RaftClient newClient(RaftProperties p, Parameters params, List<RaftPeer> peers) {
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
                .setRaftGroup(RaftGroup.valueOf(RaftNode.GROUP_ID, peers))
                .setClientId(ClientId.randomId())
                .setClientRpc(new GrpcFactory(params).newRaftClientRpc(ClientId.randomId(), p))
                .setRetryPolicy(retry)
                .build();
    }

    static RaftPeerId peerId(int id) {
        return RaftPeerId.valueOf(Integer.toString(id));
    }

    static List<RaftPeer> peers(Collection<Peer> peers) {
        return peers.stream().map(RaftSettings::raftPeer).toList();
    }

    static RaftPeer raftPeer(Peer p) {
        return RaftPeer.newBuilder().setId(peerId(p.id())).setAddress(p.raftAddr().toString()).build();
    }
}
