package io.muster.pki.tls;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * One TLS identity that can be replaced while listeners and channels stay up: every TLS stack of a server (Raft,
 * worker gRPC, internal channels) reads its key through this, so a renewed certificate is used from the next
 * handshake on without a restart. Each identity gets a new alias, so a stack that caches key material by alias
 * (netty's OpenSSL) never serves the old one; the previous identity stays resolvable for handshakes in flight.
 */
public final class RotatingKeyManager extends X509ExtendedKeyManager {
    private record Entry(String alias, PrivateKey key, X509Certificate[] chain) {}

    private final AtomicLong generation = new AtomicLong();
    private volatile Entry current;
    private volatile Entry previous;

    /** Installs a key and its chain (leaf first); takes effect for new handshakes. */
    public synchronized void update(PrivateKey key, List<X509Certificate> chain) {
        if (chain.isEmpty()) throw new IllegalArgumentException("a certificate chain needs at least the leaf");
        previous = current;
        current = new Entry("muster-" + generation.incrementAndGet(), key, chain.toArray(X509Certificate[]::new));
    }

    public boolean ready() {
        return current != null;
    }

    /** The leaf in use now; null before the first {@link #update}. */
    public X509Certificate certificate() {
        Entry e = current;
        return e == null ? null : e.chain()[0];
    }

    public PrivateKey privateKey() {
        Entry e = current;
        return e == null ? null : e.key();
    }

    public List<X509Certificate> chain() {
        Entry e = current;
        return e == null ? List.of() : List.of(e.chain());
    }

    private String aliasFor(String keyType) {
        Entry e = current;
        if (e == null) return null;
        if (keyType == null) return e.alias();
        String algorithm = e.key().getAlgorithm(); // "EC" or "RSA"
        // JSSE asks with "EC"/"RSA"; netty's OpenSSL also with "EC_EC", "EC_RSA", "DH_RSA": the key's own algorithm
        // must be the first part of the type.
        return keyType.equals(algorithm) || keyType.startsWith(algorithm + "_") || ("EC".equals(algorithm) && keyType.startsWith("ECDSA"))
                ? e.alias() : null;
    }

    private String aliasFor(String[] keyTypes) {
        if (keyTypes == null) return aliasFor((String) null);
        for (String t : keyTypes) {
            String a = aliasFor(t);
            if (a != null) return a;
        }
        return null;
    }

    private Entry entry(String alias) {
        Entry c = current;
        if (c != null && c.alias().equals(alias)) return c;
        Entry p = previous;
        if (p != null && p.alias().equals(alias)) return p;
        return null;
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        String a = aliasFor(keyType);
        return a == null ? null : new String[] {a};
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
        return aliasFor(keyType);
    }

    @Override
    public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
        return aliasFor(keyType);
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        String a = aliasFor(keyType);
        return a == null ? null : new String[] {a};
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return aliasFor(keyType);
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return aliasFor(keyType);
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        Entry e = entry(alias);
        return e == null ? null : e.chain().clone();
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        Entry e = entry(alias);
        return e == null ? null : e.key();
    }

    @Override
    public String toString() {
        X509Certificate c = certificate();
        return "RotatingKeyManager[" + (c == null ? "empty" : c.getSubjectX500Principal().getName() + " serial " + c.getSerialNumber().toString(16)) + "]";
    }
}
