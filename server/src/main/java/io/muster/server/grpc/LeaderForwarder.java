package io.muster.server.grpc;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.muster.pki.tls.ClusterServerTrustManager;
import io.muster.proto.InternalServiceGrpc;
import io.muster.server.ServerSecurity;
import io.muster.server.state.ClusterState;
import io.muster.server.state.Records.ServerRecord;
import io.muster.types.config.HostPort;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/** mTLS channels from this server to the other servers' worker gRPC endpoints, for forwarding to the leader. */
final class LeaderForwarder implements AutoCloseable {
    private final ClusterState state;
    private final ServerSecurity.Material material;
    private final Clock clock;
    private final Map<Integer, ManagedChannel> channels = new ConcurrentHashMap<>();

    LeaderForwarder(ClusterState state, ServerSecurity.Material material, Clock clock) {
        this.state = state;
        this.material = material;
        this.clock = clock;
    }

    Optional<InternalServiceGrpc.InternalServiceStub> stub(int serverId) {
        return channel(serverId).map(ch -> InternalServiceGrpc.newStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS));
    }

    /** For long-lived streams: no deadline (the caller bounds each message's wait). */
    Optional<InternalServiceGrpc.InternalServiceStub> streamStub(int serverId) {
        return channel(serverId).map(InternalServiceGrpc::newStub);
    }

    private Optional<ManagedChannel> channel(int serverId) {
        ManagedChannel ch = channels.computeIfAbsent(serverId, id -> {
            Optional<ServerRecord> rec = state.servers().stream().filter(s -> s.id() == id).findFirst();
            if (rec.isEmpty() || rec.get().workerGrpcAddr().isEmpty()) return null;
            HostPort addr = HostPort.parse(rec.get().workerGrpcAddr());
            try {
                SslContext ssl = GrpcSslContexts.forClient()
                        .keyManager(material.keys())
                        .trustManager(new ClusterServerTrustManager(material.clusterCaCert(), material.clusterId(), clock))
                        .build();
                return NettyChannelBuilder.forAddress(addr.host(), addr.port()).sslContext(ssl).build();
            } catch (SSLException e) {
                return null;
            }
        });
        return Optional.ofNullable(ch);
    }

    @Override
    public void close() {
        channels.values().forEach(ManagedChannel::shutdownNow);
        channels.clear();
    }
}
