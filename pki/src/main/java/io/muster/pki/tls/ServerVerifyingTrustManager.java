package io.muster.pki.tls;

import io.muster.pki.Identity;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The client side of TLS: every JSSE entry point for server chains goes to {@link #verifyServer}, and client chains
 * are refused (these trust managers are never given to a server).
 */
abstract class ServerVerifyingTrustManager extends X509ExtendedTrustManager {

    /** Verifies a server chain and returns the server identity it proves. */
    public abstract Identity verifyServer(X509Certificate[] chain) throws CertificateException;

    @Override
    public final void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        verifyServer(chain);
    }

    @Override
    public final void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        verifyServer(chain);
    }

    @Override
    public final void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        verifyServer(chain);
    }

    @Override
    public final void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw clientSideOnly();
    }

    @Override
    public final void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        throw clientSideOnly();
    }

    @Override
    public final void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        throw clientSideOnly();
    }

    private static CertificateException clientSideOnly() {
        return new CertificateException("this trust manager verifies servers only; use WorkerClientTrustManager to verify clients");
    }
}
