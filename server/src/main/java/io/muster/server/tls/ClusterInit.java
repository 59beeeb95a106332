package io.muster.server.tls;

import com.google.protobuf.ByteString;
import io.muster.pki.CertificateAuthorities;
import io.muster.pki.CertificateAuthority;
import io.muster.pki.Identity;
import io.muster.pki.Secrets;
import io.muster.pki.SpkiPin;
import io.muster.pki.pem.AtomicFiles;
import io.muster.pki.pem.Pem;
import io.muster.pki.secret.ClusterSecret;
import io.muster.pki.secret.Sealer;
import io.muster.pki.token.JoinTokens;
import io.muster.proto.raft.CaKeys;
import io.muster.proto.raft.InitCluster;
import io.muster.types.config.ServerConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * {@code muster server init}: makes a new cluster's identity on the server it runs on — cluster id, cluster CA
 * (unless the operator brings one), worker CA, join-token key — and the cluster secret that the other servers need.
 * The keys are sealed under the secret at once and kept in {@code pki/init-cluster.pb} until this server has
 * committed them to Raft; nothing private is ever written in the clear except this server's own TLS key.
 */
public final class ClusterInit {
    private ClusterInit() {}

    /** Creates the cluster; refuses a data dir that already belongs to one. Returns the new secret. */
    public static ClusterSecret run(ServerConfig config, Clock clock) throws IOException {
        ServerPkiFiles files = new ServerPkiFiles(config.dataDir());
        Path secretFile = config.tls().secretFile() != null ? config.tls().secretFile() : files.secret();
        if (Files.exists(secretFile) || Files.exists(files.pendingInit()) || hasRaftState(files)) {
            throw new IOException(config.dataDir() + " already belongs to a cluster (" + (Files.exists(secretFile) ? secretFile : files.raftDir())
                    + " exists): 'muster server init' runs once, on the first server of a new cluster");
        }
        Files.createDirectories(files.dir());
        restrict(config.dataDir());
        restrict(files.dir());
        try {
            String clusterId;
            X509Certificate clusterCaCert;
            PrivateKey clusterCaKey;
            CertificateAuthority workerCa;
            if (config.tls().operatorPki()) {
                OperatorPki pki = OperatorPki.read(config);
                clusterId = pki.identity().clusterId();
                clusterCaCert = pki.ca();
                clusterCaKey = null;
                workerCa = CertificateAuthorities.createStandaloneWorkerCa(clusterId, clock.instant());
            } else {
                clusterId = "mc-" + HexFormat.of().formatHex(Secrets.randomBytes(8));
                CertificateAuthority ca = CertificateAuthorities.createClusterCa(clusterId, clock.instant());
                clusterCaCert = ca.certificate();
                clusterCaKey = ca.privateKey();
                workerCa = CertificateAuthorities.createWorkerCa(ca, clusterId, clock.instant());
            }
            ClusterSecret secret = ClusterSecret.generate(clusterId, SpkiPin.of(clusterCaCert));
            CaKeys.Builder keys = CaKeys.newBuilder()
                    .setWorkerCaKeyPkcs8(ByteString.copyFrom(workerCa.privateKey().getEncoded()))
                    .setTokenHmacKey(ByteString.copyFrom(JoinTokens.newKey()));
            if (clusterCaKey != null) keys.setClusterCaKeyPkcs8(ByteString.copyFrom(clusterCaKey.getEncoded()));
            InitCluster init = InitCluster.newBuilder()
                    .setClusterId(clusterId)
                    .setClusterCaCertDer(ByteString.copyFrom(clusterCaCert.getEncoded()))
                    .setWorkerCaCertDer(ByteString.copyFrom(workerCa.certificate().getEncoded()))
                    .setSealedKeys(ByteString.copyFrom(Sealer.seal(secret.sealingKey(), CaMaterial.sealContext(clusterId), keys.build().toByteArray())))
                    .setCreatedUnixMs(clock.millis())
                    .build();
            AtomicFiles.writeSecret(files.pendingInit(), init.toByteArray());
            AtomicFiles.write(files.caCert(), Pem.encodeCertificate(clusterCaCert).getBytes(StandardCharsets.US_ASCII));
            if (secretFile.getParent() != null) Files.createDirectories(secretFile.getParent());
            AtomicFiles.writeSecret(secretFile, (secret.encode() + "\n").getBytes(StandardCharsets.US_ASCII));
            return secret;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot create the cluster's CA material: " + e.getMessage(), e);
        }
    }

    static boolean hasRaftState(ServerPkiFiles files) throws IOException {
        if (!Files.isDirectory(files.raftDir())) return false;
        try (Stream<Path> s = Files.list(files.raftDir())) {
            return s.findAny().isPresent();
        }
    }

    /** Owner-only (0700), best effort: the data dir holds the Raft log, the secret and this server's key. */
    public static void restrict(Path dir) {
        try {
            Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        } catch (IOException | UnsupportedOperationException e) {
            org.slf4j.LoggerFactory.getLogger(ClusterInit.class).warn("could not restrict permissions of {}: {}", dir, e.getMessage());
        }
    }

    /** The operator's PKI files (the tls: block), checked against what Muster needs of them. */
    record OperatorPki(X509Certificate ca, List<X509Certificate> chain, PrivateKey key, Identity identity) {
        static OperatorPki read(ServerConfig config) throws IOException {
            var t = config.tls();
            List<X509Certificate> cas = Pem.readCertificates(t.caFile());
            if (cas.isEmpty()) throw new IOException(t.caFile() + ": no CA certificate in tls.ca_file");
            List<X509Certificate> chain = Pem.readCertificates(t.certFile());
            if (chain.isEmpty()) throw new IOException(t.certFile() + ": no certificate in tls.cert_file");
            PrivateKey key = Pem.readPrivateKey(t.keyFile());
            X509Certificate leaf = chain.getFirst();
            Identity id;
            try {
                id = Identity.require(leaf);
            } catch (java.security.cert.CertificateException e) {
                throw new IOException(t.certFile() + ": " + e.getMessage()
                        + " (a server certificate must carry the URI SAN muster://<cluster-id>/server/<id>)", e);
            }
            if (id.kind() != Identity.Kind.SERVER || !id.id().equals(Integer.toString(config.serverId()))) {
                throw new IOException(t.certFile() + ": the certificate names " + id + ", but this is server " + config.serverId()
                        + " (expected muster://<cluster-id>/server/" + config.serverId() + ")");
            }
            X509Certificate ca = cas.getFirst();
            try {
                leaf.verify(ca.getPublicKey());
            } catch (GeneralSecurityException e) {
                throw new IOException(t.certFile() + ": not signed by the CA in " + t.caFile() + " (tls.ca_file must hold the CA that signed the server certificates)");
            }
            List<X509Certificate> full = new java.util.ArrayList<>(List.of(leaf));
            full.add(ca);
            return new OperatorPki(ca, List.copyOf(full), key, id);
        }
    }
}
