package io.muster.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The job answer reads into the same record whether from the tree (the CLI) or streamed (the load test). */
class JobStatusReadTest {
    private static final String ANSWER = """
            {"id": "web", "type": "service", "version": 2, "status": "running", "submitted_at": "2026-01-02T03:04:00Z", "extra": {"ignored": true},
             "allocations": [
               {"id": "a1", "node_id": 7, "status": "running", "exit_code": null, "job_id": "web", "group": "g", "index": 0, "desired": "run",
                "attempt": 1, "job_version": 2, "started_at": "2026-01-02T03:04:05Z", "new_field": "x"},
               {"id": "a2", "node_id": "8", "status": "failed", "exit_code": 3, "group": "g", "index": 1, "message": "boom", "desired": "stop"}
             ],
             "failures": [{"group": "g", "unplaced": 2, "nodes_evaluated": 5, "filtered": {"constraint": 5}}]}
            """;

    @Test
    void streamedAndTreeReadsAgree() throws Exception {
        JsonNode tree = J.MAPPER.readTree(ANSWER);
        JobStatus fromTree = JobStatus.from(tree);
        JobStatus streamed = J.MAPPER.readValue(ANSWER, JobStatus.class);
        assertNull(streamed.json(), "a streamed read keeps no tree");
        assertEquals(fromTree, new JobStatus(streamed.id(), streamed.type(), streamed.version(), streamed.status(), streamed.submittedAt(),
                streamed.nextEvalAt(), streamed.allocations(), streamed.failures(), streamed.operation(), streamed.results(), tree));
        assertEquals(new JobStatus.Allocation("a1", 7, "running", null, "web", "g", 0, "run", null, 1, 2, "2026-01-02T03:04:05Z", null),
                streamed.allocations().get(0));
        assertEquals(new JobStatus.Allocation("a2", 8, "failed", 3, null, "g", 1, "stop", "boom", 0, 0, null, null), streamed.allocations().get(1));
        assertEquals("2026-01-02T03:04:00Z", streamed.submittedAt());
        assertNull(streamed.nextEvalAt());
        assertEquals(new JobStatus.Failure("g", 2, 5, Map.of("constraint", 5L)), streamed.failures().get(0));
    }

    @Test
    void absentListsAreEmpty() throws Exception {
        JobStatus s = J.MAPPER.readValue("{\"id\": \"x\", \"status\": \"pending\"}", JobStatus.class);
        assertEquals(List.of(), s.allocations());
        assertTrue(s.failures().isEmpty());
    }
}
