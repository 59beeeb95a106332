package io.muster.worker.driver;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * The byte patterns a task's output must not contain: each secret's value, the value without one trailing newline
 * (a value put from a file usually ends in one; the task prints what it uses), the standard base64 of each, with
 * and without padding, and the value JSON-escaped (as the stdin object carries it). Each is replaced by {@code [redacted:NAME]}. Immutable; {@link #stream} makes the per-stream
 * state.
 */
public final class SecretRedactor {
    /** A redactor with nothing to redact: output passes unchanged. */
    public static final SecretRedactor NONE = new SecretRedactor(List.of());

    record Pattern(byte[] bytes, byte[] replacement) {}

    private final List<Pattern> patterns;
    /** Patterns by their first byte: most output bytes start none, and cost one array read. */
    private final Pattern[][] byFirstByte = new Pattern[256][];
    private final int maxLength;

    private SecretRedactor(List<Pattern> patterns) {
        this.patterns = List.copyOf(patterns);
        this.maxLength = patterns.stream().mapToInt(p -> p.bytes().length).max().orElse(0);
        for (int b = 0; b < 256; b++) {
            int first = b;
            List<Pattern> starting = patterns.stream().filter(p -> (p.bytes()[0] & 0xff) == first).toList();
            byFirstByte[b] = starting.isEmpty() ? null : starting.toArray(Pattern[]::new);
        }
    }

    /** @param values secret name → value; empty values are ignored (there is nothing to find) */
    public static SecretRedactor of(Map<String, byte[]> values) {
        List<Pattern> out = new ArrayList<>();
        values.forEach((name, value) -> {
            byte[] label = ("[redacted:" + name + "]").getBytes(StandardCharsets.UTF_8);
            List<byte[]> forms = new ArrayList<>();
            forms.add(value);
            if (value.length > 1 && value[value.length - 1] == '\n') forms.add(Arrays.copyOf(value, value.length - 1));
            for (byte[] f : List.copyOf(forms)) {
                forms.add(Base64.getEncoder().encode(f));
                forms.add(Base64.getEncoder().withoutPadding().encode(f));
            }
            // As the stdin object carries it: a value with quotes, backslashes or newlines is escaped there.
            forms.add(jsonEscaped(value));
            for (byte[] f : forms) if (f.length > 0 && out.stream().noneMatch(p -> Arrays.equals(p.bytes(), f))) out.add(new Pattern(f, label));
        });
        return new SecretRedactor(out);
    }

    private static byte[] jsonEscaped(byte[] value) {
        StringBuilder out = new StringBuilder();
        com.fasterxml.jackson.core.io.JsonStringEncoder.getInstance()
                .quoteAsString(new String(value, StandardCharsets.UTF_8), out);
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    public boolean isEmpty() {
        return patterns.isEmpty();
    }

    /** The longest pattern: a stream holds back at most one byte less than this between writes. */
    int maxLength() {
        return maxLength;
    }

    /** State for one output stream: what it holds back across writes. Not thread-safe: one writer per stream. */
    public Stream stream() {
        return new Stream();
    }

    public final class Stream {
        private byte[] carry = new byte[0];

        private Stream() {}

        /** The redacted bytes that may be written now; a possible start of a secret is held back for the next write. */
        public byte[] write(byte[] data, int off, int len) {
            return scan(concat(carry, data, off, len), false);
        }

        /** What is held back, redacted: call once the stream ended. */
        public byte[] flush() {
            return scan(carry, true);
        }

        /** Bytes held back now (at most {@code maxLength - 1}). */
        public int held() {
            return carry.length;
        }

        private byte[] scan(byte[] buf, boolean last) {
            if (patterns.isEmpty()) {
                carry = new byte[0];
                return buf;
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream(buf.length + 32);
            int i = 0;
            int plainFrom = 0;
            scan:
            while (i < buf.length) {
                Pattern[] candidates = byFirstByte[buf[i] & 0xff];
                if (candidates == null) {
                    i++;
                    continue;
                }
                Pattern best = null;
                for (Pattern p : candidates) {
                    int n = p.bytes().length;
                    int avail = Math.min(n, buf.length - i);
                    if (!regionMatches(buf, i, p.bytes(), avail)) continue;
                    if (avail < n) {
                        // A secret may start here and end in the next write: hold everything from here back.
                        if (!last) break scan;
                        continue;
                    }
                    if (best == null || n > best.bytes().length) best = p;
                }
                if (best == null) {
                    i++;
                    continue;
                }
                out.write(buf, plainFrom, i - plainFrom);
                out.writeBytes(best.replacement());
                i += best.bytes().length;
                plainFrom = i;
            }
            out.write(buf, plainFrom, i - plainFrom);
            carry = Arrays.copyOfRange(buf, i, buf.length);
            return out.toByteArray();
        }
    }

    private static boolean regionMatches(byte[] buf, int at, byte[] pattern, int n) {
        for (int k = 0; k < n; k++) if (buf[at + k] != pattern[k]) return false;
        return true;
    }

    private static byte[] concat(byte[] a, byte[] b, int off, int len) {
        byte[] out = Arrays.copyOf(a, a.length + len);
        System.arraycopy(b, off, out, a.length, len);
        return out;
    }

    @Override
    public String toString() {
        return "SecretRedactor[" + patterns.size() + " patterns]"; // never a value
    }
}
