package io.muster.pki.token;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.muster.pki.SpkiPin;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.CharRange;
import net.jqwik.api.constraints.Chars;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.StringLength;

/** Property tests (jqwik). Fixed seeds keep the suite deterministic; change a seed locally to explore further. */
class JoinTokenPropertiesTest {
    private static final byte[] KEY = JoinTokensTest.KEY;
    private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.= +/\n";

    @Property(seed = "20300101")
    void encodeDecodeRoundTrips(@ForAll("claims") TokenClaims claims) throws Exception {
        String token = JoinTokens.encode(claims, KEY);
        assertEquals(claims, JoinTokens.decode(token));
        assertEquals(claims, JoinTokens.verify(token, KEY, claims.clusterId(), claims.issuedAt(), Duration.ZERO));
    }

    @Property(seed = "42")
    void anySingleCharacterChangeFailsVerification(@ForAll("claims") TokenClaims claims,
                                                   @ForAll @IntRange(min = 0, max = 10_000) int position,
                                                   @ForAll("replacements") char replacement) {
        String token = JoinTokens.encode(claims, KEY);
        int index = position % token.length();
        char original = token.charAt(index);
        char changed = replacement == original ? (char) (original ^ 1) : replacement;
        String tampered = token.substring(0, index) + changed + token.substring(index + 1);
        TokenException e = assertThrows(TokenException.class,
                () -> JoinTokens.verify(tampered, KEY, claims.clusterId(), claims.issuedAt(), Duration.ZERO),
                () -> "changing index " + index + " still verified");
        assertEquals(false, e.getMessage().contains(tampered));
    }

    @Property(seed = "7")
    void decodeOfRandomTextOnlyEverThrowsTokenException(@ForAll @StringLength(max = 300) String text) {
        decodeSafely(text);
        decodeSafely("mst1." + text);
    }

    @Property(seed = "8")
    void decodeOfRandomTokenShapedTextOnlyEverThrowsTokenException(
            @ForAll @StringLength(max = 200) @Chars({'-', '_', '.'}) @CharRange(from = 'a', to = 'z')
            @CharRange(from = 'A', to = 'Z') @CharRange(from = '0', to = '9') String body) {
        decodeSafely("mst1." + body);
    }

    private static void decodeSafely(String text) {
        try {
            JoinTokens.decode(text);
        } catch (TokenException expected) {
            // The only acceptable failure.
        }
    }

    @Provide
    Arbitrary<Character> replacements() {
        return Arbitraries.of(ALPHABET.chars().mapToObj(c -> (char) c).toArray(Character[]::new));
    }

    @Provide
    Arbitrary<TokenClaims> claims() {
        Arbitrary<String> clusterIds = Arbitraries.strings().withCharRange('a', 'z').withCharRange('0', '9')
                .withChars('-', '.', '_').ofMinLength(0).ofMaxLength(62)
                .flatMap(rest -> Arbitraries.strings().withCharRange('a', 'z').ofLength(1).map(first -> first + rest));
        Arbitrary<String> tokenIds = Arbitraries.strings().withCharRange('a', 'z').withCharRange('0', '9').ofLength(6);
        Arbitrary<Long> issued = Arbitraries.longs().between(-4_000_000_000L, 8_000_000_000L);
        Arbitrary<Long> lifetimes = Arbitraries.longs().between(1, 10L * 365 * 24 * 3600);
        Arbitrary<String> keys = Arbitraries.strings().withCharRange('a', 'z').withCharRange('A', 'Z')
                .withCharRange('0', '9').withChars('.', '_', '/', '-').ofMinLength(1).ofMaxLength(63);
        Arbitrary<String> values = Arbitraries.strings().withCharRange('a', 'z').withCharRange('0', '9')
                .withChars('.', '_', '/', '-').ofMinLength(0).ofMaxLength(63);
        Arbitrary<Map<String, String>> labels = Arbitraries.maps(keys, values).ofMaxSize(8);
        Arbitrary<SpkiPin> pins = Arbitraries.bytes().array(byte[].class).ofSize(32).map(SpkiPin::of);
        return Combinators.combine(clusterIds, tokenIds, issued, lifetimes, labels, pins).as(
                (cluster, id, issuedAt, lifetime, allowed, pin) -> new TokenClaims(1, cluster, id,
                        Instant.ofEpochSecond(issuedAt), Instant.ofEpochSecond(issuedAt + lifetime), allowed, pin));
    }
}
