package io.muster.pki;

import java.io.IOException;
import java.math.BigInteger;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;

/** Shared mechanics of building and signing an X.509 v3 certificate; the policy lives in the callers. */
final class CertificateBuilder {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final X509v3CertificateBuilder builder;
    private final JcaX509ExtensionUtils extensionUtils;

    private CertificateBuilder(X509v3CertificateBuilder builder) {
        this.builder = builder;
        try {
            this.extensionUtils = new JcaX509ExtensionUtils();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 (for key identifiers) is unavailable in this JVM", e);
        }
    }

    /** Issued by {@code issuer}: issuer DN and authority key id are taken from the issuer's certificate. */
    static CertificateBuilder issuedBy(X509Certificate issuer, X500Name subject, PublicKey subjectKey,
                                       Instant notBefore, Instant notAfter) {
        return issuedBy(issuer, randomSerial(), subject, subjectKey, notBefore, notAfter);
    }

    /** As above with a serial chosen earlier (see {@link CertificateIssuer#planWorkerLeaf}). */
    static CertificateBuilder issuedBy(X509Certificate issuer, BigInteger serial, X500Name subject, PublicKey subjectKey,
                                       Instant notBefore, Instant notAfter) {
        if (serial.signum() <= 0) throw new IllegalArgumentException("a certificate serial must be positive");
        var builder = new CertificateBuilder(new JcaX509v3CertificateBuilder(issuer, serial,
                Date.from(notBefore), Date.from(notAfter), subject, subjectKey));
        builder.add(Extension.authorityKeyIdentifier, false, new AuthorityKeyIdentifier(builder.keyIdOf(issuer)));
        return builder.add(Extension.subjectKeyIdentifier, false, builder.extensionUtils.createSubjectKeyIdentifier(subjectKey));
    }

    /** Self-signed: the authority key id is the subject's own key id. */
    static CertificateBuilder selfSigned(X500Name subject, PublicKey key, Instant notBefore, Instant notAfter) {
        var builder = new CertificateBuilder(new JcaX509v3CertificateBuilder(subject, randomSerial(),
                Date.from(notBefore), Date.from(notAfter), subject, key));
        builder.add(Extension.authorityKeyIdentifier, false, builder.extensionUtils.createAuthorityKeyIdentifier(key));
        return builder.add(Extension.subjectKeyIdentifier, false, builder.extensionUtils.createSubjectKeyIdentifier(key));
    }

    CertificateBuilder add(ASN1ObjectIdentifier oid, boolean critical, ASN1Encodable value) {
        try {
            builder.addExtension(oid, critical, value);
        } catch (CertIOException e) {
            throw new IllegalArgumentException("cannot encode certificate extension " + oid.getId(), e);
        }
        return this;
    }

    X509Certificate sign(PrivateKey issuerKey) {
        try {
            return new JcaX509CertificateConverter().getCertificate(builder.build(Signing.signer(issuerKey)));
        } catch (CertificateException e) {
            throw new IllegalStateException("cannot convert a freshly built certificate", e);
        }
    }

    static X500Name commonName(String cn) {
        return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, cn).build();
    }

    /**
     * 128 random bits, forced positive and non-zero: unpredictable serials are what RFC 5280 / CA/B rules ask for,
     * and uniqueness lets revocation key on the serial.
     */
    static BigInteger randomSerial() {
        BigInteger serial;
        do {
            byte[] bytes = new byte[16];
            RANDOM.nextBytes(bytes);
            serial = new BigInteger(1, bytes);
        } while (serial.signum() == 0);
        return serial;
    }

    /**
     * The issuer's own subject key id, so AKI always equals the issuer's SKI even if the issuer was made by another
     * tool with another key-id method. Key id only (no issuer name + serial), so a re-issued CA with the same key
     * still matches its old leaves.
     */
    private byte[] keyIdOf(X509Certificate issuer) {
        byte[] extension = issuer.getExtensionValue(Extension.subjectKeyIdentifier.getId());
        if (extension != null) {
            try {
                return SubjectKeyIdentifier.getInstance(JcaX509ExtensionUtils.parseExtensionValue(extension)).getKeyIdentifier();
            } catch (IOException | RuntimeException e) {
                // Fall through: an unreadable SKI is replaced by one computed from the key.
            }
        }
        return extensionUtils.createSubjectKeyIdentifier(issuer.getPublicKey()).getKeyIdentifier();
    }
}
