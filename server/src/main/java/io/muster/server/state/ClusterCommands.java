package io.muster.server.state;

import static io.muster.server.state.CommandApplier.fail;
import static io.muster.server.state.CommandApplier.ok;

import io.muster.proto.raft.Command;
import io.muster.proto.raft.CommandResult;
import io.muster.server.state.Records.ClusterIdentity;
import io.muster.server.state.Records.KvEntry;
import io.muster.server.state.Records.ServerRecord;

/** Cluster-wide commands: the identity, server announcements, the key-value register. */
final class ClusterCommands {
    CommandResult kvPut(StateTx s, Command c, long index) {
        s.kv.put(c.getKvPut().getKey(), new KvEntry(c.getKvPut().getKey(), c.getKvPut().getValue().toByteArray(), index));
        return ok();
    }

    CommandResult initCluster(StateTx s, Command c) {
        if (s.identity != null) return fail("ALREADY_INITIALIZED", "cluster " + s.identity.clusterId() + " is already initialized");
        var i = c.getInitCluster();
        if (InitClusters.carriesPlaintextKeys(i)) return fail("PLAINTEXT_KEYS", "InitCluster must carry its keys sealed");
        if (i.getSealedKeys().isEmpty()) return fail("NO_KEYS", "InitCluster carries no sealed CA keys");
        s.identity = new ClusterIdentity(i.getClusterId(), i.getClusterCaCertDer().toByteArray(), i.getWorkerCaCertDer().toByteArray(),
                i.getSealedKeys().toByteArray(), i.getCreatedUnixMs());
        return ok().toBuilder().setValue(i.getClusterId()).build();
    }

    CommandResult announce(StateTx s, Command c) {
        var a = c.getAnnounceServer();
        s.servers.put(a.getServerId(), new ServerRecord(a.getServerId(), a.getApiAddr(), a.getWorkerGrpcAddr(), a.getRaftAddr(), a.getVersion()));
        return ok();
    }

}
