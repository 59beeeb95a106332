package io.muster.worker.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The redactor: every value and its base64 forms replaced, wherever the writes cut the stream. */
class SecretRedactorTest {
    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static SecretRedactor redactor(String... nameValue) {
        Map<String, byte[]> m = new LinkedHashMap<>();
        for (int i = 0; i < nameValue.length; i += 2) m.put(nameValue[i], b(nameValue[i + 1]));
        return SecretRedactor.of(m);
    }

    /** Writes {@code text} cut at {@code cuts} (positions), then flushes; returns what came out. */
    static String run(SecretRedactor r, String text, int... cuts) {
        SecretRedactor.Stream s = r.stream();
        byte[] all = b(text);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int from = 0;
        for (int c : cuts) {
            out.writeBytes(s.write(all, from, c - from));
            from = c;
        }
        out.writeBytes(s.write(all, from, all.length - from));
        out.writeBytes(s.flush());
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aValueInOneWrite() {
        assertEquals("password=[redacted:db] ok\n", run(redactor("db", "hunter2"), "password=hunter2 ok\n"));
    }

    @Test
    void aValueSplitAcrossWritesAtEveryPosition() {
        SecretRedactor r = redactor("db", "hunter2");
        String text = "a hunter2 b hunter2";
        for (int cut = 0; cut <= text.length(); cut++)
            assertEquals("a [redacted:db] b [redacted:db]", run(r, text, cut), "cut at " + cut);
        // One byte per write.
        int[] every = new int[text.length() - 1];
        for (int i = 0; i < every.length; i++) every[i] = i + 1;
        assertEquals("a [redacted:db] b [redacted:db]", run(r, text, every));
    }

    @Test
    void whatIsHeldBackIsLessThanTheLongestPatternAndFlushedAtTheEnd() {
        SecretRedactor r = redactor("db", "hunter2");
        SecretRedactor.Stream s = r.stream();
        assertEquals("x ", new String(s.write(b("x hunt"), 0, 6), StandardCharsets.UTF_8), "a possible start is held back");
        assertEquals(4, s.held());
        assertTrue(s.held() < r.maxLength());
        assertEquals("hunt", new String(s.flush(), StandardCharsets.UTF_8), "not a secret after all: released at the end");
        assertEquals(0, s.held());
    }

    @Test
    void base64FormsWithAndWithoutPadding() {
        SecretRedactor r = redactor("db", "hunter2");
        String padded = Base64.getEncoder().encodeToString(b("hunter2")); // aHVudGVyMg==
        String unpadded = Base64.getEncoder().withoutPadding().encodeToString(b("hunter2"));
        assertEquals("b64 [redacted:db] end", run(r, "b64 " + padded + " end", 7));
        assertEquals("raw [redacted:db]\n", run(r, "raw " + unpadded + "\n", 6));
    }

    @Test
    void aValuePutWithATrailingNewlineIsFoundWithoutIt() {
        SecretRedactor r = redactor("key", "s3cr3t-value\n");
        assertEquals("use [redacted:key] now", run(r, "use s3cr3t-value now"));
        assertEquals("[redacted:key]done", run(r, "s3cr3t-value\ndone"));
    }

    @Test
    void aValueAsTheStdinJsonEscapesItIsFoundToo() {
        SecretRedactor r = redactor("cfg", "a\"b\\c\nd");
        assertEquals("{\"cfg\":\"[redacted:cfg]\"}", run(r, "{\"cfg\":\"a\\\"b\\\\c\\nd\"}", 9));
        assertEquals("raw [redacted:cfg]", run(r, "raw a\"b\\c\nd"));
    }

    @Test
    void overlappingValuesTheLongerWins() {
        SecretRedactor r = redactor("short", "abc", "long", "abcdef");
        assertEquals("[redacted:long] [redacted:short]x", run(r, "abcdef abcx"));
        // Cut inside the longer one after the shorter one is complete: the redactor waits to see which it is.
        assertEquals("[redacted:long]!", run(r, "abcdef!", 3));
        assertEquals("[redacted:short]de!", run(r, "abcde!", 3));
        // A value that begins inside another.
        SecretRedactor o = redactor("a", "xyz", "b", "yzw");
        assertEquals("[redacted:a]w [redacted:b]", run(o, "xyzw yzw"));
    }

    @Test
    void nothingToRedactPassesEverythingAtOnce() {
        SecretRedactor.Stream s = SecretRedactor.NONE.stream();
        assertEquals("hello", new String(s.write(b("hello"), 0, 5), StandardCharsets.UTF_8));
        assertEquals(0, s.held());
        assertEquals(0, s.flush().length);
    }

    @Test
    void randomCutsNeverLeakAValue() {
        SecretRedactor r = redactor("db", "P@ss-w0rd-42", "api", "tok_ABCDEF");
        String b64 = Base64.getEncoder().encodeToString(b("tok_ABCDEF"));
        String text = ("line P@ss-w0rd-42 and tok_ABCDEF and " + b64 + " P@ss-P@ss-w0rd-42\n").repeat(20);
        Random rnd = new Random(42);
        for (int round = 0; round < 200; round++) {
            int n = rnd.nextInt(8);
            int[] cuts = rnd.ints(n, 0, text.length()).sorted().distinct().toArray();
            String out = run(r, text, cuts);
            assertTrue(!out.contains("P@ss-w0rd-42") && !out.contains("tok_ABCDEF") && !out.contains(b64), out);
            assertEquals(run(r, text), out, "the cuts change nothing");
        }
    }

    @Test
    void toStringNamesNoValue() {
        assertTrue(!redactor("db", "hunter2").toString().contains("hunter2"));
        TaskSecrets t = new TaskSecrets(java.util.List.of(new TaskSecrets.Secret("db", b("hunter2"), "DB", null, false)));
        assertTrue(!t.toString().contains("hunter2") && t.toString().contains("db"));
        assertTrue(!TaskRequest.builder("a1").secrets(t).build().toString().contains("hunter2"));
    }
}
