package io.muster.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.muster.server.MusterServer;
import io.muster.types.config.ServerConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI against a real single-node dev server in this JVM. */
class EndToEndTest {
    static final ObjectMapper M = new ObjectMapper();
    @TempDir
    static Path dir;
    static MusterServer server;
    static Map<String, String> env;

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @BeforeAll
    static void start() throws Exception {
        int api = freePort();
        server = new MusterServer(ServerConfig.dev(dir, api, freePort(), freePort()), MusterServer.Options.defaults()).start();
        server.ready().get(2, TimeUnit.MINUTES);
        env = Map.of("MUSTER_ADDR", "http://127.0.0.1:" + api);
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
    }

    @Test
    void clusterStatusJson() throws Exception {
        Run r = Run.muster(env, "cluster", "status", "-o", "json");
        assertEquals(0, r.code(), r::toString);
        JsonNode j = M.readTree(r.out());
        for (String f : new String[] {"cluster_id", "leader_id", "term", "commit_index", "applied_index", "members"}) assertTrue(j.has(f), f + " in " + j);
        assertFalse(j.get("cluster_id").isNull(), "the cluster identity exists once ready");
        assertEquals(1, j.get("leader_id").asInt());
        assertTrue(j.get("commit_index").asLong() > 0);
        assertEquals(1, j.get("members").size());
        JsonNode m = j.get("members").get(0);
        for (String f : new String[] {"id", "raft_addr", "api_addr", "role", "healthy"}) assertTrue(m.has(f), f + " in " + m);
        assertEquals(1, m.get("id").asInt());
    }

    @Test
    void aOneShotTargetThatNamesNoNodeFailsAtSubmitWithTheReason() {
        Run node = Run.muster(env, "job", "run", "-t", "node:99", "--", "true");
        assertEquals(1, node.code(), node::toString);
        assertTrue(node.err().contains("no node 99 in the cluster (see muster node list)"), node.err());
        Run group = Run.muster(env, "job", "run", "-t", "group:nope", "--", "true");
        assertEquals(1, group.code(), group::toString);
        assertTrue(group.err().contains("no node is in group nope"), group.err());
        Run list = Run.muster(env, "job", "list");
        assertFalse(list.out().contains("job-"), "nothing was registered: " + list.out());
    }

    @Test
    void raftLogList() throws Exception {
        Run r = Run.muster(env, "raft", "log", "list", "--meta");
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().startsWith("INDEX  TERM  TYPE"), r.out());
        assertTrue(r.out().lines().count() >= 3, "header, at least one entry, footer:\n" + r.out());
        assertTrue(r.out().contains("(commit index "), r.out());
        Run plain = Run.muster(env, "raft", "log", "list");
        assertFalse(plain.out().contains("(commit index"), "the metadata only when asked:\n" + plain.out());
        Run tail = Run.muster(env, "raft", "log", "list", "--tail", "2", "-o", "json");
        JsonNode t = M.readTree(tail.out());
        JsonNode entries = t.get("entries");
        assertEquals(2, entries.size(), tail.out());
        assertEquals(t.get("last_index").asLong(), entries.get(1).get("index").asLong(), "the newest entries");

        Run j = Run.muster(env, "raft", "log", "list", "--limit", "5", "-o", "json");
        assertEquals(0, j.code(), j::toString);
        JsonNode log = M.readTree(j.out());
        for (String f : new String[] {"commit_index", "last_index", "entries"}) assertTrue(log.has(f), f + " in " + log);
        assertTrue(log.get("entries").size() >= 1 && log.get("entries").size() <= 5, log.toString());
        for (String f : new String[] {"index", "term", "type", "summary"}) assertTrue(log.get("entries").get(0).has(f), f);
    }

    @Test
    void devModeRefusesAclBootstrapWithOneLine() {
        Run r = Run.muster(env, "acl", "bootstrap");
        assertEquals(1, r.code(), r::toString);
        assertTrue(r.errLine().contains("ACL_DISABLED"), r::toString);
    }
}
