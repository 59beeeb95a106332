package io.muster.pki.token;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.muster.pki.SpkiPin;
import io.muster.pki.token.TokenException.Reason;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class JoinTokensTest {
    static final Instant ISSUED = Instant.parse("2030-01-01T00:00:00Z");
    static final Duration SKEW = Duration.ofMinutes(5);
    static final byte[] KEY = HexFormat.of().parseHex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
    static final SpkiPin PIN = SpkiPin.of(HexFormat.of().parseHex("a1".repeat(32)));
    static final TokenClaims CLAIMS = new TokenClaims(1, "prod-eu", "abc123", ISSUED, ISSUED.plus(Duration.ofHours(24)),
            Map.of("zone", "eu-1", "tier", "batch"), PIN);
    static final String TOKEN = JoinTokens.encode(CLAIMS, KEY);

    @Test
    void encodesACompactSingleLineToken() {
        assertTrue(TOKEN.startsWith("mst1."), TOKEN);
        assertTrue(TOKEN.matches("mst1\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]{43}"), TOKEN);
        assertTrue(TOKEN.length() < 200, "token is " + TOKEN.length() + " characters");
        String plain = JoinTokens.encode(new TokenClaims(1, "prod-eu", "abc123", ISSUED, ISSUED.plusSeconds(3600),
                Map.of(), PIN), KEY);
        assertTrue(plain.length() < 150, "label-free token is " + plain.length() + " characters");
    }

    @Test
    void verifiesAndDecodes() throws Exception {
        assertEquals(CLAIMS, JoinTokens.verify(TOKEN, KEY, "prod-eu", ISSUED.plusSeconds(10), SKEW));
        assertEquals(CLAIMS, JoinTokens.decode(TOKEN));
        // Surrounding whitespace from a copy-paste is tolerated.
        assertEquals(CLAIMS, JoinTokens.verify("  " + TOKEN + "\n", KEY, "prod-eu", ISSUED, SKEW));
    }

    @Test
    void decodeNeedsNoKeyAndExposesPinAndCluster() throws Exception {
        TokenClaims claims = JoinTokens.decode(TOKEN);
        assertEquals("prod-eu", claims.clusterId());
        assertEquals(PIN, claims.caPin());
        assertEquals("abc123", claims.tokenId());
        assertEquals(Map.of("tier", "batch", "zone", "eu-1"), claims.allowedLabels());
    }

    @Test
    void rejectsEmptyAndGarbage() {
        assertReason(Reason.MALFORMED, "join token is empty", "");
        assertReason(Reason.MALFORMED, "join token is empty", "   ");
        assertReason(Reason.MALFORMED, "join token is empty", null);
        assertReason(Reason.MALFORMED, "not a Muster join token", "hello world");
        assertReason(Reason.MALFORMED, "not a Muster join token", "mstx.abc.def");
        assertReason(Reason.MALFORMED, "outside base64url", "mst1.a b.c");
        assertReason(Reason.MALFORMED, "too many '.'-separated parts", TOKEN + ".x");
        assertReason(Reason.MALFORMED, "outside base64url", TOKEN.replace("mst1.", "mst1.=="));
    }

    @Test
    void rejectsTruncatedTokens() {
        assertReason(Reason.TRUNCATED, "ends right after its prefix", "mst1");
        assertReason(Reason.TRUNCATED, "no signature part", TOKEN.substring(0, TOKEN.lastIndexOf('.')));
        assertReason(Reason.TRUNCATED, "signature is 30 bytes", TOKEN.substring(0, TOKEN.length() - 3));
        assertReason(Reason.TRUNCATED, "impossible length", TOKEN.substring(0, TOKEN.length() - 2));
        String payload = TOKEN.substring(5, TOKEN.lastIndexOf('.'));
        String mac = TOKEN.substring(TOKEN.lastIndexOf('.') + 1);
        assertReason(Reason.TRUNCATED, "payload is truncated", "mst1." + payload.substring(0, 40) + "." + mac);
    }

    @Test
    void rejectsUnsupportedVersions() {
        assertReason(Reason.UNSUPPORTED_VERSION, "format version 2; this build understands version 1",
                "mst2" + TOKEN.substring(4));
        assertReason(Reason.UNSUPPORTED_VERSION, "format version 0", "mst0" + TOKEN.substring(4));
    }

    @Test
    void rejectsTamperedTokens() throws Exception {
        // Re-encode a payload with one claim changed but the original MAC: structurally perfect, signature wrong.
        TokenClaims widened = new TokenClaims(1, "prod-eu", "abc123", ISSUED, ISSUED.plus(Duration.ofDays(3650)),
                Map.of(), PIN);
        String forged = JoinTokens.encode(widened, new byte[32]);
        String withOriginalMac = forged.substring(0, forged.lastIndexOf('.')) + TOKEN.substring(TOKEN.lastIndexOf('.'));
        assertVerifyReason(Reason.BAD_SIGNATURE, "invalid signature", withOriginalMac, KEY);
        assertEquals(widened, JoinTokens.decode(withOriginalMac), "decode alone does not authenticate");
    }

    @Test
    void rejectsWrongKey() {
        byte[] otherKey = KEY.clone();
        otherKey[0] ^= 1;
        assertVerifyReason(Reason.BAD_SIGNATURE, "signed with another cluster key", TOKEN, otherKey);
    }

    @Test
    void rejectsExpiredTokens() throws Exception {
        Instant expiry = CLAIMS.expiresAt();
        // Within the skew it still passes; at expiry + skew it is expired.
        JoinTokens.verify(TOKEN, KEY, "prod-eu", expiry.plus(SKEW).minusSeconds(1), SKEW);
        var e = assertThrows(TokenException.class,
                () -> JoinTokens.verify(TOKEN, KEY, "prod-eu", expiry.plus(SKEW), SKEW));
        assertEquals(Reason.EXPIRED, e.reason());
        assertEquals("join token abc123 expired at 2030-01-02T00:00:00Z (now 2030-01-02T00:05:00Z); create a new token",
                e.getMessage());
    }

    @Test
    void rejectsTokensIssuedInTheFutureBeyondTheSkew() throws Exception {
        JoinTokens.verify(TOKEN, KEY, "prod-eu", ISSUED.minus(SKEW), SKEW);
        var e = assertThrows(TokenException.class,
                () -> JoinTokens.verify(TOKEN, KEY, "prod-eu", ISSUED.minus(SKEW).minusSeconds(1), SKEW));
        assertEquals(Reason.ISSUED_IN_FUTURE, e.reason());
        assertTrue(e.getMessage().contains("later than now (2029-12-31T23:54:59Z) plus the allowed clock skew of 5m"),
                e.getMessage());
    }

    @Test
    void rejectsTokensForAnotherCluster() {
        var e = assertThrows(TokenException.class, () -> JoinTokens.verify(TOKEN, KEY, "prod-us", ISSUED, SKEW));
        assertEquals(Reason.WRONG_CLUSTER, e.reason());
        assertEquals("join token abc123 was issued for cluster 'prod-eu', not 'prod-us'", e.getMessage());
    }

    @Test
    void messagesNeverContainTheTokenOrKey() {
        String keyHex = HexFormat.of().formatHex(KEY);
        String keyB64 = Base64.getUrlEncoder().withoutPadding().encodeToString(KEY);
        String mac = TOKEN.substring(TOKEN.lastIndexOf('.') + 1);
        String payload = TOKEN.substring(5, TOKEN.lastIndexOf('.'));
        for (String token : new String[] {TOKEN, TOKEN.substring(0, TOKEN.length() - 3), "mst2" + TOKEN.substring(4),
                TOKEN + ".x", TOKEN.replace('A', '*')}) {
            for (byte[] key : new byte[][] {KEY, new byte[32]}) {
                for (String cluster : new String[] {"prod-eu", "prod-us"}) {
                    for (Instant now : new Instant[] {ISSUED, ISSUED.plus(Duration.ofDays(9)), ISSUED.minus(Duration.ofDays(9))}) {
                        try {
                            JoinTokens.verify(token, key, cluster, now, SKEW);
                        } catch (TokenException e) {
                            String message = e.getMessage();
                            assertFalse(message.contains(mac.substring(0, 8)), message);
                            assertFalse(message.contains(payload.substring(0, 8)), message);
                            assertFalse(message.contains(keyHex.substring(0, 8)), message);
                            assertFalse(message.contains(keyB64.substring(0, 8)), message);
                            assertEquals(null, e.getCause());
                        }
                    }
                }
            }
        }
    }

    @Test
    void refusesBadKeysAndClaimsAsCallerErrors() {
        assertThrows(IllegalArgumentException.class, () -> JoinTokens.encode(CLAIMS, new byte[16]));
        assertThrows(IllegalArgumentException.class, () -> JoinTokens.verify(TOKEN, new byte[31], "prod-eu", ISSUED, SKEW));
        assertThrows(IllegalArgumentException.class, () -> JoinTokens.verify(TOKEN, KEY, "prod-eu", ISSUED, Duration.ofSeconds(-1)));
        assertThrows(IllegalArgumentException.class, () -> new TokenClaims(1, "prod-eu", "ABC123", ISSUED, ISSUED.plusSeconds(1), Map.of(), PIN));
        assertThrows(IllegalArgumentException.class, () -> new TokenClaims(1, "prod-eu", "abc123", ISSUED, ISSUED, Map.of(), PIN));
        assertThrows(IllegalArgumentException.class, () -> new TokenClaims(2, "prod-eu", "abc123", ISSUED, ISSUED.plusSeconds(1), Map.of(), PIN));
        assertThrows(IllegalArgumentException.class, () -> new TokenClaims(1, "prod-eu", "abc123", ISSUED, ISSUED.plusSeconds(1), Map.of("a=b", "c"), PIN));
        var e = assertThrows(IllegalArgumentException.class, () -> new TokenClaims(1, "prod-eu", "abc123", ISSUED,
                ISSUED.plusSeconds(1), Map.of("zone", "secret value with spaces"), PIN));
        assertFalse(e.getMessage().contains("secret value"), e.getMessage());
    }

    @Test
    void newTokensHaveRandomIdsAndKeys() {
        TokenClaims claims = TokenClaims.create("prod-eu", ISSUED.plusMillis(500), Duration.ofHours(1), Map.of(), PIN);
        assertTrue(claims.tokenId().matches("[a-z0-9]{6}"), claims.tokenId());
        assertEquals(ISSUED, claims.issuedAt());
        assertEquals(ISSUED.plusSeconds(3600), claims.expiresAt());
        assertEquals(32, JoinTokens.newKey().length);
    }

    @Test
    void labelsMustBeASubsetOfTheAllowedPairs() {
        assertEquals(Optional.empty(), CLAIMS.disallowedLabel(Map.of()));
        assertEquals(Optional.empty(), CLAIMS.disallowedLabel(Map.of("zone", "eu-1")));
        assertEquals(Optional.empty(), CLAIMS.disallowedLabel(Map.of("zone", "eu-1", "tier", "batch")));
        assertEquals(Optional.of("zone=us-1"), CLAIMS.disallowedLabel(Map.of("zone", "us-1")));
        assertEquals(Optional.of("gpu=true"), CLAIMS.disallowedLabel(Map.of("zone", "eu-1", "gpu", "true")));

        TokenClaims open = new TokenClaims(1, "prod-eu", "abc123", ISSUED, ISSUED.plusSeconds(60), Map.of(), PIN);
        assertEquals(Optional.empty(), open.disallowedLabel(Map.of("anything", "goes", "gpu", "true")));
    }

    private static void assertReason(Reason reason, String fragment, String token) {
        var decode = assertThrows(TokenException.class, () -> JoinTokens.decode(token));
        assertEquals(reason, decode.reason(), decode.getMessage());
        assertTrue(decode.getMessage().contains(fragment), "expected '" + fragment + "' in: " + decode.getMessage());
        assertVerifyReason(reason, fragment, token, KEY);
    }

    private static void assertVerifyReason(Reason reason, String fragment, String token, byte[] key) {
        var e = assertThrows(TokenException.class, () -> JoinTokens.verify(token, key, "prod-eu", ISSUED, SKEW));
        assertEquals(reason, e.reason(), e.getMessage());
        assertTrue(e.getMessage().contains(fragment), "expected '" + fragment + "' in: " + e.getMessage());
    }
}
