package io.muster.server.grpc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.muster.proto.SecretFetchReply;
import io.muster.proto.SecretFetchRequest;
import io.muster.proto.SecretValue;
import io.muster.server.secrets.SecretKeyring;
import io.muster.server.state.ClusterSnapshot;
import io.muster.server.state.Records.AllocRecord;
import io.muster.server.state.Records.SecretRecord;
import io.muster.server.state.Snapshots;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code FetchSecrets}: the values an allocation's tasks name, to the allocation's own node only. The caller is the
 * certificate's node ({@link Caller#requireNode}); the allocation must be on that node, not finished, and its group
 * must name each secret answered — a worker cannot ask for another allocation's secrets, nor for secrets its own
 * allocations do not name. Values are opened here and leave only in this answer, over mTLS.
 */
final class SecretFetch {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Snapshots snapshots;
    private final SecretKeyring keyring;

    SecretFetch(Snapshots snapshots, SecretKeyring keyring) {
        this.snapshots = snapshots;
        this.keyring = keyring;
    }

    SecretFetchReply fetch(SecretFetchRequest req) {
        long node = Caller.requireNode(req.getNodeId());
        ClusterSnapshot snap = snapshots.snapshot();
        AllocRecord a = snap.alloc(req.getAllocId()).orElseThrow(() -> notFound("no allocation " + req.getAllocId()));
        // The same answer as for an unknown id: another node's allocation ids are not confirmed to exist.
        if (a.nodeId() != node) throw notFound("no allocation " + req.getAllocId());
        if (a.terminal()) throw Status.FAILED_PRECONDITION.withDescription("allocation " + a.id() + " has finished: its secrets are no longer served")
                .asRuntimeException();
        Set<String> names = namedSecrets(snap, a);
        SecretFetchReply.Builder out = SecretFetchReply.newBuilder();
        for (String name : names) {
            SecretRecord x = snap.secret(name).orElseThrow(() -> Status.FAILED_PRECONDITION
                    .withDescription("secret " + name + " (named by allocation " + a.id() + ") does not exist").asRuntimeException());
            try {
                out.addSecrets(SecretValue.newBuilder().setName(name).setValue(ByteString.copyFrom(keyring.open(name, x.keyId(), x.sealed()))));
            } catch (GeneralSecurityException e) {
                throw Status.INTERNAL.withDescription("secret " + name + " does not open with this server's keyring").asRuntimeException();
            }
        }
        return out.build();
    }

    /** The secret names the tasks of the allocation's group name, from the committed job spec. */
    static Set<String> namedSecrets(ClusterSnapshot snap, AllocRecord a) {
        Set<String> names = new TreeSet<>();
        var job = snap.job(a.jobId());
        if (job.isEmpty()) return names;
        try {
            JsonNode root = JSON.readTree(job.get().specJson());
            for (JsonNode g : root.path("groups")) {
                if (!g.path("name").asText().equals(a.group())) continue;
                for (JsonNode t : g.path("tasks")) for (JsonNode s : t.path("secrets")) names.add(s.path("name").asText());
            }
        } catch (IOException e) {
            // a committed spec was validated before commit; an unreadable one names nothing
        }
        return names;
    }

    private static StatusRuntimeException notFound(String msg) {
        return Status.NOT_FOUND.withDescription(msg).asRuntimeException();
    }
}
