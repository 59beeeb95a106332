package io.muster.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code muster event stream}, and {@code job run --wait} told by the stream (polling only when the server has none). */
class EventCommandsTest {
    private static final String SPEC = "id: hello\ntype: batch\ngroups:\n  - name: g\n    count: 1\n    tasks:\n      - {name: t, driver: exec, command: echo}\n";
    private static final String PLACED = "{\"index\":12,\"topic\":\"Allocation\",\"type\":\"AllocationPlaced\",\"key\":\"a1\",\"job_id\":\"hello\",\"node_id\":3,"
            + "\"payload\":{\"job_id\":\"hello\",\"node_id\":3,\"desired\":\"run\",\"status\":\"pending\"}}";
    private static final String DONE = "{\"index\":15,\"topic\":\"Allocation\",\"type\":\"AllocationUpdated\",\"key\":\"a1\",\"job_id\":\"hello\",\"node_id\":3,"
            + "\"payload\":{\"desired\":\"run\",\"status\":\"complete\",\"exit_code\":0}}";
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

    private Path spec() throws Exception {
        Path f = dir.resolve("hello.yaml");
        Files.writeString(f, SPEC);
        return f;
    }

    @Test
    void streamPrintsOneLinePerEventAndGaps() {
        api.ok("GET", "/v1/events", "{\"type\":\"gap\",\"index\":10,\"oldest_index\":11,\"requested_index\":2,\"reason\":\"evicted\"}\n"
                + "{\"type\":\"heartbeat\",\"index\":11}\n" + PLACED + "\n");
        Run r = Run.against(api, "event", "stream", "--index", "2", "--topic", "Job,Allocation", "--job", "hello");
        assertEquals(0, r.code(), r::toString);
        assertEquals("index=2&topic=Job%2CAllocation&job=hello", api.only().query().replace(",", "%2C"));
        List<String> lines = r.out().lines().toList();
        assertEquals(2, lines.size(), r.out()); // the heartbeat is not printed without --heartbeats
        assertTrue(lines.get(0).startsWith("10       gap: events up to index 10 are no longer kept here (evicted)"), lines.get(0));
        assertEquals("12       Allocation AllocationPlaced       a1 job=hello node=3  desired=run status=pending", lines.get(1));
    }

    @Test
    void streamJsonPrintsTheServersLines() {
        api.ok("GET", "/v1/events", PLACED + "\n" + DONE + "\n");
        Run r = Run.against(api, "event", "stream", "-o", "json");
        assertEquals(0, r.code(), r::toString);
        assertEquals(List.of(PLACED, DONE), r.out().lines().toList());
        assertEquals(null, api.only().query(), "no index: from now on");
    }

    @Test
    void aLaggedStreamFailsWithTheIndexToResumeFrom() {
        api.ok("GET", "/v1/events", PLACED + "\n{\"type\":\"lagged\",\"index\":12,\"reason\":\"too slow\"}\n");
        Run r = Run.against(api, "event", "stream");
        assertEquals(1, r.code(), r::toString);
        assertEquals("Error: the stream ended: this reader fell behind; resume with --index 12", r.errLine());
    }

    @Test
    void runWaitIsToldByTheStreamNotByPolling() throws Exception {
        api.ok("POST", "/v1/jobs", JobCommandsTest.job("batch", "pending"));
        api.on("GET", "/v1/jobs/hello", new FakeApi.Reply(200, JobCommandsTest.job("batch", "pending"), Map.of("X-Muster-Index", "11")))
                .on("GET", "/v1/jobs/hello", new FakeApi.Reply(200, JobCommandsTest.job("batch", "complete", JobCommandsTest.alloc("a1", "complete", 0)),
                        Map.of("X-Muster-Index", "15")));
        api.ok("GET", "/v1/events", PLACED + "\n" + DONE + "\n");
        Run r = Run.against(api, "job", "run", spec().toString(), "--wait");
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().contains("complete  1 complete"), r.out());
        List<FakeApi.Request> reads = api.requests.stream().filter(q -> q.method().equals("GET")).toList();
        assertEquals("/v1/jobs/hello", reads.get(0).path());
        assertEquals("/v1/events", reads.get(1).path());
        assertEquals("index=11&topic=Job,Allocation,Operation&job=hello", java.net.URLDecoder.decode(reads.get(1).query(), java.nio.charset.StandardCharsets.UTF_8));
        // Both events came in one burst: the job is read once after them, and never polled with ?index=&wait=.
        assertEquals(3, reads.size(), reads.toString());
        assertTrue(reads.stream().noneMatch(q -> q.query() != null && q.query().contains("wait=")), reads.toString());
    }

    @Test
    void statusWaitFollowsAnExistingJobThroughTheStream() {
        api.on("GET", "/v1/jobs/hello", new FakeApi.Reply(200, JobCommandsTest.job("batch", "running", JobCommandsTest.alloc("a1", "running", null)),
                        Map.of("X-Muster-Index", "11")))
                .on("GET", "/v1/jobs/hello", new FakeApi.Reply(200, JobCommandsTest.job("batch", "running", JobCommandsTest.alloc("a1", "running", null)),
                        Map.of("X-Muster-Index", "11")))
                .on("GET", "/v1/jobs/hello", new FakeApi.Reply(200, JobCommandsTest.job("batch", "failed", JobCommandsTest.alloc("a1", "failed", 2)),
                        Map.of("X-Muster-Index", "15")));
        api.ok("GET", "/v1/events", DONE + "\n");
        Run r = Run.against(api, "job", "status", "hello", "--wait");
        assertEquals(1, r.code(), r::toString);
        assertTrue(r.out().startsWith("Job hello followed (version 1); waiting..."), r.out());
        assertEquals("Error: job hello failed: 1 of 1 allocation(s) did not succeed (alloc a1 failed with exit code 2)", r.errLine());
        assertTrue(api.requests.stream().anyMatch(q -> q.path().equals("/v1/events")), "told by the stream");
        assertTrue(api.requests.stream().noneMatch(q -> q.query() != null && q.query().contains("wait=")), "never polled");
        assertEquals(2, Run.against(api, "job", "status", "hello", "--timeout", "5").code(), "--timeout needs --wait");
    }

    @Test
    void runWaitPollsAServerWithoutTheStream() throws Exception {
        api.ok("POST", "/v1/jobs", JobCommandsTest.job("batch", "pending"));
        api.on("GET", "/v1/jobs/hello", new FakeApi.Reply(200, JobCommandsTest.job("batch", "pending"), Map.of("X-Muster-Index", "11")))
                .on("GET", "/v1/jobs/hello", new FakeApi.Reply(200, JobCommandsTest.job("batch", "complete", JobCommandsTest.alloc("a1", "complete", 0)),
                        Map.of("X-Muster-Index", "15")));
        // No /v1/events route: the fake answers 404, as a server from before the stream does.
        Run r = Run.against(api, "job", "run", spec().toString(), "--wait", "--poll-interval-ms", "20");
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().contains("complete  1 complete"), r.out());
        List<String> paths = api.requests.stream().map(FakeApi.Request::path).toList();
        int stream = paths.indexOf("/v1/events");
        assertTrue(stream > 0, "the stream was tried first: " + paths);
        assertEquals("/v1/jobs/hello", paths.get(stream + 1), "then the job was read the old way: " + paths);
    }
}
