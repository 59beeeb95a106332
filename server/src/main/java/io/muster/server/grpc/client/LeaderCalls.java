package io.muster.server.grpc.client;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.muster.pki.tls.ClusterServerTrustManager;
import io.muster.server.ServerSecurity;
import io.muster.server.raft.RaftStatus;
import io.muster.server.service.ClusterInfoService;
import io.muster.types.config.HostPort;
import io.muster.types.config.ServerConfig;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Leader-only reads (node views carry the leader's heartbeat leases; the cluster status its members' match indexes)
 * that reach a follower are forwarded to the leader's client API, with the caller's own token, as the REST API proxies
 * them. A forwarded call is marked, and a server that is no longer leader when it arrives answers UNAVAILABLE rather
 * than forwarding again. Writes need none of this: the {@link io.muster.server.Proposer} forwards them through Raft.
 */
final class LeaderCalls implements AutoCloseable {
    static final Metadata.Key<String> FORWARDED = Metadata.Key.of("x-muster-forwarded", Metadata.ASCII_STRING_MARSHALLER);
    /** Set by {@link ClientGrpcServer}'s interceptor on calls that arrived forwarded. */
    static final io.grpc.Context.Key<Boolean> WAS_FORWARDED = io.grpc.Context.key("muster.client.forwarded");

    private final ServerConfig config;
    private final RaftStatus raft;
    private final ClusterInfoService info;
    private final Clock clock;
    private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
    private volatile ServerSecurity.Material material;

    LeaderCalls(ServerConfig config, RaftStatus raft, ClusterInfoService info, Clock clock) {
        this.config = config;
        this.raft = raft;
        this.info = info;
        this.clock = clock;
    }

    void start(ServerSecurity.Material m) {
        this.material = m;
    }

    /**
     * Answers the call here when this server leads (returns false); otherwise forwards it to the leader and relays the
     * answer (returns true).
     */
    <Q, R> boolean forwarded(MethodDescriptor<Q, R> method, Q request, StreamObserver<R> out) {
        if (raft.isLeader()) return false;
        if (Boolean.TRUE.equals(WAS_FORWARDED.get())) {
            out.onError(Status.UNAVAILABLE.withDescription("LEADER_MOVED: leadership is moving; retry").asRuntimeException());
            return true;
        }
        Optional<Integer> leader = raft.leaderId();
        if (leader.isEmpty()) {
            out.onError(Status.UNAVAILABLE.withDescription("NO_LEADER: the cluster has no leader right now (an election is running or a quorum of servers is unreachable)").asRuntimeException());
            return true;
        }
        Optional<String> api = info.apiAddrOf(leader.get());
        if (api.isEmpty()) {
            out.onError(Status.UNAVAILABLE.withDescription("LEADER_UNKNOWN: server " + leader.get() + " leads but its address is not known here").asRuntimeException());
            return true;
        }
        HostPort target = ClientGrpcServer.clientAddress(HostPort.parse(api.get()));
        Metadata headers = new Metadata();
        headers.put(FORWARDED, Integer.toString(config.serverId()));
        String auth = ClientAuth.CALLER_AUTHORIZATION.get();
        if (auth != null) headers.put(ClientAuth.AUTHORIZATION, auth);
        var channel = io.grpc.ClientInterceptors.intercept(channel(target, leader.get()), MetadataUtils.newAttachHeadersInterceptor(headers));
        // Made in the caller's context: its cancellation and deadline carry over to the forwarded call.
        ClientCalls.asyncUnaryCall(channel.newCall(method, CallOptions.DEFAULT.withDeadlineAfter(15, TimeUnit.SECONDS)), request, new StreamObserver<R>() {
            @Override
            public void onNext(R value) {
                out.onNext(value);
            }

            @Override
            public void onError(Throwable t) {
                Status s = Status.fromThrowable(t);
                Metadata trailers = Status.trailersFromThrowable(t);
                String d = s.getDescription() == null ? "" : s.getDescription();
                boolean transport = s.getCode() == Status.Code.UNAVAILABLE && (trailers == null || trailers.get(Errors.CODE) == null)
                        && !d.startsWith("LEADER_") && !d.startsWith("NO_LEADER");
                // The leader's own answers pass through as they are; a failure to reach it says which leader was tried.
                out.onError(transport
                        ? Status.UNAVAILABLE.withDescription("LEADER_UNREACHABLE: could not reach leader " + leader.get() + " at " + target).asRuntimeException()
                        : s.asRuntimeException(trailers));
            }

            @Override
            public void onCompleted() {
                out.onCompleted();
            }
        });
        return true;
    }

    private ManagedChannel channel(HostPort target, int leaderId) {
        return channels.computeIfAbsent(target.toString(), k -> {
            NettyChannelBuilder b = NettyChannelBuilder.forAddress(target.host(), target.port());
            if (config.dev()) return b.usePlaintext().build();
            ServerSecurity.Material m = material;
            try {
                // The leader is identified by its muster://<cluster>/server/<id> SAN under the cluster CA, not by host name.
                return b.sslContext(GrpcSslContexts.forClient()
                        .trustManager(new ClusterServerTrustManager(m.clusterCaCert(), m.clusterId(), clock)).build()).build();
            } catch (javax.net.ssl.SSLException e) {
                throw new IllegalStateException("cannot build the TLS context for leader " + leaderId, e);
            }
        });
    }

    @Override
    public void close() {
        channels.values().forEach(ManagedChannel::shutdownNow);
        channels.clear();
    }
}
