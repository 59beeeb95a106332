package io.muster.server.leader;

import com.google.protobuf.ByteString;
import io.muster.pki.CertificateAuthorities;
import io.muster.pki.CertificateAuthority;
import io.muster.pki.token.BootstrapTokens;
import io.muster.proto.raft.Command;
import io.muster.proto.raft.InitCluster;
import io.muster.server.Proposer;
import io.muster.server.raft.LeaderServices;
import io.muster.server.state.ClusterState;
import java.security.cert.CertificateEncodingException;
import java.time.Clock;
import java.util.HexFormat;
import java.security.SecureRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first ready leader of a new cluster creates the cluster's identity — cluster id, cluster CA,
 * worker CA and the bootstrap-token key — and commits it through Raft, so every server that ever
 * leads can sign. Runs once per cluster; later leaders find the identity already there.
 */
public final class ClusterBootstrapper implements LeaderServices {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterBootstrapper.class);
    private final ClusterState state;
    private final Proposer proposer;
    private final Clock clock;

    public ClusterBootstrapper(ClusterState state, Proposer proposer, Clock clock) {
        this.state = state;
        this.proposer = proposer;
        this.clock = clock;
    }

    @Override
    public void startLeading(long term) {
        if (state.identity().isPresent()) return;
        byte[] idBytes = new byte[8];
        new SecureRandom().nextBytes(idBytes);
        String clusterId = "mc-" + HexFormat.of().formatHex(idBytes);
        CertificateAuthority clusterCa = CertificateAuthorities.createClusterCa(clusterId, clock.instant());
        CertificateAuthority workerCa = CertificateAuthorities.createWorkerCa(clusterCa, clusterId, clock.instant());
        try {
            InitCluster init = InitCluster.newBuilder()
                    .setClusterId(clusterId)
                    .setClusterCaCertDer(ByteString.copyFrom(clusterCa.certificate().getEncoded()))
                    .setClusterCaKeyPkcs8(ByteString.copyFrom(clusterCa.privateKey().getEncoded()))
                    .setWorkerCaCertDer(ByteString.copyFrom(workerCa.certificate().getEncoded()))
                    .setWorkerCaKeyPkcs8(ByteString.copyFrom(workerCa.privateKey().getEncoded()))
                    .setTokenHmacKey(ByteString.copyFrom(BootstrapTokens.newKey()))
                    .setCreatedUnixMs(clock.millis())
                    .build();
            proposer.propose(Command.newBuilder().setInitCluster(init)).whenComplete((r, e) -> {
                if (e != null) LOG.warn("could not commit the new cluster identity: {}", e.getMessage());
                else if (r.getOk()) LOG.info("created cluster {} with its cluster CA and worker CA", clusterId);
            });
        } catch (CertificateEncodingException e) {
            LOG.error("cannot encode the new CA certificates: {}", e.getMessage());
        }
    }

    @Override
    public void stopLeading() {}
}
