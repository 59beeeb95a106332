package io.muster.server.state;

import io.muster.proto.raft.InitCluster;

/** Checks on the cluster-identity command shared by the state machine's gate and the applier. */
public final class InitClusters {
    private InitClusters() {}

    /** True if any of the retired plaintext key fields is set: such a command is never logged nor applied. */
    @SuppressWarnings("deprecation")
    public static boolean carriesPlaintextKeys(InitCluster i) {
        return !i.getClusterCaKeyPkcs8().isEmpty() || !i.getWorkerCaKeyPkcs8().isEmpty() || !i.getTokenHmacKey().isEmpty();
    }
}
