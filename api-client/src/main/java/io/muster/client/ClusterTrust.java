package io.muster.client;

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
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * TLS trust for a Muster API: only the cluster CA from a PEM file (usually {@code <data_dir>/ca.pem}).
 *
 * <p>Hostname verification is off on purpose: servers are reached by whatever address an operator types
 * (an IP, a load balancer name, localhost), and a server's identity is not a host name but the cluster CA
 * signature plus the URI SAN {@code muster://<cluster>/server/<id>}. We check both instead. The SAN check
 * matters: worker certificates also chain to the cluster CA (through the worker CA), so without it any
 * worker could pose as a server.
 */
public final class ClusterTrust {
    private static final Pattern SERVER_IDENTITY = Pattern.compile("muster://[^/]+/server/[^/]+");
    private static final int SAN_URI = 6;

    private ClusterTrust() {}

    public static SSLContext sslContext(Path caPem) throws IOException, GeneralSecurityException {
        List<X509Certificate> cas = readCertificates(caPem);
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        for (int i = 0; i < cas.size(); i++) ks.setCertificateEntry("muster-ca-" + i, cas.get(i));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        X509TrustManager delegate = null;
        for (TrustManager tm : tmf.getTrustManagers()) if (tm instanceof X509TrustManager x) delegate = x;
        if (delegate == null) throw new GeneralSecurityException("no X.509 trust manager available");
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new TrustManager[] {new ServerIdentityTrustManager(delegate)}, null);
        return ctx;
    }

    static List<X509Certificate> readCertificates(Path pem) throws IOException, CertificateException {
        if (!Files.isRegularFile(pem)) throw new IOException("CA certificate file " + pem + " does not exist");
        Collection<? extends Certificate> certs;
        try (InputStream in = Files.newInputStream(pem)) {
            certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
        } catch (CertificateException e) {
            throw new CertificateException("CA certificate file " + pem + " is not PEM certificates: " + e.getMessage(), e);
        }
        if (certs.isEmpty()) throw new CertificateException("CA certificate file " + pem + " holds no certificate");
        return certs.stream().map(c -> (X509Certificate) c).toList();
    }

    /** The leaf must carry a Muster server identity; a worker or foreign certificate is refused. */
    static void requireServerIdentity(X509Certificate leaf) throws CertificateException {
        Collection<List<?>> names;
        try {
            names = leaf.getSubjectAlternativeNames();
        } catch (CertificateParsingException e) {
            throw new CertificateException("the server certificate has an unreadable subjectAltName", e);
        }
        if (names != null) {
            for (List<?> n : names) {
                if (n.size() >= 2 && n.get(0) instanceof Integer t && t == SAN_URI && n.get(1) instanceof String uri
                        && SERVER_IDENTITY.matcher(uri).matches()) return;
            }
        }
        throw new CertificateException("the certificate presented (" + leaf.getSubjectX500Principal().getName()
                + ") has no muster://<cluster>/server/<id> identity, so it is not a Muster server");
    }

    /** PKIX validation against the cluster CA plus the identity check; never the host name (see class comment). */
    private static final class ServerIdentityTrustManager extends X509ExtendedTrustManager {
        private final X509TrustManager delegate;

        ServerIdentityTrustManager(X509TrustManager delegate) {
            this.delegate = delegate;
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            delegate.checkServerTrusted(chain, authType);
            requireServerIdentity(chain[0]);
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
            throw new CertificateException("this trust manager only checks servers");
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
