package io.muster.pki.secret;

import io.muster.pki.Secrets;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-256-GCM sealing of key material that must be replicated but not readable by whoever reads a Raft log
 * segment, a snapshot or a listener's stream: {@code version(1) | nonce(12) | ciphertext+tag}. The associated data
 * binds a sealed blob to its purpose and cluster, so one cannot be passed off as another.
 */
public final class Sealer {
    private static final byte VERSION = 1;
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;

    private Sealer() {}

    public static byte[] seal(byte[] key, String context, byte[] plaintext) {
        try {
            byte[] nonce = Secrets.randomBytes(NONCE_BYTES);
            Cipher c = cipher(Cipher.ENCRYPT_MODE, key, nonce, context);
            byte[] ct = c.doFinal(plaintext);
            return ByteBuffer.allocate(1 + NONCE_BYTES + ct.length).put(VERSION).put(nonce).put(ct).array();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available: " + e.getMessage(), e);
        }
    }

    /** Opens a sealed blob; fails if it was sealed under another key or context, or changed in any bit. */
    public static byte[] open(byte[] key, String context, byte[] sealed) throws GeneralSecurityException {
        if (sealed == null || sealed.length < 1 + NONCE_BYTES + TAG_BITS / 8 || sealed[0] != VERSION) {
            throw new GeneralSecurityException("sealed key material is malformed or of an unknown version");
        }
        byte[] nonce = Arrays.copyOfRange(sealed, 1, 1 + NONCE_BYTES);
        try {
            return cipher(Cipher.DECRYPT_MODE, key, nonce, context).doFinal(sealed, 1 + NONCE_BYTES, sealed.length - 1 - NONCE_BYTES);
        } catch (GeneralSecurityException e) {
            throw new GeneralSecurityException("sealed key material does not open with this cluster secret (another cluster's secret, or altered data)");
        }
    }

    private static Cipher cipher(int mode, byte[] key, byte[] nonce, String context) throws GeneralSecurityException {
        Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
        c.init(mode, new SecretKeySpec(key, "AES"), new GCMParameterSpec(TAG_BITS, nonce));
        c.updateAAD(("muster-sealed-v1:" + context).getBytes(StandardCharsets.UTF_8));
        return c;
    }
}
