package io.muster.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class NodeCommandsTest {
    static final ObjectMapper M = new ObjectMapper();
    static final String TOKEN = "eyJjbHVzdGVyIjoiYy03ZjNhIn0.c2lnbmF0dXJl";
    static final String ISSUED = """
            {"token":"%s","token_id":"tok-41","expires_at":"2030-01-02T03:04:05Z","max_uses":1,
             "join_command":"muster worker --server 10.0.0.1:3670 --token %s"}""".formatted(TOKEN, TOKEN);
    static final String NODES = """
            [{"id":"1001","state":"ready","eligible":true,"labels":{"zone":"eu-1","role":"web"},"os":"linux","arch":"amd64",
              "last_heartbeat":"2020-01-01T00:00:00Z","ttl_secs":10,"drain":"none","hostname":"w1","drivers":["exec","docker"],
              "cpu_mhz":8000,"memory_mb":16000,"allocs":3},
             {"id":"1002","state":"draining","eligible":false,"labels":{},"os":"linux","arch":"arm64",
              "last_heartbeat":"2020-01-01T00:00:00Z","ttl_secs":10,"drain":"draining","hostname":"w2","drivers":["exec"],
              "cpu_mhz":4000,"memory_mb":8000,"allocs":0}]""";

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
    void generateWorkerTokenPrintsTheTokenAloneOnOneLine() throws Exception {
        api.ok("POST", "/v1/node/tokens", ISSUED);
        Run r = Run.muster(Run.env(api, "MUSTER_ACL_TOKEN", "mgmt"), "node", "generate-worker-token");
        assertEquals(0, r.code(), r::toString);
        assertEquals(TOKEN + "\n", r.out());
        assertTrue(r.err().isEmpty(), r::toString);
        FakeApi.Request req = api.only();
        assertEquals("POST", req.method());
        assertEquals("mgmt", req.header("X-Muster-Token"));
        JsonNode body = M.readTree(req.body());
        assertEquals(86400, body.get("valid_for_secs").asLong());
        assertEquals(1, body.get("max_uses").asInt());
        assertEquals(0, body.get("labels").size());
    }

    @Test
    void generateWorkerTokenWithOptionsAndJoinCommand() throws Exception {
        api.ok("POST", "/v1/node/tokens", ISSUED);
        Run r = Run.against(api, "node", "generate-worker-token", "--valid-for", "600", "--max-uses", "5", "--labels", "zone=eu-1,role=web",
                "--description", "rack 4", "--print-join-command");
        assertEquals(0, r.code(), r::toString);
        assertEquals("muster worker --server 10.0.0.1:3670 --token " + TOKEN + "\n", r.out());
        assertEquals(M.readTree("{\"valid_for_secs\":600,\"max_uses\":5,\"labels\":{\"zone\":\"eu-1\",\"role\":\"web\"},\"description\":\"rack 4\"}"),
                M.readTree(api.only().body()));
    }

    @Test
    void generateWorkerTokenJson() throws Exception {
        api.ok("POST", "/v1/node/tokens", ISSUED);
        Run r = Run.against(api, "node", "generate-worker-token", "-o", "json");
        assertEquals(0, r.code(), r::toString);
        JsonNode j = M.readTree(r.out());
        assertEquals(TOKEN, j.get("token").asText());
        assertEquals("tok-41", j.get("token_id").asText());
        assertEquals("2030-01-02T03:04:05Z", j.get("expires_at").asText());
        assertEquals(1, j.get("max_uses").asInt());
    }

    @Test
    void nodeListJsonHasTheContractFields() throws Exception {
        api.ok("GET", "/v1/nodes", NODES);
        Run r = Run.against(api, "node", "list", "-o", "json");
        assertEquals(0, r.code(), r::toString);
        JsonNode j = M.readTree(r.out());
        assertEquals(M.readTree(NODES), j);
        for (JsonNode n : j)
            for (String f : new String[] {"id", "state", "eligible", "labels", "os", "arch", "last_heartbeat", "ttl_secs"}) assertTrue(n.has(f), f);
    }

    @Test
    void nodeListTable() {
        api.ok("GET", "/v1/nodes", NODES);
        Run r = Run.against(api, "node", "list");
        assertEquals(0, r.code(), r::toString);
        var lines = r.out().lines().toList();
        assertEquals(3, lines.size(), r.out());
        assertTrue(lines.get(0).startsWith("ID    HOSTNAME  STATE     ELIGIBLE  DRAIN     OS/ARCH      ALLOCS  LAST HEARTBEAT  LABELS"), r.out());
        assertTrue(lines.get(1).matches("1001  w1        ready     yes       none      linux/amd64  3       \\d+d ago +role=web,zone=eu-1"), r.out());
        assertTrue(lines.get(2).matches("1002  w2        draining  no        draining  linux/arm64  0       \\d+d ago +-"), r.out());
    }

    @Test
    void nodeListEmpty() {
        api.ok("GET", "/v1/nodes", "[]");
        Run r = Run.against(api, "node", "list");
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().startsWith("No worker nodes yet."), r.out());
    }

    @Test
    void nodeStatusShowsAllocations() {
        api.ok("GET", "/v1/nodes/1001", """
                {"id":"1001","state":"ready","eligible":true,"labels":{"zone":"eu-1"},"os":"linux","arch":"amd64","hostname":"w1",
                 "last_heartbeat":"2020-01-01T00:00:00Z","ttl_secs":10,"drivers":["exec"],"cpu_mhz":8000,"memory_mb":16000,
                 "allocations":[{"id":"a-1","job_id":"web","group":"frontend","status":"running"}]}""");
        Run r = Run.against(api, "node", "status", "1001");
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().contains("State           ready"), r.out());
        assertTrue(r.out().contains("a-1       web  frontend  running  -"), r.out());
    }

    @Test
    void nodeStatusShowsResourceLimitsAndEachAllocationsUsage() {
        api.ok("GET", "/v1/nodes/3", """
                {"id":"3","state":"ready","eligible":true,"labels":{},"os":"linux","arch":"amd64","hostname":"w3",
                 "resource_limits":{"enforced":true,"detail":"cgroup v2 at /sys/fs/cgroup/muster (memory, cpu, pids)"},
                 "allocations":[{"id":"a-1","job_id":"web","group":"g","status":"running",
                                 "usage":{"memory_bytes":12582912,"memory_limit_bytes":67108864,"cpu_seconds":2.5,"oom_kills":1}},
                                {"id":"a-2","job_id":"web","group":"g","status":"running",
                                 "usage":{"memory_bytes":307200,"memory_limit_bytes":67108864,"cpu_seconds":0.04,"oom_kills":0}}]}""");
        Run r = Run.against(api, "node", "status", "3");
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().contains("Limits          enforced (cgroup v2 at /sys/fs/cgroup/muster (memory, cpu, pids))"), r.out());
        assertTrue(r.out().contains("MEMORY"), r.out());
        assertTrue(r.out().matches("(?s).*a-1 +web +g +running +- +12 MiB / 64 MiB \\(1 OOM kill\\) +2\\.5s.*"), r.out());
        assertTrue(r.out().matches("(?s).*a-2 +web +g +running +- +0\\.3 MiB / 64 MiB +0\\.0s.*"), "under 10 MiB with a decimal: " + r.out());

        api.ok("GET", "/v1/nodes/4", """
                {"id":"4","state":"ready","eligible":true,"labels":{},"os":"linux","arch":"amd64","hostname":"w4",
                 "resource_limits":{"enforced":false,"detail":"not enforced: the cgroup2 hierarchy at /sys/fs/cgroup does not offer the memory controller"},
                 "allocations":[]}""");
        Run r4 = Run.against(api, "node", "status", "4");
        assertTrue(r4.out().contains("Limits          not enforced: the cgroup2 hierarchy at /sys/fs/cgroup does not offer the memory controller"), r4.out());
    }

    @Test
    void nodeStatusSaysWhereADrainStandsAndThatAllocationsAreTheNewest() {
        api.ok("GET", "/v1/nodes/7", """
                {"id":"7","state":"ready","eligible":false,"drain":"draining","labels":{},"os":"linux","arch":"amd64","hostname":"w7",
                 "allocations":[{"id":"a-9","job_id":"web","group":"g","status":"running"}],"allocations_total":120,
                 "drain_status":"1 allocation still on this node; no other node is eligible to take them: they stay until a node joins"}""");
        Run r = Run.against(api, "node", "status", "7");
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().contains("Drain status    1 allocation still on this node; no other node is eligible"), r.out());
        assertTrue(r.out().contains("(newest 1 of 120 allocations)"), r.out());
    }

    @Test
    void drainEligibilityRevoke() throws Exception {
        api.ok("POST", "/v1/nodes/1001/drain", "{}").ok("POST", "/v1/nodes/1001/eligibility", "{}").ok("POST", "/v1/nodes/1001/revoke", "{}");
        assertEquals(0, Run.against(api, "node", "drain", "1001", "--deadline", "300").code());
        assertEquals(M.readTree("{\"enable\":true,\"deadline_secs\":300}"), M.readTree(api.requests.get(0).body()));
        assertEquals(0, Run.against(api, "node", "drain", "1001", "--disable").code());
        assertEquals(M.readTree("{\"enable\":false}"), M.readTree(api.requests.get(1).body()));
        Run e = Run.against(api, "node", "eligibility", "1001", "--disable");
        assertEquals(0, e.code(), e::toString);
        assertEquals("Node 1001 is now ineligible for new allocations.\n", e.out());
        assertEquals(M.readTree("{\"eligible\":false}"), M.readTree(api.requests.get(2).body()));
        assertEquals(0, Run.against(api, "node", "eligibility", "1001", "--enable").code());
        assertEquals(M.readTree("{\"eligible\":true}"), M.readTree(api.requests.get(3).body()));
        Run rv = Run.against(api, "node", "revoke", "1001", "-o", "json");
        assertEquals(0, rv.code(), rv::toString);
        assertEquals("{ }", rv.out().strip());
        assertEquals("/v1/nodes/1001/revoke", api.requests.get(4).path());
    }

    @Test
    void tokensListAndRevoke() {
        api.ok("GET", "/v1/node/tokens", """
                [{"token_id":"tok-41","expires_at":"2999-01-01T00:00:00Z","max_uses":1,"uses":0,"labels":{},"revoked":false,
                  "created_at":"2026-01-01T00:00:00Z","description":"rack 4"},
                 {"token_id":"tok-42","expires_at":"2999-01-01T00:00:00Z","max_uses":2,"uses":2,"labels":{"zone":"eu-1"},"revoked":false,
                  "created_at":"2026-01-01T00:00:00Z","description":""},
                 {"token_id":"tok-43","expires_at":"2001-01-01T00:00:00Z","max_uses":0,"uses":9,"labels":{},"revoked":false,
                  "created_at":"2000-01-01T00:00:00Z","description":""},
                 {"token_id":"tok-44","expires_at":"2999-01-01T00:00:00Z","max_uses":0,"uses":0,"labels":{},"revoked":true,
                  "created_at":"2026-01-01T00:00:00Z","description":""}]""");
        api.on("DELETE", "/v1/node/tokens/tok-41", 200, "");
        Run r = Run.against(api, "node", "tokens", "list");
        assertEquals(0, r.code(), r::toString);
        var lines = r.out().lines().toList();
        assertTrue(lines.get(1).startsWith("tok-41    active   0/1"), r.out());
        assertTrue(lines.get(2).startsWith("tok-42    used up  2/2"), r.out());
        assertTrue(lines.get(3).startsWith("tok-43    expired  9/unlimited"), r.out());
        assertTrue(lines.get(4).startsWith("tok-44    revoked"), r.out());
        assertFalse(r.out().contains("token\""), "never a secret");
        Run rv = Run.against(api, "node", "tokens", "revoke", "tok-41");
        assertEquals(0, rv.code(), rv::toString);
        assertEquals("DELETE", api.requests.get(1).method());
        assertEquals("/v1/node/tokens/tok-41", api.requests.get(1).path());
    }

    @Test
    void aclBootstrapPrintsTheSecretAloneOnStdout() throws Exception {
        api.ok("POST", "/v1/acl/bootstrap", "{\"accessor_id\":\"acc-1\",\"secret_id\":\"sec-1\",\"type\":\"management\"}");
        Run r = Run.against(api, "acl", "bootstrap");
        assertEquals(0, r.code(), r::toString);
        assertEquals("sec-1\n", r.out());
        assertTrue(r.err().contains("acc-1") && !r.err().contains("sec-1"), r::toString);
        Run j = Run.against(api, "acl", "bootstrap", "-o", "json");
        assertEquals("management", M.readTree(j.out()).get("type").asText());
    }
}
