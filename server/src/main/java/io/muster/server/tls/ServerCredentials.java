package io.muster.server.tls;

import io.muster.pki.CertificateAuthority;
import io.muster.pki.CertificateIssuer;
import io.muster.pki.Csrs;
import io.muster.pki.Keys;
import io.muster.pki.pem.AtomicFiles;
import io.muster.pki.pem.Pem;
import io.muster.pki.secret.ClusterSecret;
import io.muster.pki.tls.RotatingKeyManager;
import io.muster.pki.tls.ServerPeerTrustManager;
import io.muster.proto.raft.InitCluster;
import io.muster.types.config.Peer;
import io.muster.types.config.ServerConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This server's TLS identity: its own key and certificate (fetched through a CSR, or the operator's files), the
 * cluster CA it trusts, and the cluster secret. Every TLS stack of the server reads the key through
 * {@link #keyManager()}, so a renewal takes effect without a restart.
 */
public final class ServerCredentials {
    private static final Logger LOG = LoggerFactory.getLogger(ServerCredentials.class);
    /** How long a starting server keeps asking the others for its certificate. */
    public static final Duration JOIN_TIMEOUT = Duration.ofMinutes(10);

    private final ServerConfig config;
    private final ServerPkiFiles files;
    private final Clock clock;
    private final ClusterSecret secret;
    private final RotatingKeyManager keys = new RotatingKeyManager();
    private final ServerPeerTrustManager peerTrust;
    /** Renew when this fraction of the leaf's lifetime has passed: jittered so servers do not renew together. */
    private final double renewAt = 0.7 + 0.2 * ThreadLocalRandom.current().nextDouble();
    private final List<Runnable> rotationListeners = new CopyOnWriteArrayList<>();
    private volatile X509Certificate clusterCa;
    private volatile InitCluster pendingInit;
    private volatile CaMaterial localMaterial;
    private volatile CaMaterial replicated;
    private volatile FileTime operatorFilesTime;

    private ServerCredentials(ServerConfig config, Clock clock, ClusterSecret secret) throws IOException {
        this.config = config;
        this.files = new ServerPkiFiles(config.dataDir());
        this.clock = clock;
        this.secret = secret;
        this.peerTrust = new ServerPeerTrustManager(() -> clusterCa, secret.clusterId(), clock);
        if (config.tls().operatorPki()) {
            loadOperatorFiles();
        } else {
            if (Files.exists(files.caCert())) clusterCa = pinned(Pem.readCertificate(files.caCert()), files.caCert());
            if (Files.exists(files.key()) && Files.exists(files.chain())) loadOwn();
        }
        if (Files.exists(files.pendingInit())) {
            try {
                pendingInit = InitCluster.parseFrom(Files.readAllBytes(files.pendingInit()));
                localMaterial = CaMaterial.open(secret, pendingInit);
                if (clusterCa == null) clusterCa = localMaterial.clusterCaCert();
            } catch (GeneralSecurityException e) {
                throw new IOException(files.pendingInit() + ": " + e.getMessage(), e);
            }
        }
    }

    /**
     * Loads this server's credentials. A single-server cluster with an empty data dir makes its own cluster on the
     * spot (dev and single-node stay zero-step); a server of a larger cluster needs the secret of `muster server init`.
     */
    public static ServerCredentials open(ServerConfig config, Clock clock) throws IOException {
        ServerPkiFiles files = new ServerPkiFiles(config.dataDir());
        Files.createDirectories(config.dataDir());
        Path secretFile = config.tls().secretFile() != null ? config.tls().secretFile() : files.secret();
        if (!Files.exists(secretFile)) {
            if (config.peers().size() == 1 && !ClusterInit.hasRaftState(files) && config.tls().secretFile() == null) {
                ClusterSecret s = ClusterInit.run(config, clock);
                LOG.info("created single-server cluster {} (its secret is in {}, for adding servers later)", s.clusterId(), secretFile);
            } else if (config.peers().size() == 1 && config.tls().secretFile() == null) {
                throw new IOException("no cluster secret: " + config.dataDir() + " holds Raft state but no cluster.secret (made by a "
                        + "Muster before cluster secrets, or the file was deleted); start from an empty data directory "
                        + "(for 'muster dev': remove " + config.dataDir() + ")");
            } else {
                throw new IOException("no cluster secret: " + secretFile + " does not exist. On the first server of a new cluster run "
                        + "'muster server init --config FILE' once; give every other server the secret it prints "
                        + "(secret_file: in the server config, or --secret-file)");
            }
        }
        return new ServerCredentials(config, clock, ClusterSecret.read(secretFile));
    }

    public ClusterSecret secret() {
        return secret;
    }

    public RotatingKeyManager keyManager() {
        return keys;
    }

    /** Verifies other servers on both sides of a connection (Raft, internal services). */
    public ServerPeerTrustManager peerTrustManager() {
        return peerTrust;
    }

    public Optional<X509Certificate> clusterCa() {
        return Optional.ofNullable(clusterCa);
    }

    public boolean hasCertificate() {
        return keys.ready();
    }

    /** Called after every renewal (e.g. to reload an HTTPS listener that cannot read a key manager). */
    public void onRotation(Runnable r) {
        rotationListeners.add(r);
    }

    /** The cluster identity `muster server init` made here, until it is committed to Raft. */
    public Optional<InitCluster> pendingInit() {
        return Optional.ofNullable(pendingInit);
    }

    /** The identity is in the replicated state now: the sealed copy on disk is no longer needed. */
    public void initCommitted() throws IOException {
        if (pendingInit == null) return;
        pendingInit = null;
        Files.deleteIfExists(files.pendingInit());
        LOG.info("cluster identity committed to Raft; removed {}", files.pendingInit());
    }

    /** The CA material opened from the replicated state: from now on this server signs with it. */
    public void replicated(CaMaterial m) {
        replicated = m;
    }

    /** The cluster CA with its key, if this server holds it (never in operator-PKI clusters). */
    public Optional<CertificateAuthority> signingCa() {
        CaMaterial m = replicated != null ? replicated : localMaterial;
        return m == null ? Optional.empty() : m.clusterCa();
    }

    /**
     * Makes sure this server has a certificate before its listeners start: loads it, issues it locally when this
     * server holds the CA key, or asks another server through a CSR.
     */
    public void ensureCertificate() throws IOException {
        if (config.tls().operatorPki()) return;
        if (keys.ready() && !renewalDue()) return;
        obtain(JOIN_TIMEOUT);
    }

    /** Renews the certificate when due (or reloads the operator's files when they changed); true if it changed. */
    public synchronized boolean renewIfDue() throws IOException {
        if (config.tls().operatorPki()) {
            FileTime t = Files.getLastModifiedTime(config.tls().certFile());
            if (t.equals(operatorFilesTime)) return false;
            loadOperatorFiles();
            LOG.info("reloaded the server certificate from {}", config.tls().certFile());
            rotationListeners.forEach(Runnable::run);
            return true;
        }
        if (!renewalDue()) return false;
        obtain(Duration.ofMinutes(1));
        return true;
    }

    /** Renews now, whatever the certificate's age (operators: `muster` has no command for it yet; tests). */
    public synchronized void renewNow() throws IOException {
        if (config.tls().operatorPki()) throw new IOException("this server uses the operator's certificate files (tls:): replace them to rotate");
        obtain(Duration.ofMinutes(1));
    }

    private boolean renewalDue() {
        X509Certificate c = keys.certificate();
        if (c == null) return true;
        Instant from = c.getNotBefore().toInstant();
        Instant to = c.getNotAfter().toInstant();
        long life = Duration.between(from, to).toMillis();
        return !clock.instant().isBefore(from.plusMillis((long) (life * renewAt)));
    }

    private synchronized void obtain(Duration timeout) throws IOException {
        KeyPair key = Keys.generateP256();
        List<String> hosts = hosts();
        List<X509Certificate> chain;
        Optional<CertificateAuthority> ca = signingCa();
        if (ca.isPresent()) {
            chain = List.of(issue(ca.get(), config.serverId(), key.getPublic(), hosts), ca.get().certificate());
        } else {
            byte[] csr = Csrs.create(key, "server-" + config.serverId());
            chain = ServerJoin.request(config.peers(), config.serverId(), !config.dev(), secret, key, csr, hosts, clock, timeout);
        }
        Files.createDirectories(files.dir());
        ClusterInit.restrict(files.dir());
        Pem.writePrivateKey(files.key(), key.getPrivate());
        Pem.writeCertificates(files.chain(), chain);
        AtomicFiles.write(files.caCert(), Pem.encodeCertificate(chain.get(1)).getBytes(StandardCharsets.US_ASCII));
        clusterCa = chain.get(1);
        keys.update(key.getPrivate(), chain);
        LOG.info("server {} certificate serial {} valid until {}", config.serverId(), chain.getFirst().getSerialNumber().toString(16),
                chain.getFirst().getNotAfter().toInstant());
        rotationListeners.forEach(Runnable::run);
    }

    /** Signs another server's (or this server's) certificate with the cluster CA. */
    public X509Certificate issue(CertificateAuthority ca, int serverId, PublicKey key, List<String> hosts) {
        return CertificateIssuer.issueServerLeaf(ca, secret.clusterId(), Integer.toString(serverId), key, hosts, clock.instant(),
                CertificateIssuer.DEFAULT_SERVER_LIFETIME);
    }

    private void loadOwn() throws IOException {
        List<X509Certificate> chain = Pem.readCertificates(files.chain());
        PrivateKey key = Pem.readPrivateKey(files.key());
        if (chain.size() < 2) throw new IOException(files.chain() + ": expected this server's certificate followed by the cluster CA");
        X509Certificate ca = pinned(chain.get(1), files.chain());
        try {
            peerTrust.verify(new X509Certificate[] {chain.getFirst()});
        } catch (java.security.cert.CertificateException e) {
            if (!e.getMessage().startsWith("expired") && !e.getMessage().startsWith("not ready")) {
                throw new IOException(files.chain() + ": " + e.getMessage(), e);
            }
        }
        clusterCa = ca;
        keys.update(key, chain);
    }

    private void loadOperatorFiles() throws IOException {
        FileTime t = Files.getLastModifiedTime(config.tls().certFile());
        ClusterInit.OperatorPki pki = ClusterInit.OperatorPki.read(config);
        if (!pki.identity().clusterId().equals(secret.clusterId())) {
            throw new IOException(config.tls().certFile() + ": the certificate is for cluster " + pki.identity().clusterId()
                    + ", the cluster secret for cluster " + secret.clusterId());
        }
        clusterCa = pinned(pki.ca(), config.tls().caFile());
        keys.update(pki.key(), pki.chain());
        operatorFilesTime = t;
        AtomicFiles.write(files.caCert(), Pem.encodeCertificate(pki.ca()).getBytes(StandardCharsets.US_ASCII));
    }

    private X509Certificate pinned(X509Certificate ca, Path from) throws IOException {
        if (!secret.caPin().matches(ca)) {
            throw new IOException(from + ": this CA certificate does not match the CA pin of the cluster secret (a secret of another cluster?)");
        }
        return ca;
    }

    /** Every address this server may be reached at, so clients can also check names if they want to. */
    List<String> hosts() {
        Set<String> hosts = new LinkedHashSet<>(List.of("localhost", "127.0.0.1"));
        Peer self = config.self();
        hosts.add(self.apiAddr().host());
        hosts.add(self.raftAddr().host());
        String grpcHost = config.workerGrpcAddr().host();
        if (!grpcHost.equals("0.0.0.0") && !grpcHost.equals("::")) hosts.add(grpcHost);
        return List.copyOf(hosts);
    }
}
