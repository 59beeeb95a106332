package io.muster.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ClusterCommandsTest {
    static final ObjectMapper M = new ObjectMapper();
    static final String STATUS = """
            {"cluster_id":"c-7f3a","leader_id":1,"term":4,"commit_index":120,"applied_index":119,"last_index":121,"server_id":2,
             "members":[{"id":1,"raft_addr":"10.0.0.1:9001","api_addr":"10.0.0.1:3669","role":"leader","healthy":true,"last_contact_ms":3},
                        {"id":2,"raft_addr":"10.0.0.2:9001","api_addr":"10.0.0.2:3669","role":"follower","healthy":true},
                        {"id":3,"raft_addr":"10.0.0.3:9001","api_addr":null,"role":"follower","healthy":false}]}""";

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
    void statusTable() {
        api.ok("GET", "/v1/cluster/status", STATUS);
        Run r = Run.muster(Run.env(api, "MUSTER_ACL_TOKEN", "s3cret"), "cluster", "status");
        assertEquals(0, r.code(), r::toString);
        assertEquals("""
                Cluster ID     c-7f3a
                Leader         1
                Term           4
                Commit index   120
                Applied index  119
                Last index     121

                ID  ROLE      HEALTHY  RAFT ADDR      API ADDR
                1   leader    yes      10.0.0.1:9001  10.0.0.1:3669
                2   follower  yes      10.0.0.2:9001  10.0.0.2:3669
                3   follower  no       10.0.0.3:9001  -
                """, r.out());
        FakeApi.Request req = api.only();
        assertEquals("GET", req.method());
        assertNull(req.query());
        assertEquals("s3cret", req.header("X-Muster-Token"));
        assertTrue(r.err().isEmpty(), r::toString);
    }

    @Test
    void statusTablePrintsAlarms() {
        String withAlarm = STATUS.substring(0, STATUS.length() - 1) + """
                ,"alarms":[{"type":"state_divergence","index":40000,"servers":[1,3],
                 "digests":{"1":"2b5fd61c6f754958cbde1f55","3":"bccdb48c00c1f8d2cd607fe9"},"suspect":3,"last_index":50000}]}""";
        api.ok("GET", "/v1/cluster/status", withAlarm);
        Run r = Run.against(api, "cluster", "status");
        assertEquals(0, r.code(), r::toString);
        assertEquals("""
                Cluster ID     c-7f3a
                Leader         1
                Term           4
                Commit index   120
                Applied index  119
                Last index     121
                Alarms         1 (see below)

                ID  ROLE      HEALTHY  RAFT ADDR      API ADDR
                1   leader    yes      10.0.0.1:9001  10.0.0.1:3669
                2   follower  yes      10.0.0.2:9001  10.0.0.2:3669
                3   follower  no       10.0.0.3:9001  -

                ALARM             INDEX  SERVERS  SUSPECT  DIGESTS
                state_divergence  40000  1,3      3        1=2b5fd61c6f75 3=bccdb48c00c1

                The servers' replicated states differ: see docs/RELIABILITY.md, "State divergence", before anything else.
                """, r.out());
    }

    @Test
    void statusTableSaysWhenThereAreNoAlarms() {
        api.ok("GET", "/v1/cluster/status", STATUS.substring(0, STATUS.length() - 1) + ",\"alarms\":[]}");
        Run r = Run.against(api, "cluster", "status");
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().contains("\nAlarms         none\n"), r.out());
        assertTrue(!r.out().contains("ALARM "), r.out());
    }

    @Test
    void statusJsonIsTheApiObject() throws Exception {
        api.ok("GET", "/v1/cluster/status", STATUS);
        Run r = Run.against(api, "cluster", "status", "-o", "json", "--stale");
        assertEquals(0, r.code(), r::toString);
        JsonNode j = M.readTree(r.out());
        assertEquals(M.readTree(STATUS), j);
        for (String f : new String[] {"cluster_id", "leader_id", "term", "commit_index", "applied_index", "members"}) assertTrue(j.has(f), f);
        for (String f : new String[] {"id", "raft_addr", "api_addr", "role", "healthy"}) assertTrue(j.get("members").get(0).has(f), f);
        assertEquals("stale=true", api.only().query());
        assertNull(api.only().header("X-Muster-Token"), "no token configured, none sent");
    }

    @Test
    void tokenFlagWinsOverEnvironment() {
        api.ok("GET", "/v1/cluster/status", STATUS);
        Run r = Run.muster(Run.env(api, "MUSTER_ACL_TOKEN", "from-env"), "--acl-token", "from-flag", "cluster", "status");
        assertEquals(0, r.code(), r::toString);
        assertEquals("from-flag", api.only().header("X-Muster-Token"));
    }

    @Test
    void addrFlagWinsOverEnvironment() {
        api.ok("GET", "/v1/cluster/status", STATUS);
        Run r = Run.muster(java.util.Map.of("MUSTER_ADDR", "http://127.0.0.1:1"), "cluster", "status", "-a", api.url());
        assertEquals(0, r.code(), r::toString);
    }

    @Test
    void transferLeader() throws Exception {
        api.ok("POST", "/v1/cluster/transfer-leader", "{\"leader_id\":3}");
        Run r = Run.against(api, "cluster", "transfer-leader", "--to", "3");
        assertEquals(0, r.code(), r::toString);
        assertEquals("Server 3 is now the leader.\n", r.out());
        assertEquals(M.readTree("{\"to\":3}"), M.readTree(api.only().body()));
        assertEquals("application/json", api.only().header("Content-Type"));
    }

    @Test
    void transferLeaderToAnyone() throws Exception {
        api.ok("POST", "/v1/cluster/transfer-leader", "{\"leader_id\":2}");
        Run r = Run.against(api, "cluster", "transfer-leader", "-o", "json");
        assertEquals(0, r.code(), r::toString);
        assertEquals(2, M.readTree(r.out()).get("leader_id").asInt());
        assertEquals(M.readTree("{}"), M.readTree(api.only().body()));
    }

    @Test
    void addAndRemoveServer() throws Exception {
        api.ok("POST", "/v1/cluster/servers", "{\"added\":4,\"members\":4}").ok("DELETE", "/v1/cluster/servers/4", "{\"removed\":4,\"members\":3}");
        Run add = Run.against(api, "cluster", "add-server", "--id", "4", "--raft-addr", "10.0.0.4:9001", "--api-addr", "10.0.0.4:3669");
        assertEquals(0, add.code(), add::toString);
        assertEquals(M.readTree("{\"id\":4,\"raft_addr\":\"10.0.0.4:9001\",\"api_addr\":\"10.0.0.4:3669\"}"), M.readTree(api.requests.getFirst().body()));
        Run rm = Run.against(api, "cluster", "remove-server", "4");
        assertEquals(0, rm.code(), rm::toString);
        assertEquals("Server 4 removed.\n", rm.out());
        assertEquals("DELETE", api.requests.get(1).method());
    }

    @Test
    void raftLogListTableAndQuery() {
        api.ok("GET", "/v1/raft/log", """
                {"commit_index":12,"last_index":12,"start_index":1,"next_index":3,
                 "entries":[{"index":1,"term":1,"type":"CONFIGURATION","summary":"peers [1]"},
                            {"index":2,"term":1,"type":"COMMAND","summary":"InitCluster c-7f3a"}]}""");
        Run r = Run.against(api, "raft", "log", "list", "--start-index", "1", "--limit", "2", "--meta");
        assertEquals(0, r.code(), r::toString);
        assertEquals("""
                INDEX  TERM  TYPE           SUMMARY
                1      1     CONFIGURATION  peers [1]
                2      1     COMMAND        InitCluster c-7f3a
                (commit index 12, last index 12, oldest kept 1; more with --start-index 3)
                """, r.out());
        assertEquals("start_index=1&limit=2", api.only().query());
        Run plain = Run.against(api, "raft", "log", "list", "--start-index", "1", "--limit", "2");
        assertTrue(plain.out().endsWith("(more with --start-index 3, or the newest with --tail N)\n"), plain.out());
        Run tail = Run.against(api, "raft", "log", "list", "--tail", "2");
        assertEquals(0, tail.code(), tail::toString);
        assertTrue(api.requests.stream().anyMatch(q -> "tail=2".equals(q.query())), "the tail query: " + api.requests);
    }
}
