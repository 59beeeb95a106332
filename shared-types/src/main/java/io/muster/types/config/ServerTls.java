package io.muster.types.config;

import java.nio.file.Path;

/**
 * Where a server's TLS trust comes from. {@code secretFile}: the cluster secret (made by {@code muster server init});
 * when absent the server looks for {@code <data_dir>/cluster.secret}. {@code caFile}/{@code certFile}/{@code keyFile}:
 * operator-provided PKI (the {@code tls:} block), all three or none; the certificate must name
 * {@code muster://<cluster-id>/server/<id>}.
 */
public record ServerTls(Path secretFile, Path caFile, Path certFile, Path keyFile) {
    public static final ServerTls NONE = new ServerTls(null, null, null, null);

    public boolean operatorPki() {
        return certFile != null;
    }

    public ServerTls withSecretFile(Path file) {
        return new ServerTls(file, caFile, certFile, keyFile);
    }
}
