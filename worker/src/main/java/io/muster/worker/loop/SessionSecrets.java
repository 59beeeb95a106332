package io.muster.worker.loop;

import io.grpc.StatusRuntimeException;
import io.muster.proto.SecretFetchReply;
import io.muster.proto.SecretFetchRequest;
import io.muster.proto.SecretValue;
import io.muster.worker.alloc.SecretSource;
import io.muster.worker.rpc.Session;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code FetchSecrets} over the session's channel. A call that fails for the channel's sake (unavailable, deadline)
 * is retried once on the next server; a refusal (not found, permission, a secret deleted meanwhile) is final.
 */
public final class SessionSecrets implements SecretSource {
    private static final int ATTEMPTS = 3;
    private final Session session;
    private final long nodeId;
    private final Duration timeout;

    public SessionSecrets(Session session, long nodeId, Duration timeout) {
        this.session = session;
        this.nodeId = nodeId;
        this.timeout = timeout;
    }

    @Override
    public Map<String, byte[]> fetch(String allocId) throws SecretFetchException {
        StatusRuntimeException last = null;
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            Session.Lease lease = session.current();
            try {
                SecretFetchReply reply = lease.blocking().withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
                        .fetchSecrets(SecretFetchRequest.newBuilder().setNodeId(nodeId).setAllocId(allocId).build());
                Map<String, byte[]> out = new LinkedHashMap<>();
                for (SecretValue v : reply.getSecretsList()) out.put(v.getName(), v.getValue().toByteArray());
                return out;
            } catch (StatusRuntimeException e) {
                last = e;
                switch (e.getStatus().getCode()) {
                    case UNAVAILABLE, DEADLINE_EXCEEDED -> session.failover(lease, "FetchSecrets: " + e.getStatus().getCode());
                    // A follower that has not applied the allocation yet answers NOT_FOUND: ask again shortly.
                    case NOT_FOUND -> sleepQuietly(200L * (attempt + 1));
                    default -> throw new SecretFetchException("fetching the secrets of allocation " + allocId + " was refused: "
                            + e.getStatus().getCode() + " " + e.getStatus().getDescription());
                }
            }
        }
        throw new SecretFetchException("fetching the secrets of allocation " + allocId + " failed: " + last.getStatus().getCode() + " "
                + last.getStatus().getDescription());
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
