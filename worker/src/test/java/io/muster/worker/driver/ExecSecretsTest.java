package io.muster.worker.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An exec task with secrets: it receives them as env, a 0400 file and JSON on stdin, and none of its output, in memory
 * or in its log files, holds a value, however it prints it (whole, split across writes, base64).
 */
class ExecSecretsTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    static final String DB = "db-Pa55w0rd-" + Long.toHexString(System.nanoTime());
    static final String KEY = "-----BEGIN KEY----- k3y-" + Long.toHexString(System.nanoTime());
    static final String CFG = "cfg-" + Long.toHexString(System.nanoTime());

    @TempDir
    Path root;
    private ExecDriver driver;

    @BeforeEach
    void setUp() {
        driver = new ExecDriver(new ExecDriver.Config(root, OutputBuffer.DEFAULT_CAPACITY, OutputBuffer.DEFAULT_MAX_LOG_FILE_BYTES,
                Duration.ofMillis(20)));
        DriverAvailability availability = driver.probe();
        assumeTrue(availability.usable(), "exec driver unusable here: " + availability.detail());
    }

    @AfterEach
    void tearDown() {
        driver.close();
    }

    static String sha256(String s) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    }

    static TaskSecrets secrets() {
        return new TaskSecrets(List.of(
                new TaskSecrets.Secret("db_password", DB.getBytes(StandardCharsets.UTF_8), "DB_PASSWORD", null, false),
                new TaskSecrets.Secret("tls_key", KEY.getBytes(StandardCharsets.UTF_8), null, "/secrets/tls.key", false),
                new TaskSecrets.Secret("config", CFG.getBytes(StandardCharsets.UTF_8), null, null, true)));
    }

    /** The script every secrets test runs: proves receipt by digests, then leaks each value every way it can. */
    static final String SCRIPT = String.join("\n",
            "read -r CONFIG_JSON",
            "F=\"$MUSTER_SECRETS_DIR/tls.key\"",
            "printf 'env-sha=%s\\n' \"$(printf %s \"$DB_PASSWORD\" | sha256sum | cut -d' ' -f1)\"",
            "printf 'file-sha=%s\\n' \"$(sha256sum < \"$F\" | cut -d' ' -f1)\"",
            "printf 'stdin-sha=%s\\n' \"$(printf %s \"$CONFIG_JSON\" | sha256sum | cut -d' ' -f1)\"",
            "printf 'file-mode=%s\\n' \"$(stat -c %a \"$F\")\"",
            "echo \"plain $DB_PASSWORD\"",
            "echo \"stderr $DB_PASSWORD\" >&2",
            "cat \"$F\"; echo",
            "echo \"json $CONFIG_JSON\"",
            "printf %s \"$DB_PASSWORD\" | base64 -w0; echo",
            // Split across writes: the first half, a pause so the worker reads it alone, then the rest.
            "half=$(printf %s \"$DB_PASSWORD\" | cut -c1-8); rest=$(printf %s \"$DB_PASSWORD\" | cut -c9-)",
            "printf 'split %s' \"$half\"; sleep 0.3; printf '%s done\\n' \"$rest\"");

    @Test
    void theTaskReceivesEveryValueAndItsOutputHoldsNone() throws Exception {
        Path dir = Files.createDirectories(root.resolve("sec1"));
        TaskHandle h = driver.start(TaskRequest.builder("sec1").jobId("j").group("g").taskName("t").workDir(dir)
                .command("bash").args("-c", SCRIPT).secrets(secrets()).build());
        TaskResult r = TestWait.result(h, WAIT);
        assertTrue(r.success(), r + "\n" + h.output().stderr().tailString(4096));
        String out = h.output().stdout().tailString(1 << 20);
        String err = h.output().stderr().tailString(1 << 20);

        // Received: the task's digests match the values.
        assertTrue(out.contains("env-sha=" + sha256(DB)), out);
        assertTrue(out.contains("file-sha=" + sha256(KEY)), out);
        assertTrue(out.contains("stdin-sha=" + sha256("{\"config\":\"" + CFG + "\"}")), out);
        assertTrue(out.contains("file-mode=400"), out);
        // Redacted, every way it was printed.
        assertTrue(out.contains("plain [redacted:db_password]"), out);
        assertTrue(err.contains("stderr [redacted:db_password]"), err);
        assertTrue(out.contains("[redacted:tls_key]"), out);
        assertTrue(out.contains("json {\"config\":\"[redacted:config]\"}"), out);
        assertTrue(out.contains("split [redacted:db_password] done"), out);
        assertTrue(out.lines().anyMatch(l -> l.equals("[redacted:db_password]")), "the base64 line: " + out);
        // Nowhere in memory, nor in any file left in the allocation directory (log files included).
        for (String v : List.of(DB, KEY, CFG, b64(DB))) {
            assertFalse(out.contains(v) || err.contains(v), "output holds a value");
        }
        assertNoValueUnder(dir);
        assertTrue(Files.size(dir.resolve(OutputBuffer.STDOUT_FILE)) > 0, "the log file was written");
        assertFalse(Files.exists(dir.resolve(SecretFiles.DIR)), "the secrets directory is removed when the task ends");
    }

    static String b64(String v) {
        return java.util.Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8));
    }

    static void assertNoValueUnder(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                String text = Files.readString(f, StandardCharsets.ISO_8859_1);
                for (String v : List.of(DB, KEY, CFG, b64(DB))) assertFalse(text.contains(v), f + " holds a secret value");
            }
        }
    }

    @Test
    void aStoppedTaskLosesItsSecretFilesToo() throws Exception {
        Path dir = Files.createDirectories(root.resolve("sec2"));
        TaskHandle h = driver.start(TaskRequest.builder("sec2").workDir(dir).command("sleep").args("30").secrets(secrets()).build());
        TestWait.until(() -> Files.exists(dir.resolve(SecretFiles.DIR).resolve("tls.key")), WAIT, "secret file written");
        h.stop(Duration.ofMillis(200));
        TestWait.result(h, WAIT);
        assertFalse(Files.exists(dir.resolve(SecretFiles.DIR)));
    }
}
