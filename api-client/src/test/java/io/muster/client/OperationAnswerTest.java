package io.muster.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** An operation job's answer (its {@code operation} and {@code results}), when it counts as ended, and cancelling one. */
class OperationAnswerTest {
    static final String ANSWER = """
            {"id": "op-1", "type": "operation", "version": 1, "status": "running", "submitted_at": "2026-12-07T03:00:00Z",
             "allocations": [], "failures": [],
             "operation": {"status": "running", "strategy": "continue", "target": "group:web", "step": 1,
               "steps": [{"index": 0, "condition": "always", "pipeline": true, "state": "done",
                          "tasks": [{"key": "0.0", "task": "apt update"}, {"key": "0.1", "task": "apt install"}]},
                         {"index": 1, "condition": "on_failure", "pipeline": false, "state": "running", "tasks": [{"key": "1", "task": "exec sh"}]}],
               "nodes": [{"id": 4, "name": "w2"}, {"id": 3, "name": "w1"}], "excluded": [{"id": 9, "name": "w9", "reason": "no backend apt"}],
               "queued_at": "2026-12-07T03:00:00Z", "started_at": "2026-12-07T03:00:01Z"},
             "results": {"0.1": {"4": {"node": "w2", "status": "failed", "output": "E: locked", "duration_ms": 1200, "attempts": 3, "message": "exit code 100"},
                                 "3": {"node": "w1", "status": "success", "output": "", "duration_ms": 900, "attempts": 1, "message": null}},
                         "0.0": {"3": {"node": "w1", "status": "success", "duration_ms": 10, "attempts": 1}}}}
            """;

    @Test
    void operationAndResultsReadTheSameFromTheTreeAndStreamed() throws Exception {
        JsonNode tree = J.MAPPER.readTree(ANSWER);
        JobStatus s = JobStatus.from(tree);
        JobStatus streamed = J.MAPPER.readValue(ANSWER, JobStatus.class);
        assertEquals(s.operation(), streamed.operation());
        assertEquals(s.results(), streamed.results());

        OperationView op = s.operation();
        assertEquals("running", op.status());
        assertEquals("continue", op.strategy());
        assertEquals(1, op.step());
        assertEquals(List.of(new OperationView.StepTask("0.0", "apt update"), new OperationView.StepTask("0.1", "apt install")), op.steps().get(0).tasks());
        assertTrue(op.steps().get(0).pipeline());
        assertEquals("on_failure", op.steps().get(1).condition());
        assertEquals(List.of(new OperationView.TargetNode(4, "w2", null), new OperationView.TargetNode(3, "w1", null)), op.nodes());
        assertEquals("no backend apt", op.excluded().getFirst().reason());
        assertNull(op.endedAt());
        assertNull(op.reason());

        assertEquals(List.of("0.1", "0.0"), List.copyOf(s.results().keySet()), "the server's order is kept");
        assertEquals(List.of("4", "3"), List.copyOf(s.results().get("0.1").keySet()));
        assertEquals(new OperationView.TaskResult("w2", "failed", "E: locked", 1200, 3, "exit code 100"), s.results().get("0.1").get("4"));
        assertNull(s.results().get("0.0").get("3").output());
    }

    @Test
    void anOperationEndsOnlyCompleteFailedOrCancelledAndSucceedsOnlyComplete() throws Exception {
        for (String status : List.of("pending", "queued", "running")) {
            JobStatus s = JobStatus.from(J.MAPPER.readTree(ANSWER.replaceFirst("\"status\": \"running\"", "\"status\": \"" + status + "\"")));
            assertFalse(s.isTerminal(), status);
            assertFalse(s.succeeded(), status);
        }
        for (String status : List.of("complete", "failed", "cancelled")) {
            JobStatus s = JobStatus.from(J.MAPPER.readTree(ANSWER.replaceFirst("\"status\": \"running\"", "\"status\": \"" + status + "\"")));
            assertTrue(s.isTerminal(), status);
            assertEquals("complete".equals(status), s.succeeded(), status);
        }
        // The operation section ending first (the job's status not yet caught up) ends the wait too.
        JobStatus lagging = JobStatus.from(J.MAPPER.readTree(ANSWER.replace("\"status\": \"running\", \"strategy\"", "\"status\": \"failed\", \"strategy\"")));
        assertEquals("running", lagging.status());
        assertTrue(lagging.isTerminal());
        assertFalse(lagging.succeeded());
        // No allocations does not make an operation a failure, nor a placement failure end it.
        JobStatus withoutSection = JobStatus.from(J.MAPPER.readTree("{\"id\": \"op\", \"type\": \"operation\", \"status\": \"complete\"}"));
        assertTrue(withoutSection.operationJob() && withoutSection.succeeded());
        JobStatus batch = JobStatus.from(J.MAPPER.readTree("{\"id\": \"b\", \"type\": \"batch\", \"status\": \"cancelled\"}"));
        assertFalse(batch.operationJob());
        assertTrue(batch.isTerminal());
    }

    @Test
    void theServerWritesTheAnswerBackWithOperationAndResults() throws Exception {
        JobStatus s = J.MAPPER.readValue(ANSWER, JobStatus.class);
        JsonNode written = J.MAPPER.valueToTree(s);
        assertEquals(J.MAPPER.readTree(ANSWER).get("operation").get("steps"), written.get("operation").get("steps"));
        assertEquals(1200, written.get("results").get("0.1").get("4").get("duration_ms").asLong());
        assertFalse(written.has("operationJob") || written.has("terminal"), "derived values, not fields: " + written);
        assertFalse(J.MAPPER.valueToTree(JobStatus.from(J.MAPPER.readTree("{\"id\": \"b\", \"type\": \"batch\"}"))).has("operation"),
                "left out for other jobs");
    }

    @Test
    void cancelJobPostsToCancelAndReportsConflicts() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", ex -> {
            seen.add(ex.getRequestMethod() + " " + ex.getRequestURI().getRawPath());
            boolean ok = ex.getRequestURI().getRawPath().equals("/v1/jobs/op%201/cancel");
            byte[] body = (ok ? "{\"id\": \"op 1\", \"status\": \"cancelled\"}" : "{\"error\": \"job web has already ended\", \"code\": \"JOB_ENDED\"}")
                    .getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(ok ? 200 : 409, body.length);
            try (OutputStream os = ex.getResponseBody()) {
                os.write(body);
            }
        });
        server.start();
        try (MusterClient c = MusterClient.builder().address("http://127.0.0.1:" + server.getAddress().getPort()).build()) {
            JsonNode r = c.cancelJob("op 1");
            assertEquals(Map.of("id", "op 1", "status", "cancelled"), J.MAPPER.convertValue(r, Map.class));
            MusterApiException e = assertThrows(MusterApiException.class, () -> c.cancelJob("web"));
            assertEquals(409, e.status());
            assertEquals("JOB_ENDED", e.code());
            assertEquals(List.of("POST /v1/jobs/op%201/cancel", "POST /v1/jobs/web/cancel"), seen);
        } finally {
            server.stop(0);
        }
    }
}
