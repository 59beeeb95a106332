package io.muster.pki;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class SecretsTest {
    private static final TestPki PKI = new TestPki();

    @Test
    void newSecretIs32RandomBytesInBase64Url() {
        String a = Secrets.newSecret();
        String b = Secrets.newSecret();
        assertEquals(43, a.length());
        assertTrue(a.matches("[A-Za-z0-9_-]{43}"), a);
        assertEquals(32, Base64.getUrlDecoder().decode(a).length);
        assertNotEquals(a, b);
    }

    @Test
    void sha256HexMatchesTheKnownVector() {
        assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", Secrets.sha256Hex("abc"));
    }

    @Test
    void spkiHashAndFingerprint() throws Exception {
        var ca = PKI.clusterCa.certificate();
        byte[] expectedSpki = MessageDigest.getInstance("SHA-256").digest(ca.getPublicKey().getEncoded());
        assertArrayEquals(expectedSpki, Secrets.spkiSha256(ca));
        assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(ca.getEncoded())),
                Secrets.fingerprintSha256(ca));
    }

    @Test
    void spkiPinMatchesOnlyItsKeyAndRoundTripsThroughText() {
        SpkiPin pin = SpkiPin.of(PKI.clusterCa.certificate());
        assertTrue(pin.matches(PKI.clusterCa.certificate()));
        assertFalse(pin.matches(PKI.workerCa.certificate()));
        assertEquals(pin, SpkiPin.parse(pin.toString()));
        assertEquals(pin, SpkiPin.of(pin.bytes()));
        assertTrue(pin.toString().matches("sha256:[0-9a-f]{64}"));
        assertThrows(IllegalArgumentException.class, () -> SpkiPin.of(new byte[31]));
        assertThrows(IllegalArgumentException.class, () -> SpkiPin.parse("sha256:zz"));
    }
}
