package io.muster.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code muster secret put | get | list | delete} against a canned API. */
class SecretCommandsTest {
    static final ObjectMapper M = new ObjectMapper();
    static final String PUT = """
            {"name":"db_password","version":2,"size":8,"key_id":1,"created_at":"2030-01-01T00:00:00Z","updated_at":"2030-01-02T00:00:00Z"}""";
    static final String LIST = """
            [{"name":"api_key","version":1,"size":32,"key_id":1,"created_at":"2030-01-01T00:00:00Z","updated_at":"2030-01-01T00:00:00Z"},
             {"name":"db_password","version":2,"size":8,"key_id":1,"created_at":"2030-01-01T00:00:00Z","updated_at":"2030-01-02T00:00:00Z"}]""";

    FakeApi api;
    @TempDir
    Path dir;

    @BeforeEach
    void start() throws Exception {
        api = FakeApi.http();
    }

    @AfterEach
    void stop() {
        api.close();
    }

    @Test
    void putReadsStandardInputAndSendsTheValueBase64() throws Exception {
        api.ok("PUT", "/v1/secrets/db_password", PUT);
        Run r = Run.withStdin(Run.env(api, "MUSTER_ACL_TOKEN", "ops"), "hunter2\n".getBytes(StandardCharsets.UTF_8), "secret", "put", "db_password", "-");
        assertEquals(0, r.code(), r::toString);
        assertEquals("Secret db_password version 2 (8 bytes) stored.\n", r.out());
        FakeApi.Request req = api.only();
        assertEquals("ops", req.header("X-Muster-Token"));
        assertEquals("hunter2\n", new String(Base64.getDecoder().decode(M.readTree(req.body()).get("value").asText()), StandardCharsets.UTF_8));
        assertFalse(r.out().contains("hunter2") || r.err().contains("hunter2"));
    }

    @Test
    void putReadsAFile() throws Exception {
        Path f = Files.write(dir.resolve("key.pem"), new byte[] {1, 2, 3, (byte) 0xff});
        api.ok("PUT", "/v1/secrets/tls_key", PUT);
        Run r = Run.against(api, "secret", "put", "tls_key", "--from-file", f.toString());
        assertEquals(0, r.code(), r::toString);
        assertEquals("AQID/w==", M.readTree(api.only().body()).get("value").asText(), "any bytes, exactly");
    }

    @Test
    void theValueIsNeverAnArgument() {
        Run r = Run.against(api, "secret", "put", "db_password", "hunter2");
        assertEquals(2, r.code(), r::toString);
        assertTrue(r.err().contains("never an argument"), r::toString);
        assertFalse(r.err().contains("hunter2"), "the usage error does not echo what might be a value");
        assertEquals(2, Run.against(api, "secret", "put", "db_password").code(), "no source");
        assertEquals(2, Run.against(api, "secret", "put", "db password", "-").code(), "a bad name");
        Run both = Run.withStdin(Run.env(api), new byte[] {1}, "secret", "put", "x", "-", "--from-file", "/etc/hostname");
        assertEquals(2, both.code(), both::toString);
        Run empty = Run.withStdin(Run.env(api), new byte[0], "secret", "put", "x", "-");
        assertEquals(1, empty.code(), empty::toString);
        assertTrue(empty.errLine().contains("empty"), empty::toString);
        Run huge = Run.withStdin(Run.env(api), new byte[64 * 1024 + 1], "secret", "put", "x", "-");
        assertEquals(1, huge.code(), huge::toString);
        assertTrue(api.requests.isEmpty(), "nothing is sent on a refused put");
    }

    @Test
    void listShowsNamesVersionsSizesAndTimesNeverValues() {
        api.ok("GET", "/v1/secrets", LIST);
        Run r = Run.against(api, "secret", "list");
        assertEquals(0, r.code(), r::toString);
        var lines = r.out().lines().toList();
        assertEquals("NAME         VERSION  SIZE  CREATED               UPDATED", lines.get(0));
        assertTrue(lines.get(2).startsWith("db_password  2        8 B   2030-01-01T00:00:00Z  2030-01-02T00:00:00Z"), r::toString);
    }

    @Test
    void getPrintsExactlyTheValue() {
        api.ok("GET", "/v1/secrets/db_password", "{\"name\":\"db_password\",\"version\":2,\"value\":\"aHVudGVyMg==\"}");
        Run r = Run.muster(Run.env(api, "MUSTER_ACL_TOKEN", "mgmt"), "secret", "get", "db_password");
        assertEquals(0, r.code(), r::toString);
        assertEquals("hunter2", r.out());
    }

    @Test
    void getWithoutManagementIsRefusedInOneLine() {
        api.on("GET", "/v1/secrets/db_password", 403,
                "{\"error\":\"policy operator does not allow secret:read (GET /v1/secrets/db_password)\",\"code\":\"ACL_PERMISSION_DENIED\"}");
        Run r = Run.muster(Run.env(api, "MUSTER_ACL_TOKEN", "ops"), "secret", "get", "db_password");
        assertEquals(1, r.code(), r::toString);
        assertTrue(r.errLine().contains("does not allow secret:read"), r::toString);
        assertEquals("", r.out());
    }

    @Test
    void deleteSaysSo() {
        api.ok("DELETE", "/v1/secrets/db_password", "{\"name\":\"db_password\",\"deleted\":true}");
        Run r = Run.against(api, "secret", "delete", "db_password");
        assertEquals(0, r.code(), r::toString);
        assertEquals("Secret db_password deleted.\n", r.out());
    }
}
