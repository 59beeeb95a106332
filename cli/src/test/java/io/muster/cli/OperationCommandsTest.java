package io.muster.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Operation jobs from the operator's side: the run shorthand, --wait progress, status (matrix, long, JSON) and cancel. */
class OperationCommandsTest {
    static final ObjectMapper M = new ObjectMapper();

    FakeApi api;

    @BeforeEach
    void start() throws Exception {
        api = FakeApi.http();
    }

    @AfterEach
    void stop() {
        api.close();
    }

    /** Step 0 is a phase (apt update, apt install), step 1 a leaf step run on success; w9 is excluded. */
    static final String STEPS = """
            [{"index":0,"condition":"always","pipeline":true,"state":"%s","tasks":[{"key":"0.0","task":"apt update"},{"key":"0.1","task":"apt install"}]},
             {"index":1,"condition":"on_success","pipeline":false,"state":"%s","tasks":[{"key":"1","task":"exec sh"}]}]""";

    static String nodes(int n) {
        return IntStream.rangeClosed(1, n).mapToObj(i -> "{\"id\":" + (i + 2) + ",\"name\":\"w" + i + "\"}").collect(Collectors.joining(",", "[", "]"));
    }

    static String operation(String jobStatus, String opStatus, int step, String steps, String nodes, String results, String reason) {
        return """
                {"id":"op-1","type":"operation","version":1,"status":"%s","submitted_at":"2026-12-07T03:00:00Z","allocations":[],"failures":[],
                 "operation":{"status":"%s","strategy":"fail-fast","target":"group:web","step":%d,"steps":%s,"nodes":%s,
                   "excluded":[{"id":11,"name":"w9","reason":"down"}],"queued_at":"2026-12-07T03:00:00Z","started_at":"2026-12-07T03:00:01.250Z"%s},
                 "results":%s}"""
                .formatted(jobStatus, opStatus, step, steps, nodes,
                        reason == null ? "" : ",\"ended_at\":\"2026-12-07T03:00:09Z\",\"reason\":\"" + reason + "\"", results);
    }

    static String result(String node, String status, long ms, int attempts, String output, String message) {
        return """
                {"node":"%s","status":"%s","output":%s,"duration_ms":%d,"attempts":%d,"message":%s}"""
                .formatted(node, status, output == null ? "null" : M.valueToTree(output).toString(), ms, attempts,
                        message == null ? "null" : "\"" + message + "\"");
    }

    static final String QUEUED = operation("pending", "queued", 0, STEPS.formatted("pending", "pending"), nodes(2), "{}", null);

    /** Everything done: w2 needed three attempts of apt install. */
    static final String COMPLETE = operation("complete", "complete", 1, STEPS.formatted("done", "done"), nodes(2), """
            {"0.0":{"3":%s,"4":%s},"0.1":{"3":%s,"4":%s},"1":{"3":%s,"4":%s}}""".formatted(
            result("w1", "success", 2300, 1, "Hit:1 http://deb\nDone\n", null), result("w2", "success", 800, 1, "ok", null),
            result("w1", "success", 61_000, 1, "", null), result("w2", "success", 1200, 3, "installed nginx", null),
            result("w1", "success", 40, 1, null, null), result("w2", "success", 45, 1, null, null)), null);

    // ------------------------------------------------------------------ run shorthand

    @Test
    void theShorthandPostsAOneStepOperation() throws Exception {
        api.on("POST", "/v1/jobs", 201, QUEUED);
        Run r = Run.against(api, "job", "run", "-t", "group:web", "apt", "install", "package=nginx", "version=1.2=3", "note=");
        assertEquals(0, r.code(), r::toString);
        assertEquals("Job op-1 submitted (version 1, status pending).\nFollow it with: muster job status op-1\n", r.out());
        FakeApi.Request post = api.only();
        assertEquals("/v1/jobs", post.path());
        assertEquals("application/json", post.header("Content-Type"));
        assertEquals("""
                {"type":"operation","target":{"scope":"group","value":"web"},"steps":[{"backend":"apt","action":"install","params":{"package":"nginx","version":"1.2=3","note":""}}]}""",
                post.body(), "the spec, key order and all");
    }

    @Test
    void theShorthandTargetsAllOrOneNode() throws Exception {
        api.on("POST", "/v1/jobs", 201, QUEUED);
        assertEquals(0, Run.against(api, "job", "run", "-t", "all", "ping", "echo", "message=hello").code());
        assertEquals(M.readTree("""
                {"type":"operation","target":{"scope":"all"},"steps":[{"backend":"ping","action":"echo","params":{"message":"hello"}}]}"""),
                M.readTree(api.requests.getLast().body()));
        assertEquals(0, Run.against(api, "job", "run", "ping", "echo", "-t", "node:7").code());
        assertEquals(M.readTree("""
                {"type":"operation","target":{"scope":"node","value":"7"},"steps":[{"backend":"ping","action":"echo","params":{}}]}"""),
                M.readTree(api.requests.getLast().body()));
    }

    @Test
    void aDoubleDashStillRunsACommand() throws Exception {
        api.on("POST", "/v1/jobs/oneshot", 201, JobCommandsTest.job("sysbatch", "pending"));
        Run r = Run.against(api, "job", "run", "-t", "all", "--", "ping", "echo", "message=hello");
        assertEquals(0, r.code(), r::toString);
        assertEquals("/v1/jobs/oneshot", api.only().path());
        assertEquals(M.readTree("{\"target\":\"all\",\"command\":[\"ping\",\"echo\",\"message=hello\"]}"), M.readTree(api.only().body()));
        Run empty = Run.against(api, "job", "run", "-t", "all", "--");
        assertEquals(2, empty.code(), empty::toString);
        assertTrue(empty.err().contains("a command is required with -t, after --"), empty::toString);
    }

    @Test
    void badShorthandArgumentsAreUsageErrorsNamingTheArgument() {
        record Case(List<String> args, String message) {}
        for (Case c : List.of(
                new Case(List.of("apt", "install", "nginx"), "parameter 'nginx' is not key=value"),
                new Case(List.of("apt", "install", "=nginx"), "parameter '=nginx' has no key before '='"),
                new Case(List.of("apt", "install", "a=1", "a=2"), "parameter 'a' is given more than once"),
                new Case(List.of("apt", "install", "my key=1"), "parameter 'my key=1': the key must not contain spaces"),
                new Case(List.of("apt", "package=nginx"), "ACTION: 'package=nginx' looks like a parameter"),
                new Case(List.of("apt"), "a BACKEND and an ACTION are required with -t"),
                new Case(List.of(), "a BACKEND and an ACTION are required with -t"))) {
            List<String> line = new ArrayList<>(List.of("job", "run", "-t", "all"));
            line.addAll(c.args());
            Run r = Run.against(api, line.toArray(String[]::new));
            assertEquals(2, r.code(), r::toString);
            assertTrue(r.err().contains(c.message()), c.message() + "\n" + r);
            assertTrue(r.out().isEmpty(), r::toString);
        }
        assertTrue(api.requests.isEmpty(), "nothing was sent: " + api.requests);
    }

    @Test
    void unknownActionsComeBackAsTheServerSaysThem() {
        api.on("POST", "/v1/jobs", 422, "{\"error\":\"steps[0].action: apt has no action 'instal' (valid: install, remove, update)\",\"code\":\"UNKNOWN_ACTION\"}");
        Run r = Run.against(api, "job", "run", "-t", "all", "apt", "instal", "package=nginx");
        assertEquals(1, r.code(), r::toString);
        assertEquals("Error: steps[0].action: apt has no action 'instal' (valid: install, remove, update) (HTTP 422 UNKNOWN_ACTION)", r.errLine());
    }

    // ------------------------------------------------------------------ run --wait

    @Test
    void waitPrintsEachTaskOnEachNodeAsItChangesAndExitsZeroWhenComplete() {
        String running = operation("running", "running", 0, STEPS.formatted("running", "pending"), nodes(2), """
                {"0.0":{"3":%s,"4":%s},"0.1":{"3":%s,"4":%s}}""".formatted(result("w1", "running", 0, 1, null, null),
                result("w2", "pending", 0, 0, null, null), result("w1", "pending", 0, 0, null, null), result("w2", "pending", 0, 0, null, null)), null);
        String retrying = operation("running", "running", 0, STEPS.formatted("running", "pending"), nodes(2), """
                {"0.0":{"3":%s,"4":%s},"0.1":{"3":%s,"4":%s}}""".formatted(result("w1", "success", 2300, 1, null, null),
                result("w2", "success", 800, 1, null, null), result("w1", "running", 0, 1, null, null),
                result("w2", "retrying", 400, 2, null, "exit code 100")), null);
        api.on("POST", "/v1/jobs", 201, QUEUED);
        api.ok("GET", "/v1/jobs/op-1", QUEUED).ok("GET", "/v1/jobs/op-1", running).ok("GET", "/v1/jobs/op-1", running)
                .ok("GET", "/v1/jobs/op-1", retrying).ok("GET", "/v1/jobs/op-1", COMPLETE);
        Run r = Run.against(api, "job", "run", "-t", "group:web", "--wait", "--poll-interval-ms", "10", "apt", "install", "package=nginx");
        assertEquals(0, r.code(), r::toString);
        assertEquals("""
                Operation op-1 submitted (version 1); waiting...
                excluded w9 (11): down
                operation queued
                operation running
                step 0.0 apt update  w1 (3)  running  attempt 1
                step 0.0 apt update  w1 (3)  success  2.3s  attempt 1
                step 0.0 apt update  w2 (4)  success  800ms  attempt 1
                step 0.1 apt install  w1 (3)  running  attempt 1
                step 0.1 apt install  w2 (4)  retrying  400ms  attempt 2: exit code 100
                step 0.1 apt install  w1 (3)  success  1m01s  attempt 1
                step 0.1 apt install  w2 (4)  success  1.2s  attempt 3
                step 1 exec sh  w1 (3)  success  40ms  attempt 1
                step 1 exec sh  w2 (4)  success  45ms  attempt 1
                operation op-1 complete
                """, r.out());
        assertTrue(r.err().isEmpty(), r::toString);
    }

    @Test
    void aFailedOperationSkipsItsOnSuccessStepAndExitsOne() {
        String failed = operation("failed", "failed", 0, STEPS.formatted("done", "skipped"), nodes(2), """
                {"0.0":{"3":%s,"4":%s},"0.1":{"3":%s,"4":%s}}""".formatted(result("w1", "success", 100, 1, null, null),
                result("w2", "failed", 1200, 3, "E: no space", "exit code 100"), result("w1", "stopped", 0, 0, null, "stopped by fail-fast"),
                result("w2", "pending", 0, 0, null, null)), "step 0 failed on w2");
        api.on("POST", "/v1/jobs", 201, QUEUED);
        api.ok("GET", "/v1/jobs/op-1", failed);
        Run r = Run.against(api, "job", "run", "-t", "group:web", "--wait", "--poll-interval-ms", "10", "apt", "install", "package=nginx");
        assertEquals(1, r.code(), r::toString);
        assertTrue(r.out().contains("step 0.0 apt update  w2 (4)  failed  1.2s  attempt 3: exit code 100\n"), r.out());
        assertTrue(r.out().contains("step 0.1 apt install  w1 (3)  stopped: stopped by fail-fast\n"), r.out());
        assertTrue(r.out().contains("step 1 skipped (on_success: a step failed)\n"), r.out());
        assertTrue(r.out().endsWith("operation op-1 failed: step 0 failed on w2\n"), r.out());
        assertFalse(r.out().contains("operation failed\n"), "the final status is printed once, with its reason: " + r.out());
        assertEquals("Error: operation op-1 failed: step 0 failed on w2", r.errLine());
    }

    @Test
    void aCancelledOperationExitsOne() {
        String cancelled = operation("cancelled", "cancelled", 0, STEPS.formatted("done", "skipped"), nodes(1), "{}", "cancelled by an operator");
        api.on("POST", "/v1/jobs", 201, QUEUED);
        api.ok("GET", "/v1/jobs/op-1", cancelled);
        Run r = Run.against(api, "job", "run", "-t", "all", "--wait", "--poll-interval-ms", "10", "ping", "echo");
        assertEquals(1, r.code(), r::toString);
        assertEquals("Error: operation op-1 cancelled: cancelled by an operator", r.errLine());
    }

    @Test
    void waitWithJsonKeepsStdoutOneDocument() throws Exception {
        api.on("POST", "/v1/jobs", 201, QUEUED);
        api.ok("GET", "/v1/jobs/op-1", COMPLETE);
        Run r = Run.against(api, "job", "run", "-t", "all", "--wait", "-o", "json", "--poll-interval-ms", "10", "ping", "echo");
        assertEquals(0, r.code(), r::toString);
        JsonNode j = M.readTree(r.out());
        assertEquals("complete", j.path("operation").path("status").asText());
        assertTrue(r.err().contains("step 0.1 apt install  w2 (4)  success  1.2s  attempt 3"), r.err());
    }

    @Test
    void waitFollowsWithBlockingQueriesWhenTheServerGivesAnIndex() {
        api.on("POST", "/v1/jobs", 201, QUEUED);
        api.on("GET", "/v1/jobs/op-1", new FakeApi.Reply(200, QUEUED, java.util.Map.of("X-Muster-Index", "41")))
                .on("GET", "/v1/jobs/op-1", new FakeApi.Reply(200, COMPLETE, java.util.Map.of("X-Muster-Index", "57")));
        // A long poll interval: were the client polling, the test would take minutes.
        Run r = Run.against(api, "job", "run", "-t", "all", "--wait", "--poll-interval-ms", "600000", "ping", "echo");
        assertEquals(0, r.code(), r::toString);
        List<FakeApi.Request> gets = api.requests.stream().filter(q -> q.method().equals("GET")).toList();
        // The event stream is tried first; this server has none (404), so the job is watched with a blocking query.
        assertEquals(3, gets.size(), gets::toString);
        assertEquals(null, gets.get(0).query());
        assertEquals("/v1/events", gets.get(1).path());
        assertTrue(gets.get(2).query().startsWith("index=41&wait="), gets.get(2).query());
    }

    @Test
    void aFullQueueIsReportedAsTheServerSaysIt() {
        api.on("POST", "/v1/jobs", 429, "{\"error\":\"256 operations are queued or running; wait for some to end\",\"code\":\"TOO_MANY_OPERATIONS\"}");
        Run r = Run.against(api, "job", "run", "-t", "all", "--wait", "ping", "echo");
        assertEquals(1, r.code(), r::toString);
        assertEquals("Error: 256 operations are queued or running; wait for some to end (HTTP 429 TOO_MANY_OPERATIONS)", r.errLine());
        assertEquals(1, api.requests.size(), "a full queue is not retried");
    }

    @Test
    void waitTimesOutNamingTheStep() {
        api.on("POST", "/v1/jobs", 201, QUEUED);
        api.ok("GET", "/v1/jobs/op-1", QUEUED);
        Run r = Run.against(api, "job", "run", "-t", "all", "--wait", "--timeout", "1", "--poll-interval-ms", "50", "ping", "echo");
        assertEquals(1, r.code(), r::toString);
        assertEquals("Error: timed out after 1s waiting for operation op-1 (status queued, step 0)", r.errLine());
    }

    // ------------------------------------------------------------------ status

    @Test
    void statusShowsTheHeaderAndTheResultsMatrix() {
        String failed = operation("failed", "failed", 0, STEPS.formatted("done", "skipped"), nodes(2), """
                {"0.0":{"3":%s,"4":%s},"0.1":{"3":%s}}""".formatted(result("w1", "success", 2300, 1, null, null),
                result("w2", "failed", 1200, 3, "E: no space", "exit code 100"), result("w1", "stopped", 0, 0, null, null)), "step 0 failed on w2");
        api.ok("GET", "/v1/jobs/op-1", failed);
        Run r = Run.against(api, "job", "status", "op-1");
        assertEquals(0, r.code(), r::toString);
        assertEquals("""
                ID        op-1
                Type      operation
                Version   1
                Status    failed
                Strategy  fail-fast
                Target    group:web (2 nodes, 1 excluded)
                Step      0 (steps 0-1)
                Queued    2026-12-07T03:00:00Z
                Started   2026-12-07T03:00:01Z
                Ended     2026-12-07T03:00:09Z
                Reason    step 0 failed on w2

                Excluded nodes:
                  w9 (11): down

                STEP  TASK         w1            w2
                0.0   apt update   success 2.3s  failed 1.2s x3
                0.1   apt install  stopped       -
                1     exec sh      skipped       skipped
                """, r.out());
    }

    @Test
    void manyNodesOrLongGiveOneRowPerTaskAndNode() {
        String results = IntStream.rangeClosed(1, 9).mapToObj(i -> "\"" + (i + 2) + "\":" + result("w" + i, "success", 1000L * i, i == 9 ? 2 : 1,
                i == 9 ? "\n  first line of a very long output that goes on and on\nsecond\n" : "ok", null)).collect(Collectors.joining(","));
        String many = operation("running", "running", 0, STEPS.formatted("running", "pending"), nodes(9), "{\"0.0\":{" + results + "}}", null);
        api.ok("GET", "/v1/jobs/op-1", many);
        Run r = Run.against(api, "job", "status", "op-1");
        assertEquals(0, r.code(), r::toString);
        List<String> lines = r.out().lines().toList();
        int head = lines.indexOf("STEP  TASK         NODE  STATUS   DURATION  ATTEMPTS  OUTPUT");
        assertTrue(head > 0, r.out());
        assertEquals(1 + 3 * 9, lines.size() - head, "one row per task and node:\n" + r.out());
        assertEquals("0.0   apt update   w1    success  1.0s      1         ok", lines.get(head + 1));
        assertEquals("0.0   apt update   w9    success  9.0s      2         first line of a very long output that...", lines.get(head + 9));
        assertEquals("0.1   apt install  w1    -        -         -         -", lines.get(head + 10));

        api.ok("GET", "/v1/jobs/op-2", COMPLETE.replace("op-1", "op-2"));
        Run two = Run.against(api, "job", "status", "op-2", "--long");
        assertTrue(two.out().contains("STEP  TASK         NODE  STATUS   DURATION  ATTEMPTS  OUTPUT\n"
                + "0.0   apt update   w1    success  2.3s      1         Hit:1 http://deb\n"), two.out());
        assertTrue(two.out().contains("0.1   apt install  w1    success  1m01s     1         -\n"), two.out());
    }

    @Test
    void statusJsonIsTheServersAnswerWithItsResults() throws Exception {
        api.ok("GET", "/v1/jobs/op-1", COMPLETE);
        Run r = Run.against(api, "job", "status", "op-1", "-o", "json");
        assertEquals(0, r.code(), r::toString);
        JsonNode j = M.readTree(r.out());
        assertEquals(M.readTree(COMPLETE), j);
        assertEquals(3, j.path("results").path("0.1").path("4").path("attempts").asInt());
    }

    // ------------------------------------------------------------------ cancel

    @Test
    void cancelPrintsTheCancelledJob() throws Exception {
        api.ok("POST", "/v1/jobs/op-1/cancel", "{\"id\":\"op-1\",\"status\":\"cancelled\"}");
        Run r = Run.against(api, "job", "cancel", "op-1");
        assertEquals(0, r.code(), r::toString);
        assertEquals("cancelled op-1\n", r.out());
        assertEquals("POST", api.only().method());
        Run j = Run.against(api, "job", "cancel", "op-1", "-o", "json");
        assertEquals("cancelled", M.readTree(j.out()).path("status").asText());
    }

    @Test
    void cancelErrorsArePrintedLikeOtherApiErrors() {
        api.on("POST", "/v1/jobs/web/cancel", 409, "{\"error\":\"job web is no operation: stop it with DELETE /v1/jobs/web\",\"code\":\"NOT_AN_OPERATION\"}");
        Run r = Run.against(api, "job", "cancel", "web");
        assertEquals(1, r.code(), r::toString);
        assertEquals("Error: job web is no operation: stop it with DELETE /v1/jobs/web (HTTP 409 NOT_AN_OPERATION)", r.errLine());
        assertTrue(r.out().isEmpty(), r::toString);
        Run missing = Run.against(api, "job", "cancel", "nope");
        assertEquals(1, missing.code(), missing::toString);
    }
}
