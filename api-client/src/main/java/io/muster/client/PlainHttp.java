package io.muster.client;

import java.security.SecureRandom;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;

/**
 * TLS settings for a client of an {@code http://} address. {@link java.net.http.HttpClient} takes the JVM's
 * default {@link SSLContext} when it is given none, even if it never speaks TLS: that loads every JCA provider,
 * the cipher suite tables and the JDK's ~150 trusted CA certificates, about 0.1-0.2 s of a CLI command (docs/BENCHMARKS.md,
 * "CLI start time"). This context costs nothing and cannot make a TLS connection: {@link MusterClient} never sends an
 * https request through a client built for http (it refuses an http-to-https redirect instead).
 */
final class PlainHttp {
    private PlainHttp() {}

    /** A context that refuses every use. */
    static SSLContext noTls() {
        return new SSLContext(new Refusing(), null, "none") {};
    }

    /** Parameters given explicitly, so the client does not ask the context for its defaults. */
    static SSLParameters parameters() {
        return new SSLParameters();
    }

    private static final class Refusing extends SSLContextSpi {
        private static UnsupportedOperationException refused() {
            return new UnsupportedOperationException("this Muster API client was built for an http:// address and has no TLS settings");
        }

        @Override protected void engineInit(KeyManager[] km, TrustManager[] tm, SecureRandom sr) {
            throw refused();
        }

        @Override protected SSLSocketFactory engineGetSocketFactory() {
            throw refused();
        }

        @Override protected SSLServerSocketFactory engineGetServerSocketFactory() {
            throw refused();
        }

        @Override protected SSLEngine engineCreateSSLEngine() {
            throw refused();
        }

        @Override protected SSLEngine engineCreateSSLEngine(String host, int port) {
            throw refused();
        }

        @Override protected SSLSessionContext engineGetServerSessionContext() {
            throw refused();
        }

        @Override protected SSLSessionContext engineGetClientSessionContext() {
            throw refused();
        }
    }
}
