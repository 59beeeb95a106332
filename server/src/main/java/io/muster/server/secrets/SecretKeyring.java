package io.muster.server.secrets;

import io.muster.pki.secret.ClusterSecret;
import io.muster.pki.secret.Sealer;
import java.security.GeneralSecurityException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The keys that seal secret values in the replicated state. Key {@code n} is derived from the cluster secret
 * (HKDF-SHA256, label {@code "muster secrets keyring v<n>"}), so it exists only on servers holding that secret and
 * never travels, not even sealed. Each sealed value records the key id it was sealed under: a rotation adds key
 * {@code n+1}, re-seals every value under it, and still opens values of older ids meanwhile.
 *
 * <p>The associated data binds a sealed value to its cluster and name: a ciphertext copied onto another name (or
 * another cluster) does not open.
 */
public final class SecretKeyring {
    /** The key new values are sealed under. */
    public static final int CURRENT_KEY_ID = 1;

    private final ClusterSecret secret;
    private final Map<Integer, byte[]> keys = new ConcurrentHashMap<>();

    public SecretKeyring(ClusterSecret secret) {
        this.secret = secret;
    }

    /** A value sealed under key {@code keyId}. */
    public record Sealed(int keyId, byte[] bytes) {}

    /** Seals {@code value} for secret {@code name} with a fresh random nonce (the proposer's choice, before proposing). */
    public Sealed seal(String name, byte[] value) {
        return new Sealed(CURRENT_KEY_ID, Sealer.seal(key(CURRENT_KEY_ID), context(name, CURRENT_KEY_ID), value));
    }

    /** Opens a sealed value; fails for another name, another cluster, an unknown key id, or a changed bit. */
    public byte[] open(String name, int keyId, byte[] sealed) throws GeneralSecurityException {
        if (keyId < 1 || keyId > CURRENT_KEY_ID) throw new GeneralSecurityException("secret " + name + " is sealed under unknown keyring key " + keyId);
        return Sealer.open(key(keyId), context(name, keyId), sealed);
    }

    private byte[] key(int keyId) {
        return keys.computeIfAbsent(keyId, secret::keyringKey);
    }

    private String context(String name, int keyId) {
        return "secret/" + secret.clusterId() + "/" + name + "/k" + keyId;
    }

    @Override
    public String toString() {
        return "SecretKeyring[" + secret.clusterId() + "]"; // never a key
    }
}
