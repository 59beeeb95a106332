package io.muster.types.job;

import static io.muster.types.job.SpecAssertions.PARSER;
import static io.muster.types.job.SpecAssertions.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code secrets:} of a task: names and how to deliver them, strictly checked; the canonical JSON round-trips them. */
class SecretSpecTest {
    static String job(String driverAndMore, String secrets) {
        return """
                id: web
                type: service
                groups:
                  - name: g
                    tasks:
                      - name: t
                %s
                        secrets:
                %s
                """.formatted(driverAndMore, secrets);
    }

    static final String EXEC = "        driver: exec\n        command: app";

    @Test
    void theThreeWaysParseAndRoundTrip() {
        JobSpec spec = PARSER.parse(job(EXEC, "          - {name: db_password, env: DB_PASSWORD}\n"
                + "          - {name: tls_key, file: /secrets/tls.key}\n          - {name: config, stdin: true}"));
        List<SecretRef> s = spec.groups().getFirst().tasks().getFirst().secrets();
        assertEquals(List.of(SecretRef.env("db_password", "DB_PASSWORD"), SecretRef.file("tls_key", "/secrets/tls.key"),
                SecretRef.stdin("config")), s);
        String json = new String(JobSpecJson.toJson(spec), StandardCharsets.UTF_8);
        assertTrue(json.contains("\"secrets\":[{\"name\":\"db_password\",\"env\":\"DB_PASSWORD\"}"), json);
        assertEquals(spec, PARSER.parse(json, SpecFormat.JSON, "json"));
    }

    @Test
    void aTaskWithoutSecretsKeepsItsCanonicalForm() {
        JobSpec spec = PARSER.parse("id: web\ntype: batch\ngroups:\n  - name: g\n    tasks:\n      - {name: t, driver: exec, command: app}\n");
        assertFalse(new String(JobSpecJson.toJson(spec), StandardCharsets.UTF_8).contains("secrets"));
    }

    @Test
    void mistakesAreNamedByPathAndLine() {
        assertError(job(EXEC, "          - {name: db, env: A, stdin: true}"), "groups[0].tasks[0].secrets[0]", 10, 13, "exactly one of env");
        assertError(job(EXEC, "          - {env: A}"), "groups[0].tasks[0].secrets[0].name", 10, 13, "is required");
        assertError(job(EXEC, "          - {name: 'bad name', env: A}"), "groups[0].tasks[0].secrets[0].name", 10, 20, "is not a secret name");
        assertError(job(EXEC, "          - {name: db, env: 1A}"), "groups[0].tasks[0].secrets[0].env", 10, 29, "is not a valid variable name");
        assertError(job(EXEC, "          - {name: db, file: secrets/x}"), "groups[0].tasks[0].secrets[0].file", 10, 30, "absolute file path");
        assertError(job(EXEC, "          - {name: db, file: /a/../x}"), "groups[0].tasks[0].secrets[0].file", 10, 30, "without '..'");
        assertError(job(EXEC, "          - {name: db, env: A}\n          - {name: db, env: B}"), "groups[0].tasks[0].secrets[1].name", 11, 20,
                "named twice");
        assertError(job(EXEC, "          - {name: a, env: X}\n          - {name: b, env: X}"), "groups[0].tasks[0].secrets[1].env", 11, 28,
                "receives two secrets");
        assertError(job(EXEC, "          - {name: a, file: /s/k}\n          - {name: b, file: /t/k}"), "groups[0].tasks[0].secrets[1].file", 11, 29,
                "another secret file");
        assertError(job(EXEC + "\n        env: {DB: x}", "          - {name: a, env: DB}"), "groups[0].tasks[0].secrets[0].env", 11, 28,
                "also set by the task's env");
        assertError(job(EXEC, "          - {name: a, env: X, value: hunter2}"), "groups[0].tasks[0].secrets[0].value", 10, 31, "unknown field");
        assertError(job("        driver: docker\n        image: app:1", "          - {name: a, stdin: true}"), "groups[0].tasks[0].secrets[0].stdin",
                10, 30, "is for exec tasks");
    }
}
