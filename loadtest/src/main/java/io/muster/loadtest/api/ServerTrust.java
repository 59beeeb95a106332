package io.muster.loadtest.api;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * TLS trust for a secure Muster API: the cluster CA from {@code --ca-cert} (a server's {@code <data_dir>/ca.pem}).
 * Servers are identified by the CA signature plus their {@code muster://<cluster>/server/<id>} URI SAN, not by
 * host name (they are reached by whatever address the operator types), so that is what we check.
 */
final class ServerTrust {
    private ServerTrust() {}

    static SSLContext sslContext(Path caPem) throws IOException, GeneralSecurityException {
        if (!Files.isRegularFile(caPem)) throw new IOException("CA certificate file " + caPem + " does not exist");
        Collection<? extends Certificate> certs;
        try (InputStream in = Files.newInputStream(caPem)) {
            certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
        }
        if (certs.isEmpty()) throw new CertificateException("CA certificate file " + caPem + " holds no certificate");
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        int i = 0;
        for (Certificate c : certs) ks.setCertificateEntry("muster-ca-" + i++, c);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        X509TrustManager delegate = null;
        for (TrustManager tm : tmf.getTrustManagers()) if (tm instanceof X509TrustManager x) delegate = x;
        if (delegate == null) throw new GeneralSecurityException("no X.509 trust manager available");
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new TrustManager[] {new Identity(delegate)}, null);
        return ctx;
    }

    private static final class Identity extends X509ExtendedTrustManager {
        private final X509TrustManager delegate;

        Identity(X509TrustManager delegate) {
            this.delegate = delegate;
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            delegate.checkServerTrusted(chain, authType);
            try {
                Collection<List<?>> names = chain[0].getSubjectAlternativeNames();
                if (names != null) {
                    for (List<?> n : names) {
                        if (n.size() >= 2 && Integer.valueOf(6).equals(n.get(0)) && n.get(1) instanceof String uri && uri.matches("muster://[^/]+/server/[^/]+")) return;
                    }
                }
            } catch (CertificateParsingException e) {
                throw new CertificateException("the server certificate has an unreadable subjectAltName", e);
            }
            throw new CertificateException("the certificate presented has no muster://<cluster>/server/<id> identity: not a Muster server");
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            checkServerTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            checkServerTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("server trust only");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            checkClientTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            checkClientTrusted(chain, authType);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return delegate.getAcceptedIssuers();
        }
    }
}
