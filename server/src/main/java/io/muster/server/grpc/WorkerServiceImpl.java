package io.muster.server.grpc;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.muster.pki.CertificateIssuer;
import io.muster.pki.CsrException;
import io.muster.pki.Csrs;
import io.muster.pki.Secrets;
import io.muster.pki.pem.Pem;
import io.muster.pki.token.JoinTokens;
import io.muster.pki.token.TokenClaims;
import io.muster.pki.token.TokenException;
import io.muster.proto.ControlReply;
import io.muster.proto.ControlRequest;
import io.muster.proto.PollRequest;
import io.muster.proto.PollResponse;
import io.muster.proto.RegisterRequest;
import io.muster.proto.RegisterResponse;
import io.muster.proto.RenewRequest;
import io.muster.proto.RenewResponse;
import io.muster.proto.StatusAck;
import io.muster.proto.StatusReport;
import io.muster.proto.WorkerServiceGrpc;
import io.muster.proto.raft.Command;
import io.muster.proto.raft.RecordCertificate;
import io.muster.proto.raft.RegisterNode;
import io.muster.server.Failures;
import io.muster.server.Proposer;
import io.muster.server.ServerSecurity;
import io.muster.server.leader.Heartbeats;
import io.muster.server.raft.RaftStatus;
import io.muster.server.state.ClusterState;
import io.muster.server.state.JoinRules;
import io.muster.server.state.Records.JoinTokenRecord;
import io.muster.types.config.ServerConfig;
import io.muster.types.state.NodeStatus;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The worker-facing gRPC service. Any server answers; heartbeats are forwarded to the leader. */
final class WorkerServiceImpl extends WorkerServiceGrpc.WorkerServiceImplBase {
    private static final Logger LOG = LoggerFactory.getLogger(WorkerServiceImpl.class);
    static final Duration TOKEN_SKEW = Duration.ofSeconds(60);
    /** A registration is ~200 bytes in the log: 500 keep an entry near 100 KB. */
    static final int REGISTRATIONS_PER_ENTRY = 500;
    /** Registrations waiting for an entry at most: four entries' worth. */
    static final int MAX_QUEUED_REGISTRATIONS = 4 * REGISTRATIONS_PER_ENTRY;
    /**
     * Register and RenewCertificate requests larger than this are refused before they are queued: a real one is a
     * token (~140 bytes), a CSR (~300 bytes) and a capped profile (~25 KB at most).
     */
    static final int MAX_CRYPTO_REQUEST_BYTES = 64 * 1024;
    /** How long a poll for a node this server has not seen registered yet waits for the registration to apply here. */
    static final Duration NEW_NODE_WAIT = Duration.ofSeconds(10);
    /** A relayed heartbeat not answered by the leader within this fails, so the worker tries another server. */
    static final Duration RELAY_TIMEOUT = Duration.ofSeconds(10);

    private final ServerConfig config;
    private final ClusterState state;
    private final Clock clock;
    private final Proposer proposer;
    private final RaftStatus raft;
    private final Duration workerCertLifetime;
    private final ServerSecurity.Material m;
    private final PollHub polls;
    private final ControlRegistry controls;
    private final Heartbeats heartbeats;
    private final io.muster.server.metrics.WorkerMetrics metrics;
    private final LeaderForwarder forwarder;
    private final Supplier<List<String>> servers;
    private final RegistrationBatcher registrations;
    private final StatusRelay relay;
    private final CryptoPool crypto;
    /** Set once the server has its keyring; until then FetchSecrets answers UNAVAILABLE. */
    private volatile SecretFetch secrets;

    WorkerServiceImpl(ServerConfig config, ClusterState state, Clock clock, Proposer proposer, RaftStatus raft, Duration workerCertLifetime,
                      ServerSecurity.Material m, PollHub polls, ControlRegistry controls, Heartbeats heartbeats,
                      LeaderForwarder forwarder, Supplier<List<String>> servers, CryptoPool crypto,
                      io.muster.server.metrics.WorkerMetrics metrics) {
        this.crypto = crypto;
        this.metrics = metrics;
        this.config = config;
        this.state = state;
        this.clock = clock;
        this.proposer = proposer;
        this.raft = raft;
        this.workerCertLifetime = workerCertLifetime;
        this.m = m;
        this.polls = polls;
        this.controls = controls;
        this.heartbeats = heartbeats;
        this.forwarder = forwarder;
        this.servers = servers;
        this.registrations = new RegistrationBatcher(proposer::propose, REGISTRATIONS_PER_ENTRY, 2, MAX_QUEUED_REGISTRATIONS);
        // Opened in a fork of the current context: the worker call that happens to open the stream ends long before
        // the stream should, and a stream started in that call's context would be cancelled with it.
        this.relay = new StatusRelay((id, acks) -> forwarder.streamStub(id).map(stub -> {
            io.grpc.Context detached = io.grpc.Context.current().fork();
            io.grpc.Context previous = detached.attach();
            try {
                return stub.relayStatus(acks);
            } finally {
                detached.detach(previous);
            }
        }), RELAY_TIMEOUT);
    }

    @Override
    public void register(RegisterRequest req, StreamObserver<RegisterResponse> answer) {
        StreamObserver<RegisterResponse> out = timed(answer);
        // Cheap checks first, on the network thread: what is refused here never takes a place in the crypto queue.
        Optional<String> oversized = ProfileLimits.violation(req.getProfile());
        if (oversized.isPresent()) {
            out.onError(Status.INVALID_ARGUMENT.withDescription("registration refused: " + oversized.get()).asRuntimeException());
            return;
        }
        if (req.getSerializedSize() > MAX_CRYPTO_REQUEST_BYTES) { // an oversized token or CSR
            out.onError(Status.INVALID_ARGUMENT.withDescription("registration refused: the request has " + req.getSerializedSize()
                    + " bytes, at most " + MAX_CRYPTO_REQUEST_BYTES + " allowed").asRuntimeException());
            return;
        }
        crypto.submit(io.grpc.Context.current().wrap(() -> registerNow(req, out)), out, "registrations and renewals");
    }

    /** Counts the registration and its latency when it is answered (every path ends in onCompleted or onError, once). */
    private StreamObserver<RegisterResponse> timed(StreamObserver<RegisterResponse> out) {
        long started = System.nanoTime();
        return new StreamObserver<>() {
            @Override
            public void onNext(RegisterResponse r) {
                out.onNext(r);
            }

            @Override
            public void onError(Throwable t) {
                metrics.registration(false, System.nanoTime() - started);
                out.onError(t);
            }

            @Override
            public void onCompleted() {
                metrics.registration(true, System.nanoTime() - started);
                out.onCompleted();
            }
        };
    }

    /** Token, CSR and signature work (a few milliseconds of CPU): on the crypto pool, never on a network thread. */
    private void registerNow(RegisterRequest req, StreamObserver<RegisterResponse> out) {
        TokenClaims claims;
        try {
            claims = JoinTokens.verify(req.getToken(), m.tokenKey(), m.clusterId(), clock.instant(), TOKEN_SKEW);
        } catch (TokenException e) {
            out.onError(Status.UNAUTHENTICATED.withDescription("join token rejected: " + e.getMessage()).asRuntimeException());
            return;
        }
        Optional<String> badLabel = claims.disallowedLabel(req.getProfile().getLabelsMap());
        if (badLabel.isPresent()) {
            out.onError(Status.PERMISSION_DENIED.withDescription("label " + badLabel.get() + " is not allowed by join token "
                    + claims.tokenId() + " (allowed: " + claims.allowedLabels() + ")").asRuntimeException());
            return;
        }
        PublicKey key;
        try {
            key = Csrs.parseAndVerify(req.getCsrDer().toByteArray());
        } catch (CsrException e) {
            out.onError(Status.INVALID_ARGUMENT.withDescription("certificate signing request rejected: " + e.getMessage()).asRuntimeException());
            return;
        }
        byte[] keyHash = Secrets.sha256(key.getEncoded());
        // Refuse what this server's replicated token record already rules out, so that a used-up, expired or revoked
        // token costs no Raft entry per attempt. The apply re-checks the same rules deterministically (this copy may be
        // a little behind), and a retry of a registration that committed still goes through, as it does there.
        JoinTokenRecord rec = state.joinToken(claims.tokenId()).orElse(null);
        if (rec != null && !JoinRules.isRetry(rec, state.nodeByPublicKey(HexFormat.of().formatHex(keyHash)).orElse(null))) {
            Optional<JoinRules.Refusal> refused = JoinRules.refusal(rec, clock.millis());
            if (refused.isPresent()) {
                out.onError(refusal(refused.get().code(), refused.get().message()));
                return;
            }
        }
        CertificateIssuer.LeafPlan leaf;
        try {
            leaf = CertificateIssuer.planWorkerLeaf(m.workerCa(), clock.instant(), workerCertLifetime);
        } catch (RuntimeException ex) {
            out.onError(Status.INTERNAL.withDescription("could not issue the certificate: " + ex.getMessage()).asRuntimeException());
            return;
        }
        registrations.submit(RegisterNode.newBuilder()
                .setTokenId(claims.tokenId()).setProfile(req.getProfile())
                .setPublicKeySha256(ByteString.copyFrom(keyHash))
                .setRegisteredUnixMs(clock.millis())
                .setCertSerialHex(leaf.serialHex()).setCertNotAfterUnixMs(leaf.notAfter().toEpochMilli()).build()).whenComplete((r, e) -> {
            if (e != null) {
                out.onError(Failures.cause(e) instanceof java.util.concurrent.RejectedExecutionException rejected
                        ? CryptoPool.busy(rejected.getMessage()) : unavailable(e));
                return;
            }
            if (!r.getOk()) {
                out.onError(refusal(r.getErrorCode(), r.getError()));
                return;
            }
            try {
                // Serial and validity were recorded with the registration itself.
                X509Certificate cert = CertificateIssuer.issueWorkerLeaf(m.workerCa(), m.clusterId(), r.getNodeId(), key, leaf);
                var policy = config.heartbeat();
                out.onNext(RegisterResponse.newBuilder()
                        .setNodeId(r.getNodeId()).setClusterId(m.clusterId())
                        .setCertificatePem(Pem.encodeCertificate(cert)).setCaPem(m.caBundlePem())
                        .setHeartbeatTtlSecs(policy.baseTtlSecs(state.liveNodeCount())).setHeartbeatGraceSecs(policy.graceSecs())
                        .addAllServers(servers.get()).build());
                out.onCompleted();
                LOG.info("registered node {} ({}, token {})", r.getNodeId(), req.getProfile().getHostname(), claims.tokenId());
            } catch (RuntimeException ex) {
                out.onError(Status.INTERNAL.withDescription("could not issue the certificate: " + ex.getMessage()).asRuntimeException());
            }
        });
    }

    /** The same status for a refusal whether this server saw it before proposing or the apply found it. */
    private static StatusRuntimeException refusal(String code, String message) {
        Status st = switch (code) {
            case "TOKEN_UNKNOWN", "TOKEN_EXPIRED" -> Status.UNAUTHENTICATED;
            default -> Status.PERMISSION_DENIED;
        };
        return st.withDescription("registration refused: " + message).asRuntimeException();
    }

    @Override
    public void renewCertificate(RenewRequest req, StreamObserver<RenewResponse> out) {
        if (req.getSerializedSize() > MAX_CRYPTO_REQUEST_BYTES) {
            out.onError(Status.INVALID_ARGUMENT.withDescription("renewal refused: the request has " + req.getSerializedSize()
                    + " bytes, at most " + MAX_CRYPTO_REQUEST_BYTES + " allowed").asRuntimeException());
            return;
        }
        crypto.submit(io.grpc.Context.current().wrap(() -> renewNow(req, out)), out, "registrations and renewals");
    }

    /**
     * A new leaf is handed out only once its serial is committed and applied here: only recorded serials are
     * accepted, and the worker switches to the new leaf at once. Recording it moves the old serial to
     * {@code previous}, so the worker's open connections keep working until the next renewal.
     */
    private void renewNow(RenewRequest req, StreamObserver<RenewResponse> out) {
        long nodeId;
        PublicKey key;
        try {
            nodeId = Caller.requireNode(req.getNodeId());
            key = Csrs.parseAndVerify(req.getCsrDer().toByteArray());
        } catch (StatusRuntimeException e) {
            out.onError(e);
            return;
        } catch (CsrException e) {
            out.onError(Status.INVALID_ARGUMENT.withDescription("certificate signing request rejected: " + e.getMessage()).asRuntimeException());
            return;
        }
        X509Certificate cert;
        try {
            var plan = CertificateIssuer.planWorkerLeaf(m.workerCa(), clock.instant(), workerCertLifetime);
            cert = CertificateIssuer.issueWorkerLeaf(m.workerCa(), m.clusterId(), nodeId, key, plan);
        } catch (RuntimeException ex) {
            out.onError(Status.INTERNAL.withDescription("could not issue the certificate: " + ex.getMessage()).asRuntimeException());
            return;
        }
        proposer.propose(Command.newBuilder().setRecordCertificate(RecordCertificate.newBuilder().setNodeId(nodeId)
                        .setSerialHex(cert.getSerialNumber().toString(16)).setNotAfterUnixMs(cert.getNotAfter().getTime())))
                .thenCompose(r -> {
                    if (!r.getOk()) throw new java.util.concurrent.CompletionException(new SecurityException(r.getError()));
                    return state.awaitApplied(r.getIndex());
                })
                .whenComplete((v, e) -> {
                    if (e != null) {
                        Throwable c = Failures.cause(e);
                        out.onError(c instanceof SecurityException
                                ? Status.PERMISSION_DENIED.withDescription("renewal refused: " + c.getMessage()).asRuntimeException()
                                : Status.UNAVAILABLE.withDescription("the new certificate was not recorded: " + c.getMessage() + "; retry").asRuntimeException());
                        return;
                    }
                    out.onNext(RenewResponse.newBuilder().setCertificatePem(Pem.encodeCertificate(cert)).setCaPem(m.caBundlePem()).build());
                    out.onCompleted();
                });
    }

    void serveSecrets(SecretFetch fetch) {
        this.secrets = fetch;
    }

    @Override
    public void fetchSecrets(io.muster.proto.SecretFetchRequest req, StreamObserver<io.muster.proto.SecretFetchReply> out) {
        SecretFetch fetch = secrets;
        try {
            if (fetch == null) throw Status.UNAVAILABLE.withDescription("this server does not serve secrets yet").asRuntimeException();
            out.onNext(fetch.fetch(req));
            out.onCompleted();
        } catch (StatusRuntimeException e) {
            out.onError(e);
        }
    }

    @Override
    public void poll(PollRequest req, StreamObserver<PollResponse> out) {
        metrics.poll();
        try {
            long nodeId = Caller.requireNode(req.getNodeId());
            if (state.node(nodeId).isPresent()) {
                polls.poll(nodeId, req.getLastRevision(), req.getMaxWaitSecs(), out);
                return;
            }
            if (nodeId < state.nextNodeId()) {
                out.onError(Status.NOT_FOUND.withDescription("node " + nodeId + " is not registered in this cluster").asRuntimeException());
                return;
            }
            // Registered through another server a moment ago: this one has not applied that entry yet.
            state.awaitNodeId(nodeId).orTimeout(NEW_NODE_WAIT.toMillis(), TimeUnit.MILLISECONDS).whenComplete((v, e) -> {
                if (e != null) {
                    out.onError(Status.FAILED_PRECONDITION.withDescription("this server has not applied the registration of node " + nodeId
                            + " yet; try another server").asRuntimeException());
                } else {
                    polls.poll(nodeId, req.getLastRevision(), req.getMaxWaitSecs(), out);
                }
            });
        } catch (StatusRuntimeException e) {
            out.onError(e);
        }
    }

    @Override
    public void reportStatus(StatusReport req, StreamObserver<StatusAck> out) {
        metrics.heartbeat();
        try {
            Caller.requireNode(req.getNodeId());
        } catch (StatusRuntimeException e) {
            out.onError(e);
            return;
        }
        handleReport(req, new TimedAnswer<>(out, System.nanoTime(), metrics));
    }

    /** On the leader: the lease and batcher; elsewhere: relayed to the leader (once: the leader never relays it on). */
    void handleReport(StatusReport req, StreamObserver<StatusAck> out) {
        if (heartbeats.leading()) {
            LeaseReports.answer(heartbeats, req, out);
            return;
        }
        Optional<Integer> leader = raft.leaderId();
        if (leader.isEmpty() || leader.get() == config.serverId()) {
            out.onError(Status.UNAVAILABLE.withDescription("no leader right now; retry shortly").asRuntimeException());
            return;
        }
        relay.forward(leader.get(), req, out);
    }

    /** Fails relayed reports still waiting and closes the relay stream. */
    void close() {
        relay.close();
    }

    private static StatusRuntimeException unavailable(Throwable e) {
        Throwable c = Failures.cause(e);
        return Status.UNAVAILABLE.withDescription(c.getMessage()).asRuntimeException();
    }

    @Override
    public StreamObserver<ControlReply> control(StreamObserver<ControlRequest> out) {
        return controls.open(out);
    }
}
