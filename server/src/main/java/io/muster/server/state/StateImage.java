package io.muster.server.state;

import io.muster.server.state.Records.AclTokenRecord;
import io.muster.server.state.Records.AllocRecord;
import io.muster.server.state.Records.ClusterIdentity;
import io.muster.server.state.Records.JobRecord;
import io.muster.server.state.Records.JoinTokenRecord;
import io.muster.server.state.Records.KvEntry;
import io.muster.server.state.Records.NodeRecord;
import io.muster.server.state.Records.SecretRecord;
import io.muster.server.state.Records.ServerRecord;
import java.util.List;

/** Everything a snapshot holds: the whole state as of {@code index}. */
public record StateImage(int format, long term, long index, long nextNodeId, ClusterIdentity identity,
                         List<ServerRecord> servers, List<AclTokenRecord> aclTokens, List<JoinTokenRecord> joinTokens,
                         List<NodeRecord> nodes, List<JobRecord> jobs, List<AllocRecord> allocs, List<KvEntry> kv,
                         List<SecretRecord> secrets) {
    public static final int FORMAT = 1;

    public StateImage {
        secrets = secrets == null ? List.of() : secrets; // a snapshot written before secrets existed
    }
}
