package io.muster.worker.rpc;

import io.grpc.ManagedChannel;
import io.muster.proto.WorkerServiceGrpc;
import io.muster.types.config.HostPort;
import io.muster.worker.identity.WorkerIdentity;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's connection to the cluster: one mTLS channel to one server at a time, shared by the poll loop, the
 * heartbeat loop, the control stream and certificate renewal.
 *
 * <p>Callers take a {@link Lease} (the channel plus a generation number) and report a failure with the lease they
 * used. Only the first report for a generation moves to the next server, so the loops, which all notice a dead server
 * at about the same time, move once rather than once each.
 */
public final class Session implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Session.class);

    /** A channel to one server, valid until the session moves on. */
    public record Lease(long generation, HostPort server, ManagedChannel channel) {
        public WorkerServiceGrpc.WorkerServiceBlockingStub blocking() {
            return WorkerServiceGrpc.newBlockingStub(channel);
        }

        public WorkerServiceGrpc.WorkerServiceStub async() {
            return WorkerServiceGrpc.newStub(channel);
        }
    }

    /** Told whenever the current lease was replaced (failover, new certificate, server removed). */
    public interface Listener {
        void leaseChanged();
    }

    private final ServerList servers;
    private final TlsChannels channels;
    private final Clock clock;
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    /** Channels replaced while calls were in flight on them; closed for good by {@link #close()}. */
    private final List<ManagedChannel> retired = new ArrayList<>();
    private WorkerIdentity identity;
    private Lease lease;
    private long generation;
    private boolean closed;

    public Session(ServerList servers, TlsChannels channels, WorkerIdentity identity, Clock clock) {
        this.servers = servers;
        this.channels = channels;
        this.identity = identity;
        this.clock = clock;
    }

    public void addListener(Listener listener) {
        listeners.add(listener);
    }

    /** The current lease, connecting to the current server if needed. */
    public synchronized Lease current() {
        if (closed) {
            throw new IllegalStateException("the worker's session is closed");
        }
        if (lease == null) {
            HostPort server = servers.current();
            lease = new Lease(++generation, server, channels.mutual(server, identity, clock));
        }
        return lease;
    }

    public synchronized HostPort currentServer() {
        return lease != null ? lease.server() : servers.current();
    }

    public synchronized WorkerIdentity identity() {
        return identity;
    }

    /**
     * The call made on {@code failed} did not work: unless someone already moved on from that lease, drop its
     * channel and move to the next server.
     */
    public void failover(Lease failed, String reason) {
        synchronized (this) {
            if (closed || lease == null || lease.generation() != failed.generation()) {
                return;
            }
            lease.channel().shutdownNow();
            lease = null;
            HostPort next = servers.advance();
            if (next.equals(failed.server())) {
                log.warn("server {} failed ({}); it is the only server known, retrying it", failed.server(), reason);
            } else {
                log.warn("server {} failed ({}); moving to {}", failed.server(), reason, next);
            }
        }
        notifyListeners();
    }

    /**
     * Switches to a new identity (after certificate renewal): new channel to the same server. Calls in flight on the
     * old channel finish normally; the old channel closes once they have.
     */
    public void rebuild(WorkerIdentity newIdentity) {
        synchronized (this) {
            identity = newIdentity;
            if (lease != null) {
                retire(lease.channel());
                lease = null;
            }
        }
        notifyListeners();
    }

    /** Takes in a server list a server sent; moves on if the current server is no longer part of the cluster. */
    public void updateServers(List<String> advertised) {
        if (advertised.isEmpty()) {
            return;
        }
        Lease stale = null;
        synchronized (this) {
            if (servers.update(advertised) && lease != null) {
                stale = lease;
            }
        }
        if (stale != null) {
            log.info("server {} is no longer in the cluster's server list; moving to {}", stale.server(), servers.current());
            synchronized (this) {
                if (lease == stale) {
                    retire(stale.channel());
                    lease = null;
                }
            }
            notifyListeners();
        }
    }

    /** Graceful: calls in flight finish (a long poll may take its full wait), no new ones start. */
    private void retire(ManagedChannel channel) {
        channel.shutdown();
        retired.removeIf(ManagedChannel::isTerminated);
        retired.add(channel);
    }

    public int serverCount() {
        return servers.size();
    }

    private void notifyListeners() {
        for (Listener listener : listeners) {
            try {
                listener.leaseChanged();
            } catch (RuntimeException e) {
                log.warn("session listener failed: {}", e.toString());
            }
        }
    }

    @Override
    public void close() {
        List<ManagedChannel> channels;
        synchronized (this) {
            closed = true;
            channels = new ArrayList<>(retired);
            if (lease != null) {
                channels.add(lease.channel());
            }
            lease = null;
            retired.clear();
        }
        channels.forEach(ManagedChannel::shutdownNow);
        for (ManagedChannel channel : channels) {
            try {
                channel.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
