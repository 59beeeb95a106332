package io.muster.pki.tls;

import io.muster.pki.Identity;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Certificate checks shared by the trust managers. Each failure is a {@link CertificateException} whose message
 * starts with a short reason ("expired", "unknown issuer", ...) followed by details naming the certificate.
 *
 * <p>The trust managers verify a leaf directly against CA certificates they hold, instead of running PKIX path
 * building over what the peer sent: Muster's hierarchy is fixed and shallow, the anchors are known in-process,
 * and direct checks give each refusal a precise reason.
 */
final class Checks {
    static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
    static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";

    /** Extensions these checks understand; any other critical extension must make verification fail (RFC 5280 4.2). */
    private static final Set<String> HANDLED_CRITICAL = Set.of(
            "2.5.29.15", // keyUsage
            "2.5.29.17", // subjectAltName
            "2.5.29.19", // basicConstraints
            "2.5.29.37"); // extKeyUsage
    private static final int KEY_USAGE_DIGITAL_SIGNATURE = 0;

    private Checks() {}

    static CertificateException reject(String reason, String detail) {
        return new CertificateException(reason + ": " + detail);
    }

    static X509Certificate leafOf(X509Certificate[] chain) {
        // The X509TrustManager contract: IllegalArgumentException for a null or empty chain.
        if (chain == null || chain.length == 0 || chain[0] == null) {
            throw new IllegalArgumentException("certificate chain is empty");
        }
        return chain[0];
    }

    static String describe(X509Certificate certificate) {
        return "'" + certificate.getSubjectX500Principal().getName() + "' (serial " + certificate.getSerialNumber().toString(16) + ")";
    }

    /** True if {@code issuer}'s key verifies {@code certificate}'s signature and the names chain. */
    static boolean signedBy(X509Certificate certificate, X509Certificate issuer) {
        if (!certificate.getIssuerX500Principal().equals(issuer.getSubjectX500Principal())) {
            return false;
        }
        try {
            certificate.verify(issuer.getPublicKey());
            return true;
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    static void requireValidAt(X509Certificate certificate, Instant now, String role) throws CertificateException {
        Instant notBefore = certificate.getNotBefore().toInstant();
        Instant notAfter = certificate.getNotAfter().toInstant();
        if (now.isAfter(notAfter)) {
            throw reject("expired", role + " " + describe(certificate) + " expired at " + notAfter + " (now " + now + ")");
        }
        if (now.isBefore(notBefore)) {
            throw reject("not yet valid", role + " " + describe(certificate) + " is not valid before " + notBefore
                    + " (now " + now + "; check the clocks)");
        }
    }

    static void requireEndEntity(X509Certificate certificate, String role, String kind) throws CertificateException {
        if (certificate.getBasicConstraints() >= 0) {
            throw reject("not a " + kind + " certificate", role + " " + describe(certificate) + " is a CA certificate");
        }
        Set<String> critical = certificate.getCriticalExtensionOIDs();
        if (critical != null) {
            for (String oid : critical) {
                if (!HANDLED_CRITICAL.contains(oid)) {
                    throw reject("unsupported critical extension", role + " " + describe(certificate)
                            + " has critical extension " + oid);
                }
            }
        }
    }

    /** The EKU must list {@code purpose}, and KeyUsage, when present, must allow signatures (TLS proves possession by signing). */
    static void requireUsage(X509Certificate certificate, String purpose, String role, String kind)
            throws CertificateException {
        List<String> extendedUsage;
        try {
            extendedUsage = certificate.getExtendedKeyUsage();
        } catch (CertificateException e) {
            throw reject("not a " + kind + " certificate", role + " " + describe(certificate) + " has an unparseable extKeyUsage");
        }
        String eku = SERVER_AUTH.equals(purpose) ? "serverAuth" : "clientAuth";
        if (extendedUsage == null || !extendedUsage.contains(purpose)) {
            throw reject("not a " + kind + " certificate", role + " " + describe(certificate)
                    + " lacks the " + eku + " extended key usage");
        }
        boolean[] keyUsage = certificate.getKeyUsage();
        if (keyUsage != null && (keyUsage.length <= KEY_USAGE_DIGITAL_SIGNATURE || !keyUsage[KEY_USAGE_DIGITAL_SIGNATURE])) {
            throw reject("not a " + kind + " certificate", role + " " + describe(certificate)
                    + " has a key usage without digitalSignature");
        }
    }

    /** The certificate's muster identity, which must belong to {@code clusterId}. */
    static Identity requireIdentity(X509Certificate certificate, String clusterId, String role) throws CertificateException {
        Optional<Identity> found;
        try {
            found = Identity.fromCertificate(certificate);
        } catch (CertificateException e) {
            throw reject("no identity", role + " " + describe(certificate) + ": " + e.getMessage());
        }
        Identity identity = found.orElseThrow(() -> reject("no identity",
                role + " " + describe(certificate) + " has no muster:// URI SAN"));
        if (!identity.clusterId().equals(clusterId)) {
            throw reject("wrong cluster", role + " " + describe(certificate) + " belongs to cluster '"
                    + identity.clusterId() + "', expected '" + clusterId + "'");
        }
        return identity;
    }
}
