package io.muster.worker;

import io.muster.proto.NodeProfile;
import io.muster.types.config.WorkerConfig;
import io.muster.worker.identity.JoinToken;
import io.muster.worker.identity.IdentityException;
import io.muster.worker.identity.IdentityStore;
import io.muster.worker.identity.Registrar;
import io.muster.worker.identity.WorkerIdentity;
import io.muster.worker.rpc.ServerList;
import io.muster.worker.rpc.TlsChannels;
import io.muster.worker.util.Waker;
import java.io.IOException;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who this node is: at start-up it checks what can be checked locally (a recorded revocation, the identity files,
 * the join token), and when there is no usable identity it registers with the token and saves the identity it
 * gets. It exists to keep "becoming a node" apart from "running as one": after {@link #join}, the daemon either has
 * an identity or stops.
 */
final class NodeBootstrap {
    private static final Logger log = LoggerFactory.getLogger(NodeBootstrap.class);

    /**
     * The node's identity, and the heartbeat TTL a fresh registration was given (0 when an identity was reused).
     */
    record Joined(WorkerIdentity identity, int initialTtlSecs) {}

    private final WorkerConfig config;
    private final WorkerOptions options;
    private final IdentityStore store;
    private WorkerIdentity existing;
    private JoinToken token;

    NodeBootstrap(WorkerConfig config, WorkerOptions options, IdentityStore store) {
        this.config = config;
        this.options = options;
        this.store = store;
    }

    /**
     * Finds a usable identity, or failing that a join token to register with.
     *
     * @throws WorkerException if the node was revoked, or has neither a usable identity nor a usable token
     */
    void check() {
        Optional<String> revocation = store.revocation();
        if (revocation.isPresent()) {
            // Servers refuse this identity in every handshake; starting would only retry forever.
            throw new WorkerException(revocation.get() + ". " + rejoinAdvice());
        }
        try {
            existing = store.load(options.clock().instant()).orElse(null);
        } catch (IdentityException e) {
            token = JoinToken.fromConfig(config).orElseThrow(() -> new WorkerException(e.getMessage()
                    + "; no join token is configured to register again (set token or token_file)"));
            log.warn("{}; registering again with join token {}", e.getMessage(), token.id());
            return;
        }
        if (existing == null) {
            token = JoinToken.fromConfig(config).orElseThrow(() -> new WorkerException("this worker has no identity in "
                    + store.dir() + " and no join token to register with; set token or token_file in the"
                    + " worker configuration"));
        }
    }

    /** The cluster this node belongs to, or joins: its identity's, else its join token's. Call after {@link #check}. */
    String clusterId() {
        return existing != null ? existing.clusterId() : token.claims().clusterId();
    }

    /** Whether {@link #join} will register (no usable identity on disk). */
    boolean needsRegistration() {
        return existing == null;
    }

    /**
     * Reuses the identity on disk, or registers with the token (retrying with backoff until {@code stopping} closes)
     * and saves the new identity; the servers a registration answer lists replace the configured ones.
     *
     * @return empty if closed while registering
     */
    Optional<Joined> join(ServerList servers, TlsChannels channels, Waker stopping, Supplier<NodeProfile> profile) {
        if (existing != null) {
            log.info("using identity of node {} (cluster {}, certificate valid until {}) from {}", existing.nodeId(),
                    existing.clusterId(), existing.notAfter(), store.dir());
            return Optional.of(new Joined(existing, 0));
        }
        Registrar registrar = new Registrar(servers, channels, options.clock(), options.backoff(), stopping,
                options.callTimeout());
        Optional<Registrar.Result> result = registrar.register(token, profile.get());
        if (result.isEmpty()) {
            return Optional.empty();
        }
        WorkerIdentity identity = result.get().identity();
        try {
            store.save(identity);
        } catch (IOException e) {
            throw new WorkerException("registered as node " + identity.nodeId() + " but cannot save the identity to "
                    + store.dir() + ": " + e.getMessage() + "; fix the directory and register with a new token", e);
        }
        servers.update(result.get().servers());
        // The address that proved itself (pinned TLS) stays, even if it came from a LAN announcement: the cluster may
        // advertise addresses this worker cannot reach (a loopback API host, another network).
        servers.confirm(result.get().via());
        return Optional.of(new Joined(identity, result.get().heartbeatTtlSecs()));
    }

    /** Records that a server revoked this node, so that the next start refuses at once. */
    void markRevoked(String what) {
        try {
            store.markRevoked(what + " at " + options.clock().instant());
        } catch (IOException e) {
            log.warn("cannot record the revocation in {}: {}", store.dir(), e.getMessage());
        }
    }

    String rejoinAdvice() {
        return "To join again, delete " + store.dir() + " and start the worker with a new join token";
    }
}
