package io.muster.pki;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.Objects;

/**
 * A CA certificate with its private key. The constructor refuses a certificate that is not a CA or a key that does
 * not belong to it, so a mix-up of files fails at load time instead of producing certificates nobody can verify.
 * {@link #toString()} never shows the key.
 */
public record CertificateAuthority(X509Certificate certificate, PrivateKey privateKey) {
    private static final byte[] PROBE = "muster-ca-key-check".getBytes(StandardCharsets.US_ASCII);

    public CertificateAuthority {
        Objects.requireNonNull(certificate, "certificate");
        Objects.requireNonNull(privateKey, "privateKey");
        if (certificate.getBasicConstraints() < 0) {
            throw new IllegalArgumentException("certificate " + subject(certificate) + " is not a CA (no basicConstraints cA=true)");
        }
        if (!keyMatches(certificate, privateKey)) {
            throw new IllegalArgumentException("private key does not belong to CA certificate " + subject(certificate));
        }
    }

    /** Subject DN of the CA certificate, RFC 2253 form. */
    public String subject() {
        return subject(certificate);
    }

    private static boolean keyMatches(X509Certificate certificate, PrivateKey key) {
        if (!key.getAlgorithm().equals(certificate.getPublicKey().getAlgorithm())) {
            return false;
        }
        try {
            String algorithm = Signing.algorithmFor(key);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(PROBE);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certificate.getPublicKey());
            verifier.update(PROBE);
            return verifier.verify(signature);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return false;
        }
    }

    private static String subject(X509Certificate certificate) {
        return certificate.getSubjectX500Principal().getName();
    }

    @Override
    public String toString() {
        return "CertificateAuthority[subject=" + subject() + ", serial=" + certificate.getSerialNumber().toString(16)
                + ", notAfter=" + certificate.getNotAfter().toInstant() + ", privateKey=<redacted>]";
    }
}
