package io.muster.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code job logs} with the streaming options, {@code alloc logs}, and {@code job run --wait}'s live output. */
class LogCommandsTest {
    FakeApi api;

    @BeforeEach
    void start() throws Exception {
        api = FakeApi.http();
    }

    @AfterEach
    void stop() {
        api.close();
    }

    static String data(String alloc, String node, String stream, String text) {
        return "{\"alloc_id\":\"%s\",\"node_id\":\"%s\",\"task\":\"t\",\"stream\":\"%s\",\"data\":\"%s\"}\n"
                .formatted(alloc, node, stream, Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void followSendsEveryOptionAndPrintsFramesAsTheyCome() {
        api.ok("GET", "/v1/jobs/web/logs", data("a1", "1001", "stderr", "one\ntw") + data("a1", "1001", "stderr", "o\n")
                + "{\"alloc_id\":\"a1\",\"node_id\":\"1001\",\"task\":\"t\",\"stream\":\"stderr\",\"dropped\":4096,\"data\":\"" + Base64.getEncoder().encodeToString("three\n".getBytes()) + "\"}\n"
                + "{\"alloc_id\":\"a1\",\"end\":true}\n{\"done\":true}\n");
        Run r = Run.against(api, "job", "logs", "web", "-f", "--task", "t", "--alloc", "a1", "--stderr", "--since", "5m", "--tail", "20");
        assertEquals(0, r.code(), r::toString);
        assertEquals("follow=true&task=t&stream=stderr&since=5m&tail=20&alloc=a1", api.only().query());
        assertEquals("one\ntwo\n[4096 bytes dropped]\nthree\n", r.out());
    }

    @Test
    void severalAllocationsGetHeadersAndAnAllocationThatCannotBeFollowedIsReported() {
        api.ok("GET", "/v1/jobs/web/logs", data("a1", "1001", "stdout", "from a1\n") + data("a2", "1002", "stdout", "from a2\n")
                + "{\"alloc_id\":\"a1\",\"end\":true}\n{\"alloc_id\":\"a2\",\"end\":true,\"error\":\"allocation a2 is not on this node\"}\n{\"done\":true}\n");
        Run r = Run.against(api, "job", "logs", "web", "--tail", "5");
        assertEquals(0, r.code(), r::toString);
        assertEquals("follow=false&tail=5", api.only().query());
        assertEquals("==> alloc a1 on node 1001 task t <==\nfrom a1\n==> alloc a2 on node 1002 task t <==\nfrom a2\n", r.out());
        assertTrue(r.err().contains("alloc a2: allocation a2 is not on this node"), r.err());
    }

    @Test
    void aStreamThatBreaksOffOrNeverWorksIsAFailure() {
        api.ok("GET", "/v1/allocations/a1/logs", data("a1", "1001", "stdout", "partial\n"));
        Run r = Run.against(api, "alloc", "logs", "a1", "-f");
        assertEquals(1, r.code(), r::toString);
        assertEquals("partial\n", r.out());
        assertEquals("Error: the log stream of allocation a1 broke off", r.errLine());

        api.ok("GET", "/v1/allocations/a2/logs", "{\"alloc_id\":\"a2\",\"end\":true,\"error\":\"node 7 is not connected to any server\"}\n{\"done\":true}\n");
        r = Run.against(api, "alloc", "logs", "a2");
        assertEquals(1, r.code(), r::toString);
        assertEquals("alloc a2: node 7 is not connected to any server\nError: no logs could be fetched for allocation a2\n", r.err());
        assertEquals("follow=false", api.requests.getLast().query());
    }

    @Test
    void badOptionsAreUsageErrors() {
        assertEquals(2, Run.against(api, "job", "logs", "web", "-f", "--since", "yesterday").code());
        assertEquals(2, Run.against(api, "job", "logs", "web", "--tail", "-1").code());
        assertEquals(2, Run.against(api, "job", "logs", "web", "-f", "--max-bytes", "10").code());
        assertEquals(0, api.requests.size());
    }

    @Test
    void runWaitStreamsAOneShotCommandsOutputPrefixedByNode() {
        api.ok("POST", "/v1/jobs/oneshot", JobCommandsTest.job("sysbatch", "pending"));
        String a1 = "{\"id\":\"a1\",\"node_id\":\"1001\",\"status\":\"complete\",\"exit_code\":0,\"group\":\"g\",\"index\":0,\"message\":\"\",\"desired\":\"run\",\"attempt\":0}";
        String a2 = a1.replace("a1", "a2").replace("1001", "1002");
        api.ok("GET", "/v1/jobs/hello", JobCommandsTest.job("sysbatch", "complete", a1, a2));
        api.ok("GET", "/v1/nodes/1001", "{\"id\":1001,\"labels\":{\"name\":\"web-1\"},\"hostname\":\"h1\"}");
        api.ok("GET", "/v1/nodes/1002", "{\"id\":1002,\"labels\":{},\"hostname\":\"h2\"}");
        api.ok("GET", "/v1/allocations/a1/logs", data("a1", "1001", "stdout", "hi fr") + data("a1", "1001", "stdout", "om 1\n")
                + "{\"alloc_id\":\"a1\",\"end\":true}\n{\"done\":true}\n");
        api.ok("GET", "/v1/allocations/a2/logs", data("a2", "1002", "stdout", "hi from 2\n") + data("a2", "1002", "stderr", "warn 2\n")
                + "{\"alloc_id\":\"a2\",\"end\":true}\n{\"done\":true}\n");
        Run r = Run.against(api, "job", "run", "-t", "all", "--wait", "--poll-interval-ms", "20", "--", "echo", "hi");
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().contains("web-1: hi from 1\n"), r.out());
        assertTrue(r.out().contains("h2: hi from 2\n"), r.out());
        assertTrue(r.err().contains("h2: warn 2\n"), r.err());
        assertTrue(api.requests.stream().anyMatch(q -> q.path().equals("/v1/allocations/a1/logs") && "follow=true&stream=both&tail=all".equals(q.query())));
    }
}
