package io.muster.server.tls;

import java.nio.file.Path;

/** Where a server keeps its TLS identity under {@code data_dir}. */
public record ServerPkiFiles(Path dataDir) {
    public Path dir() {
        return dataDir.resolve("pki");
    }

    /** This server's own private key (0600): the only private key a server keeps on disk. */
    public Path key() {
        return dir().resolve("server-key.pem");
    }

    /** This server's certificate followed by the cluster CA certificate. */
    public Path chain() {
        return dir().resolve("server.pem");
    }

    /** The cluster CA certificate, public part only (the contract: operators export MUSTER_CACERT=<data_dir>/ca.pem). */
    public Path caCert() {
        return dataDir.resolve("ca.pem");
    }

    /** The cluster identity `muster server init` made, with its keys sealed; deleted once committed to Raft. */
    public Path pendingInit() {
        return dir().resolve("init-cluster.pb");
    }

    /** The cluster secret, when no secret_file is configured. */
    public Path secret() {
        return dataDir.resolve("cluster.secret");
    }

    public Path raftDir() {
        return dataDir.resolve("raft");
    }
}
