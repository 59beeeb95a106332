package io.muster.types.job;

import static io.muster.types.job.SpecAssertions.PARSER;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Canonical JSON of operations, and the one-task group a worker runs for an operation task. */
class OperationJsonTest {

    @Test
    void theRolloutRoundTripsExactly() {
        JobSpec spec = PARSER.parse(OperationSpecParserTest.ROLLOUT);
        byte[] json = JobSpecJson.toJson(spec);
        JobSpec back = JobSpecJson.fromJson(json);
        assertEquals(spec, back);
        assertArrayEquals(json, JobSpecJson.toJson(back));
    }

    @Test
    void canonicalFormWritesEveryDefaultInAFixedOrder() {
        JobSpec spec = PARSER.parse("""
                type: operation
                target: {scope: group, value: web}
                steps:
                  - tasks:
                      - {backend: apt, action: install, params: {version: "1.2", package: nginx}, timeout: 5m}
                  - {driver: exec, command: sh, args: [-c, "echo hi"], max_retries: 1, timeout: 10s}
                  - {condition: on_failure, backend: ping, action: echo}
                """);
        assertEquals("{\"id\":\"generated\",\"type\":\"operation\",\"priority\":50,\"constraints\":[],"
                + "\"target\":{\"scope\":\"group\",\"value\":\"web\"},\"strategy\":\"fail-fast\","
                + "\"retry_backoff\":{\"base\":1,\"cap\":60},\"steps\":["
                + "{\"condition\":\"always\",\"tasks\":[{\"backend\":\"apt\",\"action\":\"install\","
                + "\"params\":{\"package\":\"nginx\",\"version\":\"1.2\"},\"max_retries\":0,\"timeout\":300}]},"
                + "{\"condition\":\"always\",\"name\":\"task\",\"driver\":\"exec\",\"command\":\"sh\","
                + "\"args\":[\"-c\",\"echo hi\"],\"env\":{},\"resources\":{\"cpu\":100,\"memory\":64},"
                + "\"timeout\":10,\"network\":false,\"max_retries\":1},"
                + "{\"condition\":\"on_failure\",\"backend\":\"ping\",\"action\":\"echo\",\"params\":{},"
                + "\"max_retries\":0}]}", JobSpecJson.toJsonString(spec));
    }

    @Test
    void aRollingBatchAndScopeAllAreWritten() {
        OperationSpec op = new OperationSpec(OperationTarget.ALL, FailureStrategy.CONTINUE, 5,
                new RetryBackoff(Duration.ZERO, Duration.ofSeconds(30)), List.of(leaf("ping", "echo", Map.of())));
        String json = JobSpecJson.toJsonString(new JobSpec("j", JobType.OPERATION, 10, Duration.ofHours(1), List.of(),
                List.of(), op));
        assertEquals("{\"id\":\"j\",\"type\":\"operation\",\"priority\":10,\"timeout\":3600,\"constraints\":[],"
                + "\"target\":{\"scope\":\"all\"},\"strategy\":\"continue\",\"max_concurrent_nodes\":5,"
                + "\"retry_backoff\":{\"base\":0,\"cap\":30},\"steps\":[{\"condition\":\"always\","
                + "\"backend\":\"ping\",\"action\":\"echo\",\"params\":{},\"max_retries\":0}]}", json);
    }

    @Test
    void paramsAreSortedWhateverTheInputOrder() {
        Map<String, String> reversed = new TreeMap<>(java.util.Comparator.reverseOrder());
        reversed.put("a", "1");
        reversed.put("b", "2");
        OperationSpec op = new OperationSpec(OperationTarget.ALL, FailureStrategy.FAIL_FAST, 0, RetryBackoff.DEFAULT,
                List.of(leaf("x", "y", reversed)));
        assertEquals("{\"name\":\"0\",\"count\":1,\"placement\":\"pack\",\"constraints\":[],"
                + "\"restart\":{\"attempts\":0,\"delay\":0,\"max_delay\":0,\"mode\":\"fail\"},"
                + "\"reschedule\":{\"attempts\":0,\"delay\":0,\"max_delay\":0},\"tasks\":[{\"name\":\"action\","
                + "\"driver\":\"action\",\"action\":{\"backend\":\"x\",\"action\":\"y\",\"params\":{\"a\":\"1\",\"b\":\"2\"}},"
                + "\"args\":[],\"env\":{},\"resources\":{\"cpu\":0,\"memory\":0},\"network\":false}]}",
                text(JobSpecJson.operationGroup(op, 0, 0)));
    }

    @Test
    void operationGroupOfAnActionInAPhase() {
        OperationSpec op = PARSER.parse(OperationSpecParserTest.ROLLOUT).operation();
        assertEquals("{\"name\":\"0.1\",\"count\":1,\"placement\":\"pack\",\"constraints\":[],"
                + "\"restart\":{\"attempts\":0,\"delay\":0,\"max_delay\":0,\"mode\":\"fail\"},"
                + "\"reschedule\":{\"attempts\":0,\"delay\":0,\"max_delay\":0},\"tasks\":[{\"name\":\"action\","
                + "\"driver\":\"action\",\"action\":{\"backend\":\"apt\",\"action\":\"install\","
                + "\"params\":{\"package\":\"nginx\"}},\"args\":[],\"env\":{},\"resources\":{\"cpu\":0,\"memory\":0},"
                + "\"timeout\":300,\"network\":false}]}", text(JobSpecJson.operationGroup(op, 0, 1)));
        assertTrue(text(JobSpecJson.operationGroup(op, 1, 0)).startsWith("{\"name\":\"1\","), "a leaf step's key");
    }

    @Test
    void operationGroupOfExecAndDockerTasksIsTheGroupTaskWithTheOperationTimeout() {
        OperationSpec op = PARSER.parse(OperationSpecParserTest.ROLLOUT).operation();
        String prefix = "{\"name\":\"%s\",\"count\":1,\"placement\":\"pack\",\"constraints\":[],"
                + "\"restart\":{\"attempts\":0,\"delay\":0,\"max_delay\":0,\"mode\":\"fail\"},"
                + "\"reschedule\":{\"attempts\":0,\"delay\":0,\"max_delay\":0},\"tasks\":[";
        assertEquals(prefix.formatted("3") + "{\"name\":\"task\",\"driver\":\"exec\",\"command\":\"sh\","
                + "\"args\":[\"-c\",\"echo hi\"],\"env\":{},\"resources\":{\"cpu\":100,\"memory\":64},"
                + "\"timeout\":10,\"network\":false}]}", text(JobSpecJson.operationGroup(op, 3, 0)));
        assertEquals(prefix.formatted("4") + "{\"name\":\"probe\",\"driver\":\"docker\",\"args\":[],"
                + "\"image\":\"local/busybox:1\",\"env\":{\"MODE\":\"check\"},\"resources\":{\"cpu\":50,\"memory\":32},"
                + "\"network\":false}]}", text(JobSpecJson.operationGroup(op, 4, 0)));
    }

    @Test
    void theExecTaskOfAnOperationGroupIsAValidGroupTask() {
        // The worker reads the group with the job spec rules: wrap it in a batch job and parse it back.
        OperationSpec op = PARSER.parse(OperationSpecParserTest.ROLLOUT).operation();
        String group = text(JobSpecJson.operationGroup(op, 4, 0)).replace("\"name\":\"4\"", "\"name\":\"s4\"");
        JobSpec job = JobSpecJson.fromJson(("{\"id\":\"j\",\"type\":\"batch\",\"priority\":50,\"constraints\":[],"
                + "\"groups\":[" + group + "]}").getBytes(StandardCharsets.UTF_8));
        assertEquals(op.steps().get(4).tasks().get(0).task(), job.groups().get(0).tasks().get(0));
    }

    private static OperationStep leaf(String backend, String action, Map<String, String> params) {
        return new OperationStep(StepCondition.ALWAYS, false,
                List.of(new OperationTask(new ActionCall(backend, action, params), null, 0, null)));
    }

    private static String text(byte[] json) {
        return new String(json, StandardCharsets.UTF_8);
    }
}
