package io.muster.server.tls;

import io.muster.pki.CertificateAuthority;
import io.muster.pki.secret.ClusterSecret;
import io.muster.pki.secret.Sealer;
import io.muster.proto.raft.CaKeys;
import io.muster.proto.raft.InitCluster;
import java.io.ByteArrayInputStream;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Optional;

/**
 * The cluster's CA material opened with the cluster secret: the cluster CA (its key absent when the operator
 * provides the PKI), the worker CA and the join-token MAC key. Lives in memory only.
 */
public record CaMaterial(String clusterId, X509Certificate clusterCaCert, Optional<PrivateKey> clusterCaKey,
                         CertificateAuthority workerCa, byte[] tokenKey) {

    static String sealContext(String clusterId) {
        return "ca-keys/" + clusterId;
    }

    public Optional<CertificateAuthority> clusterCa() {
        return clusterCaKey.map(k -> new CertificateAuthority(clusterCaCert, k));
    }

    /** Opens the sealed keys of a cluster identity; fails if the secret is not this cluster's. */
    public static CaMaterial open(ClusterSecret secret, String clusterId, byte[] clusterCaDer, byte[] workerCaDer, byte[] sealed)
            throws GeneralSecurityException {
        if (!secret.clusterId().equals(clusterId)) {
            throw new GeneralSecurityException("the cluster secret is for cluster " + secret.clusterId() + ", but this server's Raft state belongs to cluster " + clusterId);
        }
        X509Certificate clusterCa = certificate(clusterCaDer);
        if (!secret.caPin().matches(clusterCa)) {
            throw new GeneralSecurityException("the cluster CA in the Raft state does not match the CA pin of the cluster secret");
        }
        CaKeys keys;
        try {
            keys = CaKeys.parseFrom(Sealer.open(secret.sealingKey(), sealContext(clusterId), sealed));
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new GeneralSecurityException("sealed CA keys are malformed");
        }
        Optional<PrivateKey> clusterKey = keys.getClusterCaKeyPkcs8().isEmpty() ? Optional.empty()
                : Optional.of(privateKey(keys.getClusterCaKeyPkcs8().toByteArray()));
        CertificateAuthority worker = new CertificateAuthority(certificate(workerCaDer), privateKey(keys.getWorkerCaKeyPkcs8().toByteArray()));
        return new CaMaterial(clusterId, clusterCa, clusterKey, worker, keys.getTokenHmacKey().toByteArray());
    }

    public static CaMaterial open(ClusterSecret secret, InitCluster init) throws GeneralSecurityException {
        return open(secret, init.getClusterId(), init.getClusterCaCertDer().toByteArray(), init.getWorkerCaCertDer().toByteArray(),
                init.getSealedKeys().toByteArray());
    }

    static X509Certificate certificate(byte[] der) throws GeneralSecurityException {
        return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
    }

    static PrivateKey privateKey(byte[] pkcs8) throws GeneralSecurityException {
        return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
    }

    @Override
    public String toString() {
        return "CaMaterial[" + clusterId + "]"; // never the keys
    }
}
