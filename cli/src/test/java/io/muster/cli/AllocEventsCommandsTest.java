package io.muster.cli;

import static io.muster.cli.JobCommandsTest.job;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code alloc status}, the last event in {@code job status}, and {@code job run --wait}'s event lines. */
class AllocEventsCommandsTest {
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

    static String event(int second, String type, String message) {
        return """
                {"time":"2026-12-07T04:09:%02d.250Z","type":"%s","message":"%s"}""".formatted(second, type, message);
    }

    /** Allocation a1 with the given newest events, out of {@code total} it ever had. */
    static String alloc(String status, long total, String... events) {
        return """
                {"id":"a1","node_id":1,"status":"%s","exit_code":null,"job_id":"hello","group":"g","index":0,"desired":"run",\
                "message":"m","attempt":0,"job_version":1,"events":[%s],"events_total":%d}"""
                .formatted(status, String.join(",", events), total);
    }

    @Test
    void allocStatusShowsTheHistoryAndWhereEventsWereDropped() {
        List<String> events = new java.util.ArrayList<>(List.of(event(0, "placed", "placed on vm (node 1)"), event(1, "received", "received by node 1")));
        for (int i = 0; i < 20; i++) events.add(event(10 + i, "restarting", "task t: restart " + (i + 5) + " of 30 in 1s after exit code 1"));
        api.ok("GET", "/v1/allocations/a1", alloc("running", 25, events.toArray(String[]::new)));
        Run r = Run.against(api, "alloc", "status", "a1");
        assertEquals(0, r.code(), r::toString);
        String out = r.out();
        assertTrue(out.contains("Job         hello (version 1)"), out);
        assertTrue(out.contains("2026-12-07T04:09:00Z  placed      placed on vm (node 1)"), out);
        assertTrue(out.contains("...                   -           3 event(s) not kept"), out);
        assertTrue(out.indexOf("received by node 1") < out.indexOf("3 event(s) not kept")
                && out.indexOf("3 event(s) not kept") < out.indexOf("restart 5 of 30"), "the gap is where the events were dropped: " + out);
        assertTrue(out.contains("restart 24 of 30 in 1s after exit code 1"), out);
        assertEquals("/v1/allocations/a1", api.requests.getFirst().path());
    }

    @Test
    void allocStatusAsJsonIsTheApiAnswer() {
        api.ok("GET", "/v1/allocations/a1", alloc("failed", 1, event(0, "placed", "placed on vm (node 1)")));
        Run r = Run.against(api, "-o", "json", "alloc", "status", "a1");
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().contains("\"events_total\""), r.out());
    }

    @Test
    void anUnknownAllocationIsOneLineOnStderr() {
        api.on("GET", "/v1/allocations/nope", 404, """
                {"error":"no allocation with id nope","code":"ALLOC_NOT_FOUND"}""");
        Run r = Run.against(api, "alloc", "status", "nope");
        assertEquals(1, r.code(), r::toString);
        assertTrue(r.errLine().contains("no allocation with id nope"), r.err());
    }

    @Test
    void jobStatusShowsEachAllocationsLatestEvent() {
        api.ok("GET", "/v1/jobs/hello", job("batch", "running", alloc("running", 4, event(3, "started", "task t started: exec pid 9"),
                event(6, "timed-out", "task t timed out after 3s"), event(6, "restarting", "task t: restart 1 of 2 in 15s after timing out"))));
        Run r = Run.against(api, "job", "status", "hello");
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().contains("LAST EVENT"), r.out());
        assertTrue(r.out().contains("restarting 04:09:06"), r.out());
    }

    @Test
    void runWaitPrintsEachEventOnceAsItArrives() throws Exception {
        Path spec = Files.writeString(dir.resolve("hello.yaml"), JobCommandsTest.SPEC);
        String placed = event(0, "placed", "placed on vm (node 1)");
        String started = event(1, "started", "task t started: exec pid 9");
        String timedOut = event(4, "timed-out", "task t timed out after 3s");
        String restart = event(4, "restarting", "task t: restart 1 of 2 in 15s after timing out");
        String started2 = event(19, "started", "task t started: exec pid 10");
        api.ok("POST", "/v1/jobs", job("batch", "pending"));
        api.ok("GET", "/v1/jobs/hello", job("batch", "running", alloc("running", 2, placed, started)))
                // The answer holds only the newest 3: the count says which of them are new.
                .ok("GET", "/v1/jobs/hello", job("batch", "running", alloc("running", 4, started, timedOut, restart)))
                .ok("GET", "/v1/jobs/hello", job("batch", "running", alloc("running", 5, timedOut, restart, started2)))
                .ok("GET", "/v1/jobs/hello", job("batch", "complete", alloc("complete", 5, timedOut, restart, started2)));
        Run r = Run.against(api, "job", "run", spec.toString(), "--wait", "--poll-interval-ms", "20");
        assertEquals(0, r.code(), r::toString);
        String out = r.out();
        for (String line : List.of("alloc a1  placed on vm (node 1)", "alloc a1  task t timed out after 3s",
                "alloc a1  task t: restart 1 of 2 in 15s after timing out", "alloc a1  task t started: exec pid 10")) {
            assertEquals(1, count(out, line), line + " once in:\n" + out);
        }
        assertEquals(1, count(out, "task t started: exec pid 9"), out);
        assertEquals(1, count(out, "running   1 running"), "the status line is not repeated for each event:\n" + out);
        assertFalse(out.contains("PT"), out);
        assertFalse(out.contains("more event(s)"), "nothing was missed:\n" + out);
    }

    @Test
    void runWaitSaysWhenMoreEventsCameThanAnAnswerCarries() throws Exception {
        Path spec = Files.writeString(dir.resolve("hello.yaml"), JobCommandsTest.SPEC);
        api.ok("POST", "/v1/jobs", job("batch", "pending"));
        api.ok("GET", "/v1/jobs/hello", job("batch", "running", alloc("running", 1, event(0, "placed", "placed on vm (node 1)"))))
                .ok("GET", "/v1/jobs/hello", job("batch", "failed", alloc("failed", 9, event(7, "restarting", "r7"), event(8, "started", "s8"),
                        event(9, "failed", "f9"))));
        Run r = Run.against(api, "job", "run", spec.toString(), "--wait", "--poll-interval-ms", "20");
        assertEquals(1, r.code(), r::toString);
        assertTrue(r.out().contains("alloc a1  (5 more event(s): muster alloc status a1)"), r.out());
        assertTrue(r.out().indexOf("more event(s)") < r.out().indexOf("r7"), r.out());
    }

    static int count(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) n++;
        return n;
    }
}
