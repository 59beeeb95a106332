package io.muster.pki.token;

import io.muster.pki.Secrets;
import io.muster.pki.SpkiPin;
import io.muster.pki.token.TokenException.Reason;
import java.io.ByteArrayOutputStream;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Join tokens: one copy-pasteable line {@code mst1.<payload>.<mac>} (base64url, no padding) that lets a worker
 * join a cluster. The payload is a compact binary encoding of {@link TokenClaims}; the MAC is HMAC-SHA256 under the
 * cluster's 32-byte token key over the ASCII text {@code mst1.<payload>}, so the version prefix is authenticated too.
 * A typical token is about 140 characters.
 *
 * <p>Payload v1 (big-endian): u8 clusterIdLength, clusterId (ASCII); tokenId (6 ASCII bytes); i64 issuedAt and
 * i64 expiresAt (epoch seconds); caPin (32 bytes); u8 labelCount, then per label in ascending key order u8 keyLength,
 * key, u8 valueLength, value. Decoding is strict (canonical base64url, no trailing bytes, sorted unique labels), so
 * every valid token has exactly one spelling and any altered character fails.
 *
 * <p>Nothing here puts the token text or the key into an exception message.
 */
public final class JoinTokens {
    public static final String PREFIX = "mst";
    public static final int KEY_BYTES = 32;
    public static final int MAC_BYTES = 32;

    private static final String MAC_ALGORITHM = "HmacSHA256";
    private static final Pattern VERSION = Pattern.compile("0|[1-9][0-9]{0,2}");
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final String TOKEN_ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";
    private static final SecureRandom RANDOM = new SecureRandom();

    private JoinTokens() {}

    /** A new 32-byte cluster token key. */
    public static byte[] newKey() {
        return Secrets.randomBytes(KEY_BYTES);
    }

    /** A random token id, {@code [a-z0-9]{6}} (about 31 bits; an identifier, not a secret). */
    public static String newTokenId() {
        StringBuilder id = new StringBuilder(6);
        for (int i = 0; i < 6; i++) {
            id.append(TOKEN_ID_ALPHABET.charAt(RANDOM.nextInt(TOKEN_ID_ALPHABET.length())));
        }
        return id.toString();
    }

    /** Encodes and signs the claims. The result is a bearer secret: do not log it. */
    public static String encode(TokenClaims claims, byte[] key) {
        requireKey(key);
        String signingInput = PREFIX + claims.version() + "." + ENCODER.encodeToString(payload(claims));
        return signingInput + "." + ENCODER.encodeToString(mac(key, signingInput));
    }

    /**
     * Reads the claims without checking the MAC, so a worker (which has no key) can learn the cluster id and CA pin.
     * Nothing read this way is authenticated until a server {@link #verify verifies} the token.
     */
    public static TokenClaims decode(String token) throws TokenException {
        return parse(token).claims();
    }

    /**
     * Full verification: structure, cluster, MAC, then the time window with {@code allowedSkew} of tolerance on both
     * ends.
     *
     * @throws TokenException with the first failing {@link Reason}
     * @throws IllegalArgumentException if {@code key} is not 32 bytes or {@code allowedSkew} is negative (caller bugs)
     */
    public static TokenClaims verify(String token, byte[] key, String expectedClusterId, Instant now, Duration allowedSkew)
            throws TokenException {
        requireKey(key);
        Objects.requireNonNull(expectedClusterId, "expectedClusterId");
        Objects.requireNonNull(now, "now");
        if (allowedSkew == null || allowedSkew.isNegative()) {
            throw new IllegalArgumentException("allowed clock skew must be zero or positive");
        }
        Parsed parsed = parse(token);
        TokenClaims claims = parsed.claims();
        // Before the MAC on purpose: a token pasted into the wrong cluster is the common mistake, and the cluster
        // id is public anyway (decode reads it), so naming the real problem leaks nothing.
        if (!claims.clusterId().equals(expectedClusterId)) {
            throw new TokenException(Reason.WRONG_CLUSTER, "join token " + claims.tokenId()
                    + " was issued for cluster '" + claims.clusterId() + "', not '" + expectedClusterId + "'");
        }
        if (!Secrets.constantTimeEquals(mac(key, parsed.signingInput()), parsed.mac())) {
            throw new TokenException(Reason.BAD_SIGNATURE, "join token " + claims.tokenId()
                    + " has an invalid signature: it was altered or signed with another cluster key");
        }
        if (claims.issuedAt().isAfter(now.plus(allowedSkew))) {
            throw new TokenException(Reason.ISSUED_IN_FUTURE, "join token " + claims.tokenId() + " is issued at "
                    + claims.issuedAt() + ", later than now (" + now + ") plus the allowed clock skew of "
                    + io.muster.types.HumanDuration.of(allowedSkew) + "; check the clocks");
        }
        if (!now.isBefore(claims.expiresAt().plus(allowedSkew))) {
            throw new TokenException(Reason.EXPIRED, "join token " + claims.tokenId() + " expired at "
                    + claims.expiresAt() + " (now " + now + "); create a new token");
        }
        return claims;
    }

    private record Parsed(TokenClaims claims, String signingInput, byte[] mac) {}

    private static Parsed parse(String token) throws TokenException {
        if (token == null || token.isBlank()) {
            throw new TokenException(Reason.MALFORMED, "join token is empty");
        }
        // Tolerate the surrounding whitespace a copy-paste picks up; inner whitespace is still malformed.
        String text = token.strip();
        if (!text.startsWith(PREFIX)) {
            throw notAToken();
        }
        int firstDot = text.indexOf('.');
        String versionText = firstDot < 0 ? text.substring(PREFIX.length()) : text.substring(PREFIX.length(), firstDot);
        if (firstDot < 0 && (versionText.isEmpty() || VERSION.matcher(versionText).matches())) {
            throw new TokenException(Reason.TRUNCATED, "join token ends right after its prefix (was it cut off when copying?)");
        }
        if (!VERSION.matcher(versionText).matches()) {
            throw notAToken();
        }
        int version = Integer.parseInt(versionText);
        if (version != TokenClaims.CURRENT_VERSION) {
            throw new TokenException(Reason.UNSUPPORTED_VERSION, "join token has format version " + version
                    + "; this build understands version " + TokenClaims.CURRENT_VERSION);
        }
        int secondDot = text.indexOf('.', firstDot + 1);
        if (secondDot < 0) {
            throw new TokenException(Reason.TRUNCATED, "join token has no signature part (was it cut off when copying?)");
        }
        if (text.indexOf('.', secondDot + 1) >= 0) {
            throw new TokenException(Reason.MALFORMED, "join token has too many '.'-separated parts");
        }
        byte[] payload = base64(text.substring(firstDot + 1, secondDot), "payload");
        byte[] mac = base64(text.substring(secondDot + 1), "signature");
        if (mac.length < MAC_BYTES) {
            throw new TokenException(Reason.TRUNCATED, "join token signature is " + mac.length + " bytes instead of "
                    + MAC_BYTES + " (was the token cut off when copying?)");
        }
        if (mac.length > MAC_BYTES) {
            throw new TokenException(Reason.MALFORMED, "join token signature is " + mac.length + " bytes instead of " + MAC_BYTES);
        }
        return new Parsed(claims(version, payload), text.substring(0, secondDot), mac);
    }

    private static TokenException notAToken() {
        return new TokenException(Reason.MALFORMED, "not a Muster join token (a token starts with " + PREFIX
                + TokenClaims.CURRENT_VERSION + ".)");
    }

    /** Strict base64url: alphabet only, possible length, canonical (unused trailing bits zero). */
    private static byte[] base64(String part, String what) throws TokenException {
        for (int i = 0; i < part.length(); i++) {
            char c = part.charAt(i);
            boolean ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
            if (!ok) {
                throw new TokenException(Reason.MALFORMED, "join token " + what + " contains a character outside base64url");
            }
        }
        if (part.length() % 4 == 1) {
            throw new TokenException(Reason.TRUNCATED, "join token " + what + " has an impossible length (was it cut off?)");
        }
        byte[] bytes = Base64.getUrlDecoder().decode(part);
        // Java's decoder ignores non-zero unused bits; without this check two spellings would carry the same bytes.
        if (!ENCODER.encodeToString(bytes).equals(part)) {
            throw new TokenException(Reason.MALFORMED, "join token " + what + " is not canonical base64url");
        }
        return bytes;
    }

    private static byte[] payload(TokenClaims claims) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(128);
        writeShortString(out, claims.clusterId());
        out.writeBytes(claims.tokenId().getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(ByteBuffer.allocate(16).putLong(claims.issuedAt().getEpochSecond())
                .putLong(claims.expiresAt().getEpochSecond()).array());
        out.writeBytes(claims.caPin().bytes());
        out.write(claims.allowedLabels().size());
        claims.allowedLabels().forEach((key, value) -> {
            writeShortString(out, key);
            writeShortString(out, value);
        });
        return out.toByteArray();
    }

    private static void writeShortString(ByteArrayOutputStream out, String value) {
        byte[] bytes = value.getBytes(StandardCharsets.US_ASCII);
        out.write(bytes.length); // every string field is at most 63 ASCII characters (TokenClaims validates)
        out.writeBytes(bytes);
    }

    private static TokenClaims claims(int version, byte[] payload) throws TokenException {
        ByteBuffer in = ByteBuffer.wrap(payload);
        try {
            String clusterId = readShortString(in);
            String tokenId = readString(in, 6);
            long issuedAt = in.getLong();
            long expiresAt = in.getLong();
            byte[] pin = new byte[SpkiPin.LENGTH];
            in.get(pin);
            int labelCount = Byte.toUnsignedInt(in.get());
            Map<String, String> labels = new LinkedHashMap<>();
            String previousKey = null;
            for (int i = 0; i < labelCount; i++) {
                String key = readShortString(in);
                String value = readShortString(in);
                if (previousKey != null && previousKey.compareTo(key) >= 0) {
                    throw new TokenException(Reason.MALFORMED, "join token labels are not in canonical order");
                }
                previousKey = key;
                labels.put(key, value);
            }
            if (in.hasRemaining()) {
                throw new TokenException(Reason.MALFORMED, "join token payload has " + in.remaining() + " unexpected trailing bytes");
            }
            return new TokenClaims(version, clusterId, tokenId, Instant.ofEpochSecond(issuedAt),
                    Instant.ofEpochSecond(expiresAt), labels, SpkiPin.of(pin));
        } catch (BufferUnderflowException e) {
            throw new TokenException(Reason.TRUNCATED, "join token payload is truncated");
        } catch (IllegalArgumentException | DateTimeException e) {
            // TokenClaims' messages name the rule, never the value.
            throw new TokenException(Reason.MALFORMED, "join token payload is invalid: " + e.getMessage());
        }
    }

    private static String readShortString(ByteBuffer in) {
        return readString(in, Byte.toUnsignedInt(in.get()));
    }

    private static String readString(ByteBuffer in, int length) {
        byte[] bytes = new byte[length];
        in.get(bytes);
        // ISO-8859-1 maps each byte to one char, so any non-ASCII byte survives to fail TokenClaims' validation.
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    private static byte[] mac(byte[] key, String signingInput) {
        try {
            Mac mac = Mac.getInstance(MAC_ALGORITHM);
            mac.init(new SecretKeySpec(key, MAC_ALGORITHM));
            return mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is unavailable in this JVM", e);
        }
    }

    private static void requireKey(byte[] key) {
        if (key == null || key.length != KEY_BYTES) {
            throw new IllegalArgumentException("join token key must be exactly " + KEY_BYTES + " bytes, got "
                    + (key == null ? "none" : key.length + " bytes"));
        }
    }
}
