package io.muster.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.muster.pki.secret.ClusterSecret;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `muster server init` and what a server of a larger cluster says when it has no secret. */
class ServerInitCommandTest {
    @TempDir
    Path tmp;

    record Result(int code, String out, String err) {}

    private static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(Map.of(), new PrintWriter(out), new PrintWriter(err), args);
        return new Result(code, out.toString(), err.toString());
    }

    private Path config(int id) throws Exception {
        Path f = tmp.resolve("server-" + id + ".yaml");
        Files.writeString(f, """
                data_dir: "%s"
                cluster:
                  mode: worker-tier
                  role: server
                  node_id: %d
                  peers:
                    - {id: 1, raft_addr: "127.0.0.1:19001", api_addr: "127.0.0.1:13669"}
                    - {id: 2, raft_addr: "127.0.0.1:19002", api_addr: "127.0.0.1:13679"}
                    - {id: 3, raft_addr: "127.0.0.1:19003", api_addr: "127.0.0.1:13689"}
                """.formatted(tmp.resolve("data-" + id), id));
        return f;
    }

    @Test
    void initPrintsTheSecretOnceKeepsItPrivateAndRefusesASecondRun() throws Exception {
        Path cfg = config(1);
        Result r = run("server", "init", "--config", cfg.toString());
        assertEquals(0, r.code(), r.err());
        String line = r.out().strip();
        assertEquals(1, line.lines().count(), "the secret alone on stdout: " + r.out());
        ClusterSecret secret = ClusterSecret.parse(line);
        Path data = tmp.resolve("data-1");
        assertEquals(line, Files.readString(data.resolve("cluster.secret")).strip());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(data.resolve("cluster.secret"))));
        assertTrue(secret.caPin().matches(io.muster.pki.pem.Pem.readCertificate(data.resolve("ca.pem"))), "ca.pem is the pinned CA");
        assertTrue(Files.exists(data.resolve("pki/init-cluster.pb")));
        assertFalse(r.err().contains(line), "the secret goes to stdout only");

        Result again = run("server", "init", "--config", cfg.toString());
        assertEquals(1, again.code());
        assertTrue(again.err().contains("already belongs to a cluster"), again.err());
        assertEquals(line, Files.readString(data.resolve("cluster.secret")).strip(), "a second init changes nothing");
    }

    @Test
    void aServerOfALargerClusterWithoutTheSecretSaysWhatToDo() throws Exception {
        Result r = run("server", "--config", config(2).toString());
        assertEquals(1, r.code(), r.out() + r.err());
        assertTrue(r.err().contains("no cluster secret") && r.err().contains("muster server init"), r.err());
    }
}
