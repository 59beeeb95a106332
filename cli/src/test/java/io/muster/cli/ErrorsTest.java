package io.muster.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Leader redirects and API errors: each failure is exit 1 with exactly one clear line on stderr. */
class ErrorsTest {
    static final ObjectMapper M = new ObjectMapper();
    FakeApi follower;
    FakeApi leader;

    @BeforeEach
    void start() throws Exception {
        follower = FakeApi.http();
        leader = FakeApi.http();
    }

    @AfterEach
    void stop() {
        follower.close();
        leader.close();
    }

    private static FakeApi.Reply redirectTo(FakeApi target, String path) {
        return new FakeApi.Reply(307, "", Map.of("Location", target.url() + path, "X-Muster-Leader", "1"));
    }

    @Test
    void redirectToTheLeaderKeepsMethodBodyAndToken() throws Exception {
        follower.on("POST", "/v1/node/tokens", redirectTo(leader, "/v1/node/tokens"));
        leader.ok("POST", "/v1/node/tokens", NodeCommandsTest.ISSUED);
        Run r = Run.muster(Run.env(follower, "MUSTER_ACL_TOKEN", "mgmt"), "node", "generate-worker-token", "--max-uses", "3");
        assertEquals(0, r.code(), r::toString);
        assertEquals(NodeCommandsTest.TOKEN + "\n", r.out());
        FakeApi.Request first = follower.only();
        FakeApi.Request second = leader.only();
        assertEquals("POST", second.method());
        assertEquals(M.readTree(first.body()), M.readTree(second.body()));
        assertEquals(3, M.readTree(second.body()).get("max_uses").asInt());
        assertEquals("mgmt", second.header("X-Muster-Token"));
        assertEquals("application/json", second.header("Content-Type"));
    }

    @Test
    void redirectKeepsQueryAndDeleteMethod() {
        follower.on("DELETE", "/v1/jobs/web", redirectTo(leader, "/v1/jobs/web"));
        leader.ok("DELETE", "/v1/jobs/web", "{}");
        Run r = Run.against(follower, "job", "stop", "web");
        assertEquals(0, r.code(), r::toString);
        assertEquals("DELETE", leader.only().method());
    }

    @Test
    void relativeLocationIsResolved() {
        follower.on("GET", "/v1/cluster/status", new FakeApi.Reply(307, "", Map.of("Location", "/v1/cluster/status?stale=true")));
        follower.ok("GET", "/v1/cluster/status", ClusterCommandsTest.STATUS);
        Run r = Run.against(follower, "cluster", "status");
        // One queue per path: the first answer redirects, the second is the status.
        assertEquals(0, r.code(), r::toString);
        assertEquals("stale=true", follower.requests.get(1).query());
    }

    @Test
    void redirectLoopsEnd() {
        follower.on("GET", "/v1/nodes", redirectTo(leader, "/v1/nodes"));
        leader.on("GET", "/v1/nodes", redirectTo(follower, "/v1/nodes"));
        Run r = Run.against(follower, "node", "list");
        assertEquals(1, r.code(), r::toString);
        assertTrue(r.errLine().startsWith("Error: too many redirects"), r::toString);
    }

    @Test
    void missingToken401() {
        follower.on("GET", "/v1/nodes", 401, "{\"error\":\"this API needs an ACL token: set MUSTER_ACL_TOKEN (or pass --acl-token)\",\"code\":\"ACL_TOKEN_MISSING\"}");
        Run r = Run.against(follower, "node", "list");
        assertEquals(1, r.code());
        assertEquals("Error: this API needs an ACL token: set MUSTER_ACL_TOKEN (or pass --acl-token) (HTTP 401 ACL_TOKEN_MISSING)", r.errLine());
        assertTrue(r.out().isEmpty());
    }

    @Test
    void invalidToken403() {
        follower.on("GET", "/v1/cluster/status", 403, "{\"error\":\"the ACL token is not valid for this cluster\",\"code\":\"ACL_TOKEN_INVALID\"}");
        Run r = Run.muster(Run.env(follower, "MUSTER_ACL_TOKEN", "wrong-secret"), "cluster", "status", "-o", "json");
        assertEquals(1, r.code());
        assertEquals("Error: the ACL token is not valid for this cluster (HTTP 403 ACL_TOKEN_INVALID)", r.errLine());
        assertTrue(!r.err().contains("wrong-secret"), "the token is never echoed");
    }

    @Test
    void noQuorum503() {
        follower.on("POST", "/v1/jobs/oneshot", 503, "{\"error\":\"no quorum: 2 of 3 servers unreachable\",\"code\":\"NO_QUORUM\"}");
        Run r = Run.against(follower, "job", "run", "-t", "all", "--", "true");
        assertEquals(1, r.code());
        assertEquals("Error: no quorum: 2 of 3 servers unreachable (HTTP 503 NO_QUORUM)", r.errLine());
    }

    @Test
    void notFoundAndNonJsonErrors() {
        Run r = Run.against(follower, "node", "status", "9999");
        assertEquals(1, r.code());
        assertEquals("Error: no such endpoint (HTTP 404 NOT_FOUND)", r.errLine());
        follower.on("GET", "/v1/nodes", 502, "<html>Bad Gateway</html>");
        r = Run.against(follower, "node", "list");
        assertEquals(1, r.code());
        assertEquals("Error: unexpected answer from /v1/nodes: <html>Bad Gateway</html> (HTTP 502)", r.errLine());
    }

    @Test
    void idsAreEncodedInPaths() {
        follower.ok("GET", "/v1/jobs/a b/c", "{\"id\":\"a b/c\",\"type\":\"batch\",\"status\":\"complete\",\"allocations\":[]}");
        Run r = Run.against(follower, "job", "status", "a b/c");
        assertEquals(0, r.code(), r::toString);
        assertEquals("/v1/jobs/a%20b%2Fc", follower.only().rawPath(), "one path segment, so an id never reaches another endpoint");
    }
}
