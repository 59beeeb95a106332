package io.muster.pki;

import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * A SHA-256 pin of a certificate's SubjectPublicKeyInfo. A worker gets the cluster CA's pin from its bootstrap
 * token and uses it to authenticate the server on first contact, before it has {@code ca.pem}. Pinning the key
 * rather than the certificate means a re-issued CA certificate with the same key still matches.
 *
 * <p>Not a secret: it is a hash of a public key.
 */
public final class SpkiPin {
    public static final int LENGTH = 32;

    private final byte[] sha256;

    private SpkiPin(byte[] sha256) {
        this.sha256 = sha256;
    }

    public static SpkiPin of(byte[] sha256) {
        if (sha256 == null || sha256.length != LENGTH) {
            throw new IllegalArgumentException("an SPKI pin is a SHA-256 hash of exactly " + LENGTH + " bytes, got "
                    + (sha256 == null ? "null" : sha256.length + " bytes"));
        }
        return new SpkiPin(sha256.clone());
    }

    public static SpkiPin of(X509Certificate certificate) {
        return new SpkiPin(Secrets.spkiSha256(certificate));
    }

    /** Parses {@link #toString()}'s form, {@code sha256:<64 hex digits>}. */
    public static SpkiPin parse(String text) {
        if (text == null || !text.startsWith("sha256:") || text.length() != 7 + 2 * LENGTH) {
            throw new IllegalArgumentException("an SPKI pin looks like sha256:<64 hex digits>");
        }
        try {
            return new SpkiPin(HexFormat.of().parseHex(text, 7, text.length()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("an SPKI pin looks like sha256:<64 hex digits>");
        }
    }

    public byte[] bytes() {
        return sha256.clone();
    }

    /** Constant-time check of the certificate's public key against this pin. */
    public boolean matches(X509Certificate certificate) {
        return Secrets.constantTimeEquals(sha256, Secrets.spkiSha256(certificate));
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof SpkiPin pin && Secrets.constantTimeEquals(sha256, pin.sha256);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(sha256);
    }

    @Override
    public String toString() {
        return "sha256:" + HexFormat.of().formatHex(sha256);
    }
}
