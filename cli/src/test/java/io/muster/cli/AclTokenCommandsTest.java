package io.muster.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code muster acl token create | list | revoke} against a canned API. */
class AclTokenCommandsTest {
    static final ObjectMapper M = new ObjectMapper();
    static final String CREATED = """
            {"accessor_id":"acc-7","secret_id":"s3cr3t-value","policy":"read-only","description":"grafana","created_at":"2030-01-02T03:04:05Z"}""";
    static final String LIST = """
            [{"accessor_id":"acc-1","policy":"management","description":"bootstrap token","created_at":"2030-01-01T00:00:00Z"},
             {"accessor_id":"acc-7","policy":"read-only","description":"grafana","created_at":"2030-01-02T03:04:05.123Z"}]""";

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
    void createPrintsTheSecretAloneAndSendsPolicyAndDescription() throws Exception {
        api.ok("POST", "/v1/acl/tokens", CREATED);
        Run r = Run.muster(Run.env(api, "MUSTER_ACL_TOKEN", "mgmt"), "acl", "token", "create", "--policy", "read-only", "--description", "grafana");
        assertEquals(0, r.code(), r::toString);
        assertEquals("s3cr3t-value\n", r.out());
        assertTrue(r.err().contains("acc-7") && r.err().contains("read-only") && !r.err().contains("s3cr3t"), r::toString);
        FakeApi.Request req = api.only();
        assertEquals("mgmt", req.header("X-Muster-Token"));
        assertEquals(M.readTree("{\"policy\":\"read-only\",\"description\":\"grafana\"}"), M.readTree(req.body()));
    }

    @Test
    void createJson() throws Exception {
        api.ok("POST", "/v1/acl/tokens", CREATED);
        Run r = Run.against(api, "acl", "token", "create", "--policy", "node-provisioner", "-o", "json");
        assertEquals(0, r.code(), r::toString);
        JsonNode j = M.readTree(r.out());
        for (String f : new String[] {"accessor_id", "secret_id", "policy", "description", "created_at"}) assertTrue(j.has(f), f);
        assertEquals(M.readTree("{\"policy\":\"node-provisioner\"}"), M.readTree(api.only().body()));
    }

    @Test
    void createNeedsAKnownPolicy() {
        Run r = Run.against(api, "acl", "token", "create", "--policy", "root");
        assertEquals(2, r.code(), r::toString);
        assertTrue(r.err().contains("management, operator, read-only, node-provisioner"), r::toString);
        assertEquals(2, Run.against(api, "acl", "token", "create").code(), "--policy is required");
        assertTrue(api.requests.isEmpty(), "nothing is sent on a usage error");
    }

    @Test
    void createRefusedByThePolicyIsOneLineAndExit1() {
        api.on("POST", "/v1/acl/tokens", 403, "{\"error\":\"policy operator does not allow acl:admin (POST /v1/acl/tokens)\",\"code\":\"ACL_PERMISSION_DENIED\"}");
        Run r = Run.against(api, "acl", "token", "create", "--policy", "operator");
        assertEquals(1, r.code(), r::toString);
        assertTrue(r.errLine().contains("policy operator does not allow acl:admin"), r::toString);
        assertEquals("", r.out());
    }

    @Test
    void listShowsATableWithoutSecrets() throws Exception {
        api.ok("GET", "/v1/acl/tokens", LIST);
        Run r = Run.against(api, "acl", "token", "list");
        assertEquals(0, r.code(), r::toString);
        var lines = r.out().lines().toList();
        assertEquals(3, lines.size(), r::toString);
        assertTrue(lines.get(0).matches("ACCESSOR\\s+POLICY\\s+DESCRIPTION\\s+CREATED"), lines.get(0));
        assertTrue(lines.get(1).matches("acc-1\\s+management\\s+bootstrap token\\s+2030-01-01T00:00:00Z"), lines.get(1));
        assertTrue(lines.get(2).matches("acc-7\\s+read-only\\s+grafana\\s+2030-01-02T03:04:05Z"), lines.get(2));
        Run j = Run.against(api, "acl", "token", "list", "-o", "json");
        assertEquals(M.readTree(LIST), M.readTree(j.out()));
    }

    @Test
    void revoke() throws Exception {
        api.ok("DELETE", "/v1/acl/tokens/acc-7", "{\"accessor_id\":\"acc-7\",\"revoked\":true}");
        Run r = Run.against(api, "acl", "token", "revoke", "acc-7");
        assertEquals(0, r.code(), r::toString);
        assertEquals("ACL token acc-7 revoked.\n", r.out());
        assertEquals("DELETE", api.only().method());
    }

    @Test
    void revokingTheLastManagementTokenFailsWithTheServersReason() {
        api.on("DELETE", "/v1/acl/tokens/acc-1", 409, "{\"error\":\"ACL token acc-1 is the last management token: create another management "
                + "token before revoking it, or the cluster's API would be locked out\",\"code\":\"ACL_LAST_MANAGEMENT_TOKEN\"}");
        Run r = Run.against(api, "acl", "token", "revoke", "acc-1");
        assertEquals(1, r.code(), r::toString);
        assertTrue(r.errLine().contains("last management token"), r::toString);
        assertEquals(2, Run.against(api, "acl", "token", "revoke").code(), "ACCESSOR_ID is required");
        assertFalse(r.out().contains("revoked"));
    }
}
