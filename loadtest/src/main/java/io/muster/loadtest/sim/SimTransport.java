package io.muster.loadtest.sim;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.InternalNettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.nio.NioIoHandler;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.muster.pki.tls.ClusterServerTrustManager;
import io.muster.pki.tls.PinnedServerTrustManager;
import io.muster.pki.token.TokenClaims;
import io.muster.types.config.HostPort;
import java.net.InetSocketAddress;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLException;

/**
 * What every simulated worker shares so that 10,000 channels stay cheap: one Netty event loop group (one
 * thread per core), one callback executor, one timer, one registration TLS context (no client key, pinned
 * to the CA in the token) and one trust manager for the mTLS channels. Each worker still has its own
 * key, certificate, TLS context and TCP connection.
 */
public final class SimTransport implements AutoCloseable {
    private final EventLoopGroup group;
    private final Class<? extends Channel> channelType;
    private final ExecutorService callbacks;
    private final ExecutorService work;
    private final ScheduledThreadPoolExecutor timer;
    private final SslContext registerSsl;
    private volatile ClusterServerTrustManager serverTrust;

    public SimTransport(TokenClaims token) throws SSLException {
        int cores = Runtime.getRuntime().availableProcessors();
        boolean epoll = Epoll.isAvailable();
        this.group = new MultiThreadIoEventLoopGroup(cores, daemon("sim-netty"), epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        this.channelType = epoll ? EpollSocketChannel.class : NioSocketChannel.class;
        // Callbacks only record figures and start the next call; enough threads to keep up, never one per worker.
        this.callbacks = Executors.newFixedThreadPool(Math.max(2, cores), daemon("sim-callback"));
        // CPU work (TLS contexts, keys for churn) on its own threads, so it never delays a callback's timing.
        this.work = Executors.newFixedThreadPool(Math.max(1, cores), daemon("sim-work"));
        this.timer = new ScheduledThreadPoolExecutor(Math.max(1, cores / 2), daemon("sim-timer"));
        timer.setRemoveOnCancelPolicy(true);
        this.registerSsl = GrpcSslContexts.forClient().trustManager(new PinnedServerTrustManager(token.caPin(), token.clusterId(), Clock.systemUTC())).build();
    }

    private static ThreadFactory daemon(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    public ExecutorService executor() {
        return callbacks;
    }

    /** For CPU work: building TLS contexts, generating keys. */
    public ExecutorService work() {
        return work;
    }

    public ScheduledExecutorService timer() {
        return timer;
    }

    /** A fresh connection for one Register call, as a real worker's first contact makes. */
    ManagedChannel registerChannel(HostPort server) {
        return builder(server).sslContext(registerSsl).build();
    }

    /** The worker's own mTLS connection. */
    ManagedChannel workerChannel(HostPort server, SslContext ssl) {
        return builder(server).sslContext(ssl).build();
    }

    private NettyChannelBuilder builder(HostPort server) {
        // A socket address, not a name: no resolver thread or DNS lookup per channel.
        NettyChannelBuilder b = NettyChannelBuilder.forAddress(new InetSocketAddress(server.host(), server.port()))
                .eventLoopGroup(group).channelType(channelType).executor(callbacks).offloadExecutor(callbacks)
                .maxInboundMessageSize(64 * 1024 * 1024);
        // With stats and tracing on, every build() looks for the census classes with Class.forName; a class that is
        // not there is searched for through every jar again each time (~20 ms here). Two builds per simulated worker
        // made that the simulator's bottleneck during a join (one sim-work thread per core, ~55 registrations/s).
        InternalNettyChannelBuilder.setStatsEnabled(b, false);
        InternalNettyChannelBuilder.setTracingEnabled(b, false);
        return b;
    }

    /** The cluster CA arrives with the first registration; every worker then trusts the same CA. */
    synchronized ClusterServerTrustManager serverTrust(X509Certificate clusterCa, String clusterId) {
        if (serverTrust == null) serverTrust = new ClusterServerTrustManager(clusterCa, clusterId, Clock.systemUTC());
        return serverTrust;
    }

    SslContext workerSsl(PrivateKey key, X509Certificate cert, ClusterServerTrustManager trust) throws SSLException {
        return GrpcSslContexts.forClient().keyManager(new WorkerKeyManager(key, cert)).trustManager(trust).build();
    }

    @Override
    public void close() {
        timer.shutdownNow();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        callbacks.shutdownNow();
        work.shutdownNow();
        try {
            group.terminationFuture().await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
