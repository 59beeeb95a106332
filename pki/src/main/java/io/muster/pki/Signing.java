package io.muster.pki;

import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Picks the signature algorithm for a signing key. */
final class Signing {
    private Signing() {}

    static String algorithmFor(PrivateKey key) {
        return switch (key.getAlgorithm()) {
            // Match the hash to the curve strength: P-384 keys sign with SHA-384.
            case "EC" -> key instanceof ECPrivateKey ec && ec.getParams().getOrder().bitLength() > 256
                    ? "SHA384withECDSA" : "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            default -> throw new IllegalArgumentException("cannot sign with a " + key.getAlgorithm() + " key (EC or RSA required)");
        };
    }

    static ContentSigner signer(PrivateKey key) {
        try {
            return new JcaContentSignerBuilder(algorithmFor(key)).build(key);
        } catch (OperatorCreationException e) {
            throw new IllegalStateException("cannot create a " + algorithmFor(key) + " signer", e);
        }
    }
}
