package io.muster.types.job;

import static io.muster.types.job.JobSpecParserTest.resource;
import static io.muster.types.job.SpecAssertions.PARSER;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JobSpecJsonTest {

    @Test
    void examplesRoundTripExactly() throws Exception {
        for (String name : List.of("web.yaml", "web.json", "minimal-batch.yaml")) {
            JobSpec spec = PARSER.parse(resource(name), name);
            byte[] json = JobSpecJson.toJson(spec);
            JobSpec back = JobSpecJson.fromJson(json);
            assertEquals(spec, back, name);
            assertArrayEquals(json, JobSpecJson.toJson(back), name);
        }
    }

    @Test
    void canonicalFormHasFixedKeyOrderAndExplicitDefaults() {
        JobSpec spec = PARSER.parse("""
                groups:
                  - name: g
                    tasks:
                      - {name: t, driver: exec, command: run, env: {Z: "1", A: "2"}}
                """);
        assertEquals("{\"id\":\"generated\",\"type\":\"service\",\"priority\":50,\"constraints\":[],"
                + "\"groups\":[{\"name\":\"g\",\"count\":1,\"placement\":\"pack\",\"constraints\":[],"
                + "\"restart\":{\"attempts\":2,\"delay\":15,\"max_delay\":300,\"mode\":\"fail\"},"
                + "\"reschedule\":{\"attempts\":-1,\"delay\":30,\"max_delay\":3600},"
                + "\"tasks\":[{\"name\":\"t\",\"driver\":\"exec\",\"command\":\"run\",\"args\":[],"
                + "\"env\":{\"A\":\"2\",\"Z\":\"1\"},\"resources\":{\"cpu\":100,\"memory\":64},"
                + "\"network\":false}]}]}", JobSpecJson.toJsonString(spec));
    }

    @Test
    void outputDoesNotDependOnInputMapOrder() {
        Map<String, String> a = new LinkedHashMap<>();
        a.put("B", "1");
        a.put("A", "2");
        Map<String, String> b = new LinkedHashMap<>();
        b.put("A", "2");
        b.put("B", "1");
        TaskSpec t1 = new TaskSpec("t", Driver.EXEC, "x", List.of(), null, a, TaskResources.DEFAULT, null, false,
                null, null);
        TaskSpec t2 = new TaskSpec("t", Driver.EXEC, "x", List.of(), null, b, TaskResources.DEFAULT, null, false,
                null, null);
        assertEquals(JobSpecJson.toJsonString(job(t1)), JobSpecJson.toJsonString(job(t2)));
    }

    @Test
    void escapesAndUnicodeSurvive() {
        TaskSpec t = new TaskSpec("t", Driver.EXEC, "/bin/echo", List.of("\"quoted\"", "tab\there", "naïve ☃ 日本",
                "back\\slash", "\u0001ctl"), null, Map.of("K", "line1\nline2"), TaskResources.DEFAULT,
                Duration.ofSeconds(5), false, "/w d", "0");
        JobSpec spec = job(t);
        assertEquals(spec, JobSpecJson.fromJson(JobSpecJson.toJson(spec)));
    }

    @Test
    void fromJsonValidatesLikeTheParser() {
        JobSpecException e = assertThrows(JobSpecException.class, () -> JobSpecJson.fromJson(
                "{\"id\":\"x\",\"groups\":[{\"name\":\"g\",\"tasks\":[{\"name\":\"t\",\"driver\":\"exec\"}]}]}"
                        .getBytes(StandardCharsets.UTF_8)));
        assertEquals("groups[0].tasks[0].command: is required for the exec driver (line 1, column 42)",
                e.getMessage());
        // Canonical JSON always carries its id: the strict parser does not invent one.
        assertThrows(JobSpecException.class, () -> JobSpecJson.fromJson(
                "{\"groups\":[]}".getBytes(StandardCharsets.UTF_8)));
    }

    private static JobSpec job(TaskSpec t) {
        TaskGroup g = new TaskGroup("g", 1, PlacementStrategy.PACK, List.of(), RestartPolicy.defaultFor(JobType.BATCH),
                ReschedulePolicy.defaultFor(JobType.BATCH), List.of(t));
        return new JobSpec("j", JobType.BATCH, 50, null, List.of(), List.of(g));
    }
}
