package io.muster.worker.identity;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.muster.pki.Csrs;
import io.muster.pki.Keys;
import io.muster.pki.pem.Pem;
import io.muster.pki.pem.PemException;
import io.muster.pki.tls.PinnedServerTrustManager;
import io.muster.proto.NodeProfile;
import io.muster.proto.RegisterRequest;
import io.muster.proto.RegisterResponse;
import io.muster.proto.WorkerServiceGrpc;
import io.muster.types.config.HostPort;
import io.muster.worker.WorkerException;
import io.muster.worker.rpc.Backoff;
import io.muster.worker.rpc.RpcErrors;
import io.muster.worker.rpc.ServerList;
import io.muster.worker.rpc.TlsChannels;
import io.muster.worker.util.Waker;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Joins the cluster with a join token: generates the worker's key locally (it never leaves the machine), sends
 * a CSR and the node profile to a server it trusts only through the token's CA pin, and checks what comes back.
 *
 * <p>Transient failures (server down, not the leader, timeouts) move to the next server with backoff, indefinitely;
 * a refusal (bad, expired or used-up token, disallowed labels...) ends registration with the server's reason,
 * because retrying the same token cannot help.
 */
public final class Registrar {
    private static final Logger log = LoggerFactory.getLogger(Registrar.class);

    /** Codes with which a server refuses a registration for good. */
    private static final Set<Status.Code> REFUSALS = EnumSet.of(Status.Code.INVALID_ARGUMENT, Status.Code.NOT_FOUND,
            Status.Code.ALREADY_EXISTS, Status.Code.PERMISSION_DENIED, Status.Code.RESOURCE_EXHAUSTED,
            Status.Code.FAILED_PRECONDITION, Status.Code.OUT_OF_RANGE, Status.Code.UNIMPLEMENTED,
            Status.Code.UNAUTHENTICATED);
    /** Full rounds over the server list in which every server failed the pin before registration gives up. */
    private static final int TRUST_FAILURE_ROUNDS = 3;

    /**
     * A new identity plus what the server said about heartbeats and membership.
     *
     * @param via the server that registered the worker: it passed the token's CA pin
     */
    public record Result(WorkerIdentity identity, int heartbeatTtlSecs, int heartbeatGraceSecs, List<String> servers,
                         HostPort via) {}

    private final ServerList servers;
    private final TlsChannels channels;
    private final Clock clock;
    private final Backoff backoff;
    private final Waker waker;
    private final Duration callTimeout;

    public Registrar(ServerList servers, TlsChannels channels, Clock clock, Backoff backoff, Waker waker,
                     Duration callTimeout) {
        this.servers = servers;
        this.channels = channels;
        this.clock = clock;
        this.backoff = backoff;
        this.waker = waker;
        this.callTimeout = callTimeout;
    }

    /**
     * Registers, retrying until a server answers.
     *
     * @return empty if {@link Waker#close()} stopped it first
     * @throws WorkerException if the token cannot work or a server refused it
     */
    public Optional<Result> register(JoinToken token, NodeProfile profile) {
        checkLocally(token, profile);
        KeyPair key = Keys.generateP256();
        byte[] csr = Csrs.create(key, "muster-worker " + profile.getHostname());
        RegisterRequest request = RegisterRequest.newBuilder()
                .setToken(token.secret())
                .setCsrDer(ByteString.copyFrom(csr))
                .setProfile(profile)
                .build();
        int consecutiveTrustFailures = 0;
        String lastTrustFailure = null;
        while (!waker.isClosed()) {
            HostPort server = servers.current();
            PinnedServerTrustManager trust = new PinnedServerTrustManager(token.claims().caPin(),
                    token.claims().clusterId(), clock);
            ManagedChannel channel = channels.firstContact(server, trust);
            try {
                log.info("registering with {} using join token {}", server, token.id());
                RegisterResponse response = WorkerServiceGrpc.newBlockingStub(channel)
                        .withDeadlineAfter(callTimeout.toMillis(), TimeUnit.MILLISECONDS)
                        .register(request);
                X509Certificate pinnedCa = trust.pinnedCaCertificate().orElseThrow(() ->
                        new WorkerException("registration with " + server + " succeeded without a verified TLS handshake"));
                WorkerIdentity identity = accept(response, key, token, pinnedCa, server);
                log.info("registered as node {} of cluster {} via {}; certificate valid until {}",
                        identity.nodeId(), identity.clusterId(), server, identity.notAfter());
                return Optional.of(new Result(identity, response.getHeartbeatTtlSecs(),
                        response.getHeartbeatGraceSecs(), response.getServersList(), server));
            } catch (StatusRuntimeException e) {
                Optional<Duration> busy = RpcErrors.busyPushback(e);
                if (REFUSALS.contains(e.getStatus().getCode()) && busy.isEmpty()) {
                    String said = token.scrub(RpcErrors.serverMessage(e));
                    throw new WorkerException((said.startsWith("registration refused") ? "" : "registration refused: ")
                            + said + " (" + e.getStatus().getCode() + " from " + server + ")");
                }
                String reason = token.scrub(RpcErrors.describe(e));
                if (RpcErrors.isTrustFailure(e)) {
                    consecutiveTrustFailures++;
                    lastTrustFailure = reason;
                    if (consecutiveTrustFailures >= TRUST_FAILURE_ROUNDS * servers.size()) {
                        throw new WorkerException("cannot register: no server proved it belongs to the cluster pinned by"
                                + " join token " + token.id() + " (" + token.claims().caPin() + "); last error from "
                                + server + ": " + lastTrustFailure + ". Check that the token was made by this cluster"
                                + " and that the configured servers are its servers");
                    }
                } else {
                    consecutiveTrustFailures = 0;
                }
                Duration wait = backoff.next();
                if (busy.isPresent() && busy.get().compareTo(wait) > 0) wait = busy.get(); // the server said how long
                HostPort next = servers.advance();
                log.warn("registration with {} failed: {}; trying {} in {} ms", server, reason, next, wait.toMillis());
                waker.await(wait);
            } finally {
                channel.shutdownNow();
            }
        }
        return Optional.empty();
    }

    /** Problems the worker can see without asking a server, reported before any key is generated. */
    private void checkLocally(JoinToken token, NodeProfile profile) {
        Instant now = clock.instant();
        if (!now.isBefore(token.claims().expiresAt())) {
            throw new WorkerException("join token " + token.id() + " expired at " + token.claims().expiresAt()
                    + "; ask an operator for a new one");
        }
        token.claims().disallowedLabel(profile.getLabelsMap()).ifPresent(label -> {
            throw new WorkerException("join token " + token.id() + " does not allow the label " + label
                    + " (it allows only " + token.claims().allowedLabels() + "); change the worker's labels or use another token");
        });
    }

    private WorkerIdentity accept(RegisterResponse response, KeyPair key, JoinToken token,
                                  X509Certificate pinnedCa, HostPort server) {
        String expectedCluster = token.claims().clusterId();
        if (!response.getClusterId().isEmpty() && !response.getClusterId().equals(expectedCluster)) {
            throw new WorkerException("server " + server + " registered this worker in cluster '" + response.getClusterId()
                    + "' but the join token is for cluster '" + expectedCluster + "'");
        }
        try {
            List<X509Certificate> chain = Pem.decodeCertificates(response.getCertificatePem());
            List<X509Certificate> cas = Pem.decodeCertificates(response.getCaPem());
            return WorkerIdentity.verify(key.getPrivate(), chain, cas, expectedCluster, response.getNodeId(), pinnedCa,
                    clock.instant());
        } catch (PemException | IdentityException e) {
            throw new WorkerException("server " + server + " accepted the registration but its certificate is unusable: "
                    + e.getMessage());
        }
    }
}
