package io.muster.server.secrets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.muster.pki.SpkiPin;
import io.muster.pki.secret.ClusterSecret;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Sealing of secret values: opens only for the same cluster secret, name and key id; a fresh nonce every time. */
class SecretKeyringTest {
    static final SpkiPin PIN = SpkiPin.of(new byte[32]);
    final ClusterSecret secret = ClusterSecret.generate("c-test", PIN);
    final SecretKeyring keyring = new SecretKeyring(secret);
    final byte[] value = "correct horse battery staple".getBytes(StandardCharsets.UTF_8);

    @Test
    void sealsAndOpens() throws Exception {
        SecretKeyring.Sealed s = keyring.seal("db", value);
        assertEquals(SecretKeyring.CURRENT_KEY_ID, s.keyId());
        assertArrayEquals(value, keyring.open("db", s.keyId(), s.bytes()));
        // The same cluster secret read back (another server) opens it too.
        assertArrayEquals(value, new SecretKeyring(ClusterSecret.parse(secret.encode())).open("db", s.keyId(), s.bytes()));
    }

    @Test
    void theCiphertextHoldsNoPlaintextAndNoncesDiffer() {
        byte[] a = keyring.seal("db", value).bytes();
        byte[] b = keyring.seal("db", value).bytes();
        assertFalse(Arrays.equals(a, b), "two seals of one value must differ (random nonce)");
        assertFalse(new String(a, StandardCharsets.ISO_8859_1).contains("horse"));
    }

    @Test
    void anotherNameClusterKeyIdOrBitDoesNotOpen() {
        SecretKeyring.Sealed s = keyring.seal("db", value);
        assertThrows(GeneralSecurityException.class, () -> keyring.open("api", s.keyId(), s.bytes()), "copied onto another name");
        SecretKeyring other = new SecretKeyring(ClusterSecret.generate("c-test", PIN));
        assertThrows(GeneralSecurityException.class, () -> other.open("db", s.keyId(), s.bytes()), "another cluster secret");
        assertThrows(GeneralSecurityException.class, () -> keyring.open("db", 2, s.bytes()), "unknown key id");
        byte[] flipped = s.bytes().clone();
        flipped[flipped.length - 1] ^= 1;
        assertThrows(GeneralSecurityException.class, () -> keyring.open("db", s.keyId(), flipped), "altered");
    }

    @Test
    void theKeyringKeyIsItsOwnDerivation() {
        assertFalse(Arrays.equals(secret.keyringKey(1), secret.sealingKey()));
        assertFalse(Arrays.equals(secret.keyringKey(1), secret.joinKey()));
        assertFalse(Arrays.equals(secret.keyringKey(1), secret.keyringKey(2)));
        assertThrows(IllegalArgumentException.class, () -> secret.keyringKey(0));
    }
}
