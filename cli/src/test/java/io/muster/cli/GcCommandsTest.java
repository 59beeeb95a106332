package io.muster.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code muster job stop ID --purge} and {@code muster system gc}: requests, output, exit codes 0/1/2, {@code -o json}. */
class GcCommandsTest {
    FakeApi api;

    @BeforeEach
    void start() throws Exception {
        api = FakeApi.http();
    }

    @AfterEach
    void stop() {
        api.close();
    }

    @Test
    void stopWithPurge() throws Exception {
        api.ok("DELETE", "/v1/jobs/web", "{\"id\":\"web\",\"status\":\"purged\",\"allocations_removed\":3,\"index\":42}");
        Run r = Run.against(api, "job", "stop", "web", "--purge");
        assertEquals(0, r.code(), r::toString);
        assertEquals("Job web stopped and purged (3 allocations removed).\n", r.out());
        assertEquals("purge=true", api.requests.getLast().query());
        assertEquals("DELETE", api.requests.getLast().method());

        Run j = Run.against(api, "job", "stop", "web", "--purge", "-o", "json");
        assertEquals(0, j.code(), j::toString);
        assertEquals(3, new ObjectMapper().readTree(j.out()).get("allocations_removed").asInt());

        Run plain = Run.against(api, "job", "stop", "web");
        assertEquals(0, plain.code(), plain::toString);
        assertEquals(null, api.requests.getLast().query(), "no purge without --purge");

        api.on("DELETE", "/v1/jobs/nope", 404, "{\"error\":\"no job with id nope\",\"code\":\"JOB_NOT_FOUND\"}");
        Run missing = Run.against(api, "job", "stop", "nope", "--purge");
        assertEquals(1, missing.code(), missing::toString);
        assertEquals("Error: no job with id nope (HTTP 404 JOB_NOT_FOUND)", missing.errLine());

        assertEquals(2, Run.against(api, "job", "stop", "--purge").code(), "the job id is required");
    }

    @Test
    void systemGc() throws Exception {
        api.ok("POST", "/v1/system/gc", "{\"jobs\":2,\"allocations\":1,\"nodes\":0,\"tokens\":3,\"skipped\":0,\"entries\":1}");
        Run r = Run.against(api, "system", "gc");
        assertEquals(0, r.code(), r::toString);
        assertEquals("Collected 2 jobs, 1 allocation, 0 nodes, 3 join tokens.\n", r.out());
        assertEquals("POST", api.requests.getLast().method());
        assertEquals("/v1/system/gc", api.requests.getLast().path());

        Run j = Run.against(api, "system", "gc", "-o", "json");
        assertEquals(0, j.code(), j::toString);
        assertEquals(3, new ObjectMapper().readTree(j.out()).get("tokens").asInt());

        // Replies are served in order and the last one repeats: the 200 above goes once more, then the 403.
        api.on("POST", "/v1/system/gc", 403, "{\"error\":\"policy operator does not allow cluster:admin (POST /v1/system/gc)\","
                + "\"code\":\"ACL_PERMISSION_DENIED\"}");
        assertEquals(0, Run.against(api, "system", "gc").code());
        Run denied = Run.against(api, "system", "gc");
        assertEquals(1, denied.code(), denied::toString);
        assertTrue(denied.errLine().contains("does not allow cluster:admin"), denied::toString);

        assertEquals(2, Run.against(api, "system", "gc", "--bogus").code());
        Run help = Run.against(api, "--help");
        assertTrue(help.out().contains("  system"), help.out());
    }
}
