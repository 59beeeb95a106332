package io.muster.pki;

import java.io.IOException;
import java.math.BigInteger;
import java.util.Optional;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.RSAPublicKey;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.ECNamedCurveTable;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;

/**
 * Which subject public keys Muster will certify: EC P-256 or P-384, or RSA of 2048 to 8192 bits.
 *
 * <p>Works on the ASN.1 SubjectPublicKeyInfo rather than a {@link java.security.PublicKey} so that keys the JDK
 * cannot even load (secp256k1, explicit curve parameters) still get a precise refusal instead of a provider error.
 */
public final class KeyPolicy {
    public static final int MIN_RSA_BITS = 2048;
    /** Upper bound so a request cannot make the server do arbitrarily expensive RSA operations. */
    public static final int MAX_RSA_BITS = 8192;
    public static final String ACCEPTED = "accepted: EC P-256, EC P-384, RSA 2048-8192 bits";

    private KeyPolicy() {}

    /** Why the key is refused. */
    public enum Problem { WEAK, UNSUPPORTED }

    /** A refusal: whether the key is weak or of an unsupported kind, and a message naming it. */
    public record Rejection(Problem problem, String message) {}

    /** Empty if the key is acceptable, otherwise why not. */
    public static Optional<Rejection> check(SubjectPublicKeyInfo key) {
        ASN1ObjectIdentifier algorithm = key.getAlgorithm().getAlgorithm();
        if (X9ObjectIdentifiers.id_ecPublicKey.equals(algorithm)) {
            return checkEc(key);
        }
        if (PKCSObjectIdentifiers.rsaEncryption.equals(algorithm)) {
            return checkRsa(key);
        }
        return Optional.of(new Rejection(Problem.UNSUPPORTED,
                "unsupported key: " + algorithmName(algorithm) + " keys are not supported (" + ACCEPTED + ")"));
    }

    /** Same as {@link #check(SubjectPublicKeyInfo)} for an already loaded key. */
    public static Optional<Rejection> check(java.security.PublicKey key) {
        return check(SubjectPublicKeyInfo.getInstance(key.getEncoded()));
    }

    private static Optional<Rejection> checkEc(SubjectPublicKeyInfo key) {
        var parameters = key.getAlgorithm().getParameters();
        if (!(parameters instanceof ASN1ObjectIdentifier curve)) {
            return Optional.of(new Rejection(Problem.UNSUPPORTED,
                    "unsupported key: EC keys with explicit or implicit curve parameters are not supported; use a named curve ("
                            + ACCEPTED + ")"));
        }
        if (SECObjectIdentifiers.secp256r1.equals(curve) || SECObjectIdentifiers.secp384r1.equals(curve)) {
            return Optional.empty();
        }
        String name = ECNamedCurveTable.getName(curve);
        return Optional.of(new Rejection(Problem.UNSUPPORTED, "unsupported key: EC curve "
                + (name != null ? name : curve.getId()) + " is not supported (" + ACCEPTED + ")"));
    }

    private static Optional<Rejection> checkRsa(SubjectPublicKeyInfo key) {
        BigInteger modulus;
        try {
            ASN1Primitive parsed = key.parsePublicKey();
            modulus = RSAPublicKey.getInstance(parsed).getModulus();
        } catch (IOException | RuntimeException e) {
            return Optional.of(new Rejection(Problem.UNSUPPORTED, "unsupported key: the RSA public key cannot be parsed"));
        }
        int bits = modulus.bitLength();
        if (bits < MIN_RSA_BITS) {
            return Optional.of(new Rejection(Problem.WEAK, "weak key: RSA key of " + bits
                    + " bits is too weak; at least " + MIN_RSA_BITS + " bits are required (" + ACCEPTED + ")"));
        }
        if (bits > MAX_RSA_BITS) {
            return Optional.of(new Rejection(Problem.UNSUPPORTED, "unsupported key: RSA key of " + bits
                    + " bits exceeds the maximum of " + MAX_RSA_BITS + " (" + ACCEPTED + ")"));
        }
        return Optional.empty();
    }

    private static String algorithmName(ASN1ObjectIdentifier oid) {
        if (X9ObjectIdentifiers.id_dsa.equals(oid)) {
            return "DSA";
        }
        if (EdECObjectIdentifiers.id_Ed25519.equals(oid)) {
            return "Ed25519";
        }
        if (EdECObjectIdentifiers.id_Ed448.equals(oid)) {
            return "Ed448";
        }
        if (EdECObjectIdentifiers.id_X25519.equals(oid)) {
            return "X25519";
        }
        if (EdECObjectIdentifiers.id_X448.equals(oid)) {
            return "X448";
        }
        if (PKCSObjectIdentifiers.id_RSASSA_PSS.equals(oid)) {
            return "RSASSA-PSS";
        }
        if (PKCSObjectIdentifiers.dhKeyAgreement.equals(oid) || X9ObjectIdentifiers.dhpublicnumber.equals(oid)) {
            return "Diffie-Hellman";
        }
        return "algorithm " + oid.getId();
    }
}
