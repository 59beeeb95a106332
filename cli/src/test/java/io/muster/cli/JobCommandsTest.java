package io.muster.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JobCommandsTest {
    static final ObjectMapper M = new ObjectMapper();
    static final String SPEC = """
            id: hello
            type: batch
            groups:
              - name: g
                count: 2
                tasks:
                  - {name: t, driver: exec, command: echo, args: [hi]}
            """;

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

    static String job(String type, String status, String... allocs) {
        return """
                {"id":"hello","type":"%s","version":1,"status":"%s","allocations":[%s],"failures":[]}"""
                .formatted(type, status, String.join(",", allocs));
    }

    /** Allocation "aN" is slot N of group g. */
    static String alloc(String id, String status, Integer exit) {
        return alloc(id, status, exit, "run", 0);
    }

    static String alloc(String id, String status, Integer exit, String desired, int attempt) {
        return """
                {"id":"%s","node_id":"1001","status":"%s","exit_code":%s,"group":"g","index":%s,"message":"","desired":"%s","attempt":%d}"""
                .formatted(id, status, exit, id.substring(1), desired, attempt);
    }

    private Path spec(String name, String text) throws Exception {
        Path f = dir.resolve(name);
        Files.writeString(f, text);
        return f;
    }

    @Test
    void runWaitSucceedsWhenEveryAllocationCompletes() throws Exception {
        api.ok("POST", "/v1/jobs", job("batch", "pending"));
        api.ok("GET", "/v1/jobs/hello", job("batch", "pending", alloc("a1", "pending", null), alloc("a2", "pending", null)))
                .ok("GET", "/v1/jobs/hello", job("batch", "running", alloc("a1", "running", null), alloc("a2", "complete", 0)))
                .ok("GET", "/v1/jobs/hello", job("batch", "complete", alloc("a1", "complete", 0), alloc("a2", "complete", 0)));
        Run r = Run.against(api, "job", "run", spec("hello.yaml", SPEC).toString(), "--wait", "--poll-interval-ms", "20");
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.err().isEmpty(), r::toString);
        assertTrue(r.out().contains("pending   2 pending"), r.out());
        assertTrue(r.out().contains("running   1 running, 1 complete"), r.out());
        assertTrue(r.out().contains("complete  2 complete"), r.out());
        assertTrue(r.out().contains("Status       complete"), r.out());
        FakeApi.Request submit = api.requests.getFirst();
        assertEquals("POST", submit.method());
        assertEquals("application/yaml", submit.header("Content-Type"));
        assertEquals(SPEC, submit.body());
        assertEquals(4, api.requests.size(), "one submit, three polls");
    }

    @Test
    void runWaitFailsWhenAnAllocationFails() throws Exception {
        api.ok("POST", "/v1/jobs", job("batch", "pending"));
        api.ok("GET", "/v1/jobs/hello", job("batch", "pending", alloc("a1", "pending", null)))
                .ok("GET", "/v1/jobs/hello", job("batch", "failed", alloc("a1", "failed", 3)));
        Run r = Run.against(api, "job", "run", spec("hello.yml", SPEC).toString(), "--wait", "--poll-interval-ms", "20");
        assertEquals(1, r.code(), r::toString);
        assertEquals("Error: job hello failed: 1 of 1 allocation(s) did not succeed (alloc a1 failed with exit code 3)", r.errLine());
    }

    @Test
    void aBatchSlotThatSucceedsOnRetryCounts() throws Exception {
        api.ok("POST", "/v1/jobs", job("batch", "pending"));
        api.ok("GET", "/v1/jobs/hello", job("batch", "running", alloc("a1", "failed", 1, "run", 0), alloc("a1", "pending", null, "run", 1)))
                .ok("GET", "/v1/jobs/hello", job("batch", "complete", alloc("a1", "failed", 1, "run", 0), alloc("a1", "complete", 0, "run", 1)));
        Run r = Run.against(api, "job", "run", spec("hello.yaml", SPEC).toString(), "--wait", "--poll-interval-ms", "20");
        assertEquals(0, r.code(), r::toString);
    }

    @Test
    void aServiceUpdateIgnoresTheOldVersionsAllocations() throws Exception {
        api.ok("POST", "/v1/jobs", job("service", "running"));
        api.ok("GET", "/v1/jobs/hello", job("service", "running", alloc("a1", "complete", 0, "stop", 0), alloc("a2", "stopped", null, "stop", 0),
                alloc("a1", "running", null, "run", 0), alloc("a2", "running", null, "run", 0)));
        Run r = Run.against(api, "job", "run", spec("svc.yaml", SPEC).toString(), "--wait", "--poll-interval-ms", "20");
        assertEquals(0, r.code(), r::toString);
    }

    @Test
    void aJobThatRanNowhereIsAFailure() throws Exception {
        api.ok("POST", "/v1/jobs/oneshot", job("sysbatch", "complete"));
        api.ok("GET", "/v1/jobs/hello", job("sysbatch", "complete"));
        Run r = Run.against(api, "job", "run", "-t", "group:typo", "--wait", "--poll-interval-ms", "20", "--", "true");
        assertEquals(1, r.code(), r::toString);
        assertEquals("Error: job hello is complete with no allocations (did the target or constraints match no worker?)", r.errLine());
    }

    @Test
    void runWaitJsonKeepsStdoutOneDocument() throws Exception {
        api.ok("POST", "/v1/jobs", job("batch", "pending"));
        api.ok("GET", "/v1/jobs/hello", job("batch", "pending", alloc("a1", "pending", null)))
                .ok("GET", "/v1/jobs/hello", job("batch", "complete", alloc("a1", "complete", 0)));
        Run r = Run.against(api, "job", "run", spec("hello.json", "{\"id\":\"hello\"}").toString(), "--wait", "-o", "json",
                "--poll-interval-ms", "20");
        assertEquals(0, r.code(), r::toString);
        JsonNode j = M.readTree(r.out());
        assertEquals("complete", j.get("status").asText());
        for (String f : new String[] {"id", "node_id", "status", "exit_code"}) assertTrue(j.get("allocations").get(0).has(f), f);
        assertTrue(r.err().contains("waiting"), "progress went to stderr");
        assertEquals("application/json", api.requests.getFirst().header("Content-Type"));
    }

    @Test
    void serviceSucceedsWhenAllAllocationsRun() throws Exception {
        api.ok("POST", "/v1/jobs", job("service", "pending"));
        api.ok("GET", "/v1/jobs/hello", job("service", "pending", alloc("a1", "running", null), alloc("a2", "pending", null)))
                .ok("GET", "/v1/jobs/hello", job("service", "running", alloc("a1", "running", null), alloc("a2", "running", null)));
        Run r = Run.against(api, "job", "run", spec("svc.yaml", SPEC).toString(), "--wait", "--poll-interval-ms", "20");
        assertEquals(0, r.code(), r::toString);
    }

    @Test
    void placementFailuresEndTheWait() throws Exception {
        api.ok("POST", "/v1/jobs", job("service", "pending"));
        api.ok("GET", "/v1/jobs/hello", """
                {"id":"hello","type":"service","version":1,"status":"pending","allocations":[],
                 "failures":[{"group":"g","unplaced":2,"nodes_evaluated":3,"filtered":{"constraint label.role = web":3}}]}""");
        Run r = Run.against(api, "job", "run", spec("svc.yaml", SPEC).toString(), "--wait", "--poll-interval-ms", "20");
        assertEquals(1, r.code(), r::toString);
        assertTrue(r.errLine().contains("2 allocation(s) could not be placed"), r::toString);
        assertTrue(r.errLine().contains("constraint label.role = web (3)"), r::toString);
    }

    @Test
    void waitTimesOut() throws Exception {
        api.ok("POST", "/v1/jobs", job("batch", "pending"));
        api.ok("GET", "/v1/jobs/hello", job("batch", "pending", alloc("a1", "pending", null)));
        Run r = Run.against(api, "job", "run", spec("hello.yaml", SPEC).toString(), "--wait", "--timeout", "1", "--poll-interval-ms", "50");
        assertEquals(1, r.code(), r::toString);
        assertEquals("Error: timed out after 1s waiting for job hello (status pending: 1 pending)", r.errLine());
    }

    @Test
    void waitRidesOutALeaderElection() throws Exception {
        api.ok("POST", "/v1/jobs", job("batch", "pending"));
        api.on("GET", "/v1/jobs/hello", 503, "{\"error\":\"the cluster has no leader right now\",\"code\":\"NO_LEADER\"}")
                .ok("GET", "/v1/jobs/hello", job("batch", "complete", alloc("a1", "complete", 0)));
        Run r = Run.against(api, "job", "run", spec("hello.yaml", SPEC).toString(), "--wait", "--poll-interval-ms", "20");
        assertEquals(0, r.code(), r::toString);
    }

    @Test
    void specErrorsFromTheServerArePrinted() throws Exception {
        api.on("POST", "/v1/jobs", 400, "{\"error\":\"hello.yaml: groups[0].count: must be >= 1 (line 5)\",\"code\":\"BAD_JOB_SPEC\"}");
        Run r = Run.against(api, "job", "run", spec("hello.yaml", SPEC).toString());
        assertEquals(1, r.code(), r::toString);
        assertEquals("Error: hello.yaml: groups[0].count: must be >= 1 (line 5) (HTTP 400 BAD_JOB_SPEC)", r.errLine());
    }

    @Test
    void multiProblemSpecErrorsStayOnOneLine() throws Exception {
        api.on("POST", "/v1/jobs", 400, "{\"error\":\"job: 2 problems:\\n  - type: unknown (line 2)\\n  - groups: required (line 1)\",\"code\":\"BAD_JOB_SPEC\"}");
        Run r = Run.against(api, "job", "run", spec("hello.yaml", SPEC).toString());
        assertEquals("Error: job: 2 problems: type: unknown (line 2); groups: required (line 1) (HTTP 400 BAD_JOB_SPEC)", r.errLine());
    }

    @Test
    void emptyOrDirectorySpecIsAClearFailure() throws Exception {
        Run r = Run.against(api, "job", "run", spec("empty.yaml", "  \n").toString());
        assertEquals(1, r.code());
        assertTrue(r.errLine().endsWith("empty.yaml is empty"), r::toString);
        r = Run.against(api, "job", "run", dir.toString());
        assertEquals(1, r.code());
        assertTrue(r.errLine().endsWith("is a directory, not a file"), r::toString);
        assertTrue(api.requests.isEmpty());
    }

    @Test
    void oneshotSendsTargetAndCommand() throws Exception {
        api.ok("POST", "/v1/jobs/oneshot", job("batch", "pending"));
        Run r = Run.against(api, "job", "run", "-t", "group:web", "--", "sh", "-c", "echo hi");
        assertEquals(0, r.code(), r::toString);
        assertEquals("Job hello submitted (version 1, status pending).\nFollow it with: muster job status hello\n", r.out());
        assertEquals(M.readTree("{\"target\":\"group:web\",\"command\":[\"sh\",\"-c\",\"echo hi\"]}"), M.readTree(api.only().body()));
    }

    @Test
    void oneshotWait() throws Exception {
        api.ok("POST", "/v1/jobs/oneshot", job("batch", "pending"));
        api.ok("GET", "/v1/jobs/hello", job("batch", "complete", alloc("a1", "complete", 0), alloc("a2", "complete", 0)));
        Run r = Run.against(api, "job", "run", "-t", "all", "--wait", "--poll-interval-ms", "20", "--", "uname", "-a");
        assertEquals(0, r.code(), r::toString);
    }

    @Test
    void statusListStopLogs() throws Exception {
        api.ok("GET", "/v1/jobs/hello", job("batch", "complete", alloc("a1", "complete", 0)));
        Run s = Run.against(api, "job", "status", "hello");
        assertEquals(0, s.code(), s::toString);
        assertTrue(s.out().contains("ALLOC ID  NODE  GROUP  INDEX  STATUS    EXIT  LAST EVENT  MESSAGE"), s.out());
        assertTrue(s.out().contains("a1        1001  g      1      complete  0     -           -"), s.out());

        api.ok("GET", "/v1/jobs", """
                {"jobs":[{"id":"hello","type":"batch","status":"complete","version":1,
                  "allocations":{"pending":0,"running":0,"complete":2,"failed":0,"lost":0,"stopped":0}}],"total":5,"next_offset":1}""");
        Run l = Run.against(api, "job", "list", "--offset", "0", "--limit", "1");
        assertEquals(0, l.code(), l::toString);
        assertEquals("offset=0&limit=1", api.requests.getLast().query());
        assertTrue(l.out().contains("hello  batch  complete  1        0        0        2         0       0     0"), l.out());
        assertTrue(l.out().contains("next page: --offset 1"), l.out());

        api.ok("DELETE", "/v1/jobs/hello", "{\"id\":\"hello\",\"status\":\"stopped\"}");
        Run st = Run.against(api, "job", "stop", "hello");
        assertEquals("Job hello stopped.\n", st.out());

        String out = Base64.getEncoder().encodeToString("hi from a1\n".getBytes());
        String err = Base64.getEncoder().encodeToString("oops\n".getBytes());
        api.ok("GET", "/v1/jobs/hello/logs", """
                {"allocations":[{"alloc_id":"a1","node_id":"1001","stdout":"%s","stderr":"%s","stdout_dropped":0,"stderr_dropped":12,"error":null}]}"""
                .formatted(out, err));
        Run lg = Run.against(api, "job", "logs", "hello");
        assertEquals(0, lg.code(), lg::toString);
        assertEquals("hi from a1\n", lg.out());
        Run le = Run.against(api, "job", "logs", "hello", "--stderr", "--alloc", "a1");
        assertEquals("[12 earlier bytes dropped]\noops\n", le.out());
        assertEquals("alloc=a1", api.requests.getLast().query());
    }
}
