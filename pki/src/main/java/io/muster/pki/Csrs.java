package io.muster.pki;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Set;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/**
 * PKCS#10 certificate signing requests. A worker sends one to prove it holds the private key; the server takes
 * only the public key from it and binds the identity itself, so the requested subject is informational.
 */
public final class Csrs {
    /** A P-256 CSR is ~250 bytes and RSA-8192 ~2 KiB; anything near this limit is not a CSR we want to parse. */
    /**
     * BouncyCastle's own P-256 arithmetic verified a CSR in 0.75 ms against the JDK provider's 2.35 ms on our 2-core machine, and CSR
     * verification is most of what a registration costs the server (see docs/BENCHMARKS.md).
     */
    private static final JcaContentVerifierProviderBuilder VERIFIERS =
            new JcaContentVerifierProviderBuilder().setProvider(new org.bouncycastle.jce.provider.BouncyCastleProvider());

    public static final int MAX_CSR_BYTES = 16 * 1024;

    private static final Set<ASN1ObjectIdentifier> ACCEPTED_SIGNATURES = Set.of(
            X9ObjectIdentifiers.ecdsa_with_SHA256, X9ObjectIdentifiers.ecdsa_with_SHA384,
            X9ObjectIdentifiers.ecdsa_with_SHA512, PKCSObjectIdentifiers.sha256WithRSAEncryption,
            PKCSObjectIdentifiers.sha384WithRSAEncryption, PKCSObjectIdentifiers.sha512WithRSAEncryption);

    private Csrs() {}

    /** A DER CSR for the key pair with subject {@code CN=<commonName>}, signed with the pair's private key. */
    public static byte[] create(KeyPair keyPair, String commonName) {
        X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, commonName).build();
        try {
            return new JcaPKCS10CertificationRequestBuilder(subject, keyPair.getPublic())
                    .build(Signing.signer(keyPair.getPrivate()))
                    .getEncoded();
        } catch (IOException e) {
            throw new IllegalStateException("cannot DER-encode a CSR built in memory", e);
        }
    }

    /**
     * Parses a DER CSR, checks the key against {@link KeyPolicy} and verifies the self-signature.
     *
     * @return the verified subject public key
     * @throws CsrException naming why the request is refused
     */
    public static PublicKey parseAndVerify(byte[] der) throws CsrException {
        if (der == null || der.length == 0) {
            throw new CsrException(CsrException.Reason.MALFORMED, "malformed CSR: the request is empty");
        }
        if (der.length > MAX_CSR_BYTES) {
            throw new CsrException(CsrException.Reason.TOO_LARGE, "CSR too large: " + der.length
                    + " bytes exceeds the limit of " + MAX_CSR_BYTES + " bytes");
        }
        PKCS10CertificationRequest request;
        SubjectPublicKeyInfo keyInfo;
        ASN1ObjectIdentifier signatureAlgorithm;
        try {
            request = new PKCS10CertificationRequest(der);
            keyInfo = request.getSubjectPublicKeyInfo();
            signatureAlgorithm = request.getSignatureAlgorithm().getAlgorithm();
        } catch (IOException | RuntimeException e) {
            // BC reports bad ASN.1 with assorted runtime exceptions; all of them mean "not a PKCS#10 request".
            throw new CsrException(CsrException.Reason.MALFORMED, "malformed CSR: not a DER-encoded PKCS#10 request");
        }
        var rejection = KeyPolicy.check(keyInfo);
        if (rejection.isPresent()) {
            var reason = rejection.get().problem() == KeyPolicy.Problem.WEAK
                    ? CsrException.Reason.WEAK_KEY : CsrException.Reason.UNSUPPORTED_KEY;
            throw new CsrException(reason, "CSR refused, " + rejection.get().message());
        }
        if (!ACCEPTED_SIGNATURES.contains(signatureAlgorithm)) {
            throw new CsrException(CsrException.Reason.UNSUPPORTED_SIGNATURE_ALGORITHM, "CSR refused: signature algorithm "
                    + signatureAlgorithm.getId() + " is not accepted (use ECDSA or RSA with SHA-256/384/512)");
        }
        PublicKey publicKey = toPublicKey(keyInfo);
        boolean valid;
        try {
            valid = request.isSignatureValid(VERIFIERS.build(publicKey));
        } catch (OperatorCreationException | PKCSException | RuntimeException e) {
            valid = false;
        }
        if (!valid) {
            throw new CsrException(CsrException.Reason.BAD_SIGNATURE,
                    "CSR signature does not verify with the request's public key (the requester did not prove possession of the private key)");
        }
        return publicKey;
    }

    private static PublicKey toPublicKey(SubjectPublicKeyInfo keyInfo) throws CsrException {
        String algorithm = X9ObjectIdentifiers.id_ecPublicKey.equals(keyInfo.getAlgorithm().getAlgorithm()) ? "EC" : "RSA";
        try {
            return KeyFactory.getInstance(algorithm).generatePublic(new X509EncodedKeySpec(keyInfo.getEncoded()));
        } catch (GeneralSecurityException | IOException | RuntimeException e) {
            throw new CsrException(CsrException.Reason.MALFORMED, "malformed CSR: its " + algorithm + " public key is invalid");
        }
    }
}
