package io.muster.loadtest.sim;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * One worker's key and certificate, handed to TLS as they are. Netty's {@code keyManager(key, cert)} goes
 * through a PKCS#12 key store with PBKDF2 (thousands of HMAC rounds per worker), which made building
 * 10,000 TLS contexts the simulator's bottleneck.
 */
final class WorkerKeyManager extends X509ExtendedKeyManager {
    private static final String ALIAS = "worker";
    private final PrivateKey key;
    private final X509Certificate[] chain;

    WorkerKeyManager(PrivateKey key, X509Certificate cert) {
        this.key = key;
        this.chain = new X509Certificate[] {cert};
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return new String[] {ALIAS};
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
        return ALIAS;
    }

    @Override
    public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
        return ALIAS;
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        return new String[0];
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return null;
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        return ALIAS.equals(alias) ? chain.clone() : null;
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        return ALIAS.equals(alias) ? key : null;
    }
}
