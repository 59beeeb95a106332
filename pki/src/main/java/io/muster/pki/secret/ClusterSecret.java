package io.muster.pki.secret;

import io.muster.pki.Identity;
import io.muster.pki.Secrets;
import io.muster.pki.SpkiPin;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Base64;
import java.util.Set;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.HKDFParameters;

/**
 * The one secret the servers of a cluster share: {@code mcs1.<cluster-id>.<ca-pin>.<key>}, made once by
 * {@code muster server init}. The pin (SHA-256 of the cluster CA's SubjectPublicKeyInfo) lets a joining server
 * trust the server it asks for its certificate, as a worker join token does; the 256-bit key never travels: two
 * keys are derived from it (HKDF-SHA256), one to prove the secret when asking for a server certificate, one to seal
 * the CA keys that the Raft log carries.
 */
public final class ClusterSecret {
    public static final String PREFIX = "mcs1.";
    private static final int KEY_BYTES = 32;
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    private final String clusterId;
    private final SpkiPin caPin;
    private final byte[] key;

    private ClusterSecret(String clusterId, SpkiPin caPin, byte[] key) {
        this.clusterId = Identity.requireClusterId(clusterId);
        this.caPin = caPin;
        if (key.length != KEY_BYTES) throw new IllegalArgumentException("cluster secret key must be " + KEY_BYTES + " bytes");
        this.key = key.clone();
    }

    /** A new secret for the cluster whose CA has this pin. */
    public static ClusterSecret generate(String clusterId, SpkiPin caPin) {
        return new ClusterSecret(clusterId, caPin, Secrets.randomBytes(KEY_BYTES));
    }

    /** Strict parse; errors name the part that is wrong and never echo the key. */
    public static ClusterSecret parse(String text) {
        if (text == null) throw new IllegalArgumentException("cluster secret is empty");
        String s = text.strip();
        if (!s.startsWith(PREFIX)) {
            throw new IllegalArgumentException("not a cluster secret: it must start with '" + PREFIX
                    + "' (made by 'muster server init'; a worker join token starts with 'mst1.')");
        }
        String rest = s.substring(PREFIX.length());
        int keyDot = rest.lastIndexOf('.');
        int pinDot = keyDot <= 0 ? -1 : rest.lastIndexOf('.', keyDot - 1);
        if (pinDot <= 0) throw new IllegalArgumentException("cluster secret is truncated: expected mcs1.<cluster-id>.<ca-pin>.<key>");
        String clusterId = rest.substring(0, pinDot);
        byte[] pin = decode(rest.substring(pinDot + 1, keyDot), "CA pin", SpkiPin.LENGTH);
        byte[] key = decode(rest.substring(keyDot + 1), "key", KEY_BYTES);
        try {
            Identity.requireClusterId(clusterId);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("cluster secret: " + e.getMessage());
        }
        return new ClusterSecret(clusterId, SpkiPin.of(pin), key);
    }

    private static byte[] decode(String part, String what, int length) {
        byte[] bytes;
        try {
            bytes = Base64.getUrlDecoder().decode(part);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("cluster secret: the " + what + " is not base64url");
        }
        if (bytes.length != length || !B64.encodeToString(bytes).equals(part)) {
            throw new IllegalArgumentException("cluster secret: the " + what + " must be " + length + " bytes of base64url");
        }
        return bytes;
    }

    /**
     * Reads a secret file. Refuses a file that others than its owner may read, as ssh does for keys: a secret
     * readable by every local user is no secret.
     */
    public static ClusterSecret read(Path file) throws IOException {
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
            if (perms.contains(PosixFilePermission.GROUP_READ) || perms.contains(PosixFilePermission.OTHERS_READ)) {
                throw new IOException(file + ": the cluster secret file must be readable by its owner only (chmod 600 " + file + ")");
            }
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: nothing to check
        }
        if (Files.size(file) > 1024) throw new IOException(file + ": too large for a cluster secret (over 1 KiB)");
        try {
            return parse(Files.readString(file, StandardCharsets.US_ASCII));
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    public String clusterId() {
        return clusterId;
    }

    public SpkiPin caPin() {
        return caPin;
    }

    /** The secret as one line, to hand to the other servers. */
    public String encode() {
        return PREFIX + clusterId + "." + B64.encodeToString(caPin.bytes()) + "." + B64.encodeToString(key);
    }

    /** Key-encryption key for the CA keys carried by the Raft log. */
    public byte[] sealingKey() {
        return derive("muster/v1/seal-ca-keys");
    }

    /**
     * Key {@code keyId} of the secrets keyring: the key that seals the values of {@code muster secret put} in the
     * replicated state. Its own HKDF label, so it is unrelated to the CA-sealing and join keys; a new key id is a new
     * label (rotation re-seals every value under it; each sealed value names the key id it needs).
     */
    public byte[] keyringKey(int keyId) {
        if (keyId < 1) throw new IllegalArgumentException("keyring key ids start at 1");
        return derive("muster secrets keyring v" + keyId);
    }

    /** Key that proves knowledge of the secret when a server asks for its certificate. */
    public byte[] joinKey() {
        return derive("muster/v1/server-join");
    }

    private byte[] derive(String purpose) {
        HKDFBytesGenerator hkdf = new HKDFBytesGenerator(new SHA256Digest());
        hkdf.init(new HKDFParameters(key, clusterId.getBytes(StandardCharsets.UTF_8), purpose.getBytes(StandardCharsets.UTF_8)));
        byte[] out = new byte[32];
        hkdf.generateBytes(out, 0, out.length);
        return out;
    }

    @Override
    public String toString() {
        return "ClusterSecret[" + clusterId + ", CA " + caPin + "]"; // never the key
    }
}
