package io.muster.worker.action;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Cutting output to a byte budget without breaking characters. */
public final class Utf8 {
    private Utf8() {}

    /**
     * The end of {@code bytes} as text of at most {@code maxBytes} bytes of valid UTF-8: the cut falls on a
     * character boundary, and invalid sequences become U+FFFD (then the front is trimmed further, because a
     * replacement takes 3 bytes).
     */
    public static String tail(byte[] bytes, int maxBytes) {
        int from = Math.max(0, bytes.length - maxBytes);
        while (from < bytes.length && (bytes[from] & 0xC0) == 0x80) {
            from++; // a continuation byte: the character began before the cut
        }
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE);
        String text;
        try {
            CharBuffer chars = decoder.decode(ByteBuffer.wrap(bytes, from, bytes.length - from));
            text = chars.toString();
        } catch (CharacterCodingException e) {
            throw new IllegalStateException("a replacing decoder does not throw", e);
        }
        int size = text.getBytes(StandardCharsets.UTF_8).length;
        int cut = 0;
        while (size > maxBytes && cut < text.length()) {
            int cp = text.codePointAt(cut);
            size -= new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8).length;
            cut += Character.charCount(cp);
        }
        return text.substring(cut);
    }
}
