package io.muster.worker.identity;

import com.google.protobuf.ByteString;
import io.grpc.StatusRuntimeException;
import io.muster.pki.Csrs;
import io.muster.pki.Keys;
import io.muster.pki.pem.Pem;
import io.muster.pki.pem.PemException;
import io.muster.proto.RenewRequest;
import io.muster.proto.RenewResponse;
import io.muster.worker.WorkerException;
import io.muster.worker.rpc.Backoff;
import io.muster.worker.rpc.RpcErrors;
import io.muster.worker.rpc.Session;
import io.muster.worker.util.Waker;
import java.io.IOException;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Renews the worker's certificate at a random point between 70% and 90% of its lifetime: a new key and CSR, sent
 * with {@code RenewCertificate} over the session (so the current certificate authenticates it), the new files
 * written crash-safely, then the session switches to a new channel. Tasks are not touched.
 *
 * <p>The due time is checked against the {@link Clock} at least every {@code checkInterval} rather than with one
 * long timer, because a monotonic timer stops while a machine is suspended and would renew late.
 */
public final class CertificateRotation implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(CertificateRotation.class);
    private static final Duration MIN_RETRY = Duration.ofSeconds(1);

    private final Session session;
    private final IdentityStore store;
    private final Clock clock;
    private final Waker waker;
    private final Duration checkInterval;
    private final Duration callTimeout;
    private final Backoff retry;
    private final RandomGenerator random;
    private final Consumer<WorkerException> onFatal;

    public CertificateRotation(Session session, IdentityStore store, Clock clock, Waker waker, Duration checkInterval,
                               Duration callTimeout, Backoff retry, RandomGenerator random,
                               Consumer<WorkerException> onFatal) {
        this.session = session;
        this.store = store;
        this.clock = clock;
        this.waker = waker;
        this.checkInterval = checkInterval;
        this.callTimeout = callTimeout;
        this.retry = retry;
        this.random = random;
        this.onFatal = onFatal;
    }

    /** {@code notBefore + lifetime * U(0.7, 0.9)}. */
    Instant dueTime(WorkerIdentity identity) {
        long lifetimeMs = identity.lifetime().toMillis();
        return identity.notBefore().plusMillis((long) (lifetimeMs * (0.7 + 0.2 * random.nextDouble())));
    }

    @Override
    public void run() {
        WorkerIdentity current = session.identity();
        Instant due = dueTime(current);
        log.debug("certificate {} expires at {}; renewal due around {}", current.serialHex(), current.notAfter(), due);
        while (!waker.isClosed()) {
            Instant now = clock.instant();
            if (now.isBefore(due)) {
                Duration left = Duration.between(now, due);
                waker.await(left.compareTo(checkInterval) < 0 ? left : checkInterval);
                continue;
            }
            if (!now.isBefore(current.notAfter())) {
                onFatal.accept(new WorkerException("the worker certificate (serial " + current.serialHex()
                        + ") expired at " + current.notAfter() + " before it could be renewed; configure a bootstrap"
                        + " token and restart the worker to register it again"));
                return;
            }
            try {
                WorkerIdentity renewed = renew(current);
                store.save(renewed);
                session.rebuild(renewed);
                current = renewed;
                due = dueTime(renewed);
                retry.reset();
                log.info("certificate renewed: serial {}, valid until {}; next renewal around {}", renewed.serialHex(),
                        renewed.notAfter(), due);
            } catch (StatusRuntimeException | IdentityException | IOException e) {
                if (waker.isClosed()) {
                    return;
                }
                String reason = e instanceof StatusRuntimeException s ? RpcErrors.describe(s) : e.getMessage();
                Duration wait = retry.next();
                Duration half = Duration.between(now, current.notAfter()).dividedBy(2);
                if (wait.compareTo(half) > 0) {
                    wait = half;
                }
                if (wait.compareTo(MIN_RETRY) < 0) {
                    wait = MIN_RETRY;
                }
                log.warn("certificate renewal failed: {}; retrying in {} s (the certificate expires at {})", reason,
                        wait.toSeconds(), current.notAfter());
                due = now.plus(wait);
            }
        }
    }

    private WorkerIdentity renew(WorkerIdentity current) throws IdentityException {
        KeyPair key = Keys.generateP256();
        byte[] csr = Csrs.create(key, "node-" + current.nodeId());
        Session.Lease lease = session.current();
        RenewResponse response = lease.blocking()
                .withDeadlineAfter(callTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .renewCertificate(RenewRequest.newBuilder().setNodeId(current.nodeId())
                        .setCsrDer(ByteString.copyFrom(csr)).build());
        try {
            List<X509Certificate> chain = Pem.decodeCertificates(response.getCertificatePem());
            List<X509Certificate> cas = response.getCaPem().isBlank()
                    ? current.caBundle() : Pem.decodeCertificates(response.getCaPem());
            // Same cluster, same node, same cluster CA: a renewal never moves the worker anywhere else.
            return WorkerIdentity.verify(key.getPrivate(), chain, cas, current.clusterId(), current.nodeId(),
                    current.clusterCa(), clock.instant());
        } catch (IdentityException | PemException e) {
            throw new IdentityException("server " + lease.server() + " sent an unusable certificate: " + e.getMessage(), e);
        }
    }
}
