package io.muster.pki;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;

/** Key generation. Every key Muster creates itself is EC P-256 (ECDSA with SHA-256). */
public final class Keys {
    private Keys() {}

    /** A fresh EC P-256 key pair from a system {@link SecureRandom}. */
    public static KeyPair generateP256() {
        return generateP256(new SecureRandom());
    }

    public static KeyPair generateP256(SecureRandom random) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), random);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            // P-256 is mandatory in every Java SE runtime, so this is a broken JVM, not a caller error.
            throw new IllegalStateException("EC P-256 key generation is unavailable in this JVM", e);
        }
    }
}
