package io.muster.pki;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.HexFormat;

/** Random secrets and the hashes Muster stores or compares instead of secrets. */
public final class Secrets {
    /** Bytes of entropy in {@link #newSecret()}: 256 bits, beyond any brute force. */
    public static final int SECRET_BYTES = 32;

    private static final SecureRandom RANDOM = new SecureRandom();

    private Secrets() {}

    /** A new ACL token: 32 random bytes, base64url without padding (43 characters). */
    public static String newSecret() {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(randomBytes(SECRET_BYTES));
    }

    public static byte[] randomBytes(int length) {
        byte[] bytes = new byte[length];
        RANDOM.nextBytes(bytes);
        return bytes;
    }

    /**
     * Lowercase hex SHA-256 of the UTF-8 text. ACL tokens are stored this way: they are high-entropy, so a
     * plain (unsalted, fast) hash is enough and lets the server look a token up by its hash.
     */
    public static String sha256Hex(String text) {
        return HexFormat.of().formatHex(sha256(text.getBytes(StandardCharsets.UTF_8)));
    }

    public static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is unavailable in this JVM", e);
        }
    }

    /** SHA-256 of the certificate's DER SubjectPublicKeyInfo (the value a CA pin holds). */
    public static byte[] spkiSha256(X509Certificate certificate) {
        return sha256(certificate.getPublicKey().getEncoded());
    }

    /** Lowercase hex SHA-256 of the certificate's DER encoding, as {@code openssl x509 -fingerprint -sha256} shows it (minus colons). */
    public static String fingerprintSha256(X509Certificate certificate) {
        try {
            return HexFormat.of().formatHex(sha256(certificate.getEncoded()));
        } catch (CertificateEncodingException e) {
            throw new IllegalArgumentException("certificate cannot be DER-encoded", e);
        }
    }

    /** Compares without an early exit, so timing does not reveal how many leading bytes matched. */
    public static boolean constantTimeEquals(byte[] a, byte[] b) {
        return MessageDigest.isEqual(a, b);
    }
}
