package io.muster.server.grpc;

import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.Status;
import io.muster.pki.Identity;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Every authenticated call in progress, by the identity of its client certificate, so that no call outlives the
 * certificate it was accepted with. The TLS layer checks a certificate once per connection and connections live for
 * days; so each call is checked when it starts and on each message it brings, {@link #sweep()} (every second)
 * ends calls whose certificate has expired — open polls and control streams included — and {@link #recheck(long)}
 * ends a node's calls once the replicated state stops accepting their certificate (superseded twice, revoked).
 *
 * <p>A call ended here is closed with its status, and its handler sees a cancellation (so a waiting poll or a
 * control stream is forgotten at once rather than at its own timeout).
 */
final class OpenCalls {
    /** What a connection's client certificate says, read once per TLS session. */
    record Peer(Identity identity, String serialHex, Instant notAfter) {}

    private final String clusterId;
    private final Clock clock;
    private final NodeCertificates certs;
    private final java.util.function.Predicate<String> serverMember;
    private final Map<Identity, Set<Guarded<?, ?>>> byIdentity = new ConcurrentHashMap<>();

    OpenCalls(String clusterId, Clock clock, NodeCertificates certs) {
        this(clusterId, clock, certs, id -> true);
    }

    /** @param serverMember whether a server id is a current Raft member: a removed server's certificate stops working here too */
    OpenCalls(String clusterId, Clock clock, NodeCertificates certs, java.util.function.Predicate<String> serverMember) {
        this.clusterId = clusterId;
        this.clock = clock;
        this.certs = certs;
        this.serverMember = serverMember;
    }

    /** Why a call made with {@code peer}'s certificate may not run now; empty if it may. */
    Optional<Status> refusal(Peer peer) {
        Instant now = clock.instant();
        if (now.isAfter(peer.notAfter()))
            return Optional.of(Status.UNAUTHENTICATED.withDescription("client certificate (serial " + peer.serialHex() + ") of "
                    + peer.identity() + " expired at " + peer.notAfter()));
        if (peer.identity().kind() == Identity.Kind.NODE) return certs.refusal(peer.identity().nodeId(), peer.serialHex());
        if (!serverMember.test(peer.identity().id()))
            return Optional.of(Status.PERMISSION_DENIED.withDescription(peer.identity() + " is not a member of this cluster's Raft group"));
        return Optional.empty();
    }

    /** Starts {@code call} through {@code start} with a guard that can end it; the returned listener is the one to hand gRPC. */
    <Q, R> ServerCall.Listener<Q> track(Peer peer, ServerCall<Q, R> call, Function<ServerCall<Q, R>, ServerCall.Listener<Q>> start) {
        Guarded<Q, R> g = new Guarded<>(call, peer);
        byIdentity.computeIfAbsent(peer.identity(), k -> ConcurrentHashMap.newKeySet()).add(g);
        try {
            return g.listen(start.apply(g));
        } catch (RuntimeException e) {
            forget(g);
            throw e;
        }
    }

    /** Ends every call whose certificate has expired. Run every second by the server; tests call it after moving the clock. */
    void sweep() {
        Instant now = clock.instant();
        for (Set<Guarded<?, ?>> calls : byIdentity.values()) {
            for (Guarded<?, ?> g : calls) {
                if (now.isAfter(g.peer.notAfter())) refusal(g.peer).ifPresent(g::end);
            }
        }
    }

    /** Ends node {@code nodeId}'s calls whose certificate the replicated state no longer accepts. */
    void recheck(long nodeId) {
        Set<Guarded<?, ?>> calls = byIdentity.get(Identity.node(clusterId, nodeId));
        if (calls != null) for (Guarded<?, ?> g : calls) refusal(g.peer).ifPresent(g::end);
    }

    /** Every call, after the state was replaced by a snapshot. */
    void recheckAll() {
        for (Set<Guarded<?, ?>> calls : byIdentity.values()) for (Guarded<?, ?> g : calls) refusal(g.peer).ifPresent(g::end);
    }

    int size() {
        return byIdentity.values().stream().mapToInt(Set::size).sum();
    }

    private void forget(Guarded<?, ?> g) {
        byIdentity.computeIfPresent(g.peer.identity(), (k, set) -> {
            set.remove(g);
            return set.isEmpty() ? null : set;
        });
    }

    /**
     * A call that can be ended from another thread. gRPC calls are not thread-safe: the handler's sends and closes and
     * our {@link #end} are serialized on this object, and whatever the handler sends after the end is dropped.
     */
    private final class Guarded<Q, R> extends ForwardingServerCall.SimpleForwardingServerCall<Q, R> {
        final Peer peer;
        private boolean closed; // guarded by this
        private volatile boolean ended;

        Guarded(ServerCall<Q, R> call, Peer peer) {
            super(call);
            this.peer = peer;
        }

        @Override
        public synchronized void sendHeaders(Metadata headers) {
            if (!closed) super.sendHeaders(headers);
        }

        @Override
        public synchronized void sendMessage(R message) {
            if (!closed) super.sendMessage(message);
        }

        @Override
        public void close(Status status, Metadata trailers) {
            synchronized (this) {
                if (closed) return;
                closed = true;
                super.close(status, trailers);
            }
            forget(this);
        }

        void end(Status why) {
            synchronized (this) {
                if (closed) return;
                closed = true;
                ended = true;
                super.close(why, new Metadata());
            }
            forget(this);
        }

        ServerCall.Listener<Q> listen(ServerCall.Listener<Q> handler) {
            return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(handler) {
                @Override
                public void onMessage(Q message) {
                    // A stream's messages are checked too: a control stream may run for days on one certificate.
                    Optional<Status> refused = ended ? Optional.empty() : refusal(peer);
                    refused.ifPresent(Guarded.this::end);
                    if (!ended) super.onMessage(message);
                }

                @Override
                public void onHalfClose() {
                    if (!ended) super.onHalfClose();
                }

                @Override
                public void onComplete() {
                    forget(Guarded.this);
                    // Closed by us, not by the handler: tell the handler as a cancellation, so it drops what it holds.
                    if (ended) super.onCancel();
                    else super.onComplete();
                }

                @Override
                public void onCancel() {
                    forget(Guarded.this);
                    super.onCancel();
                }
            };
        }
    }
}
