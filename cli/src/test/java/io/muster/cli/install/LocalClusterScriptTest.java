package io.muster.cli.install;

import static io.muster.cli.install.InstallFixture.mode;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.muster.types.config.ConfigLoader;
import io.muster.types.config.ServerConfig;
import io.muster.types.config.WorkerConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/local-cluster.sh against a stub {@code muster} (MUSTER_BIN) that behaves like the daemons and the CLI
 * commands the script uses: this checks the script's own logic (configs, pid files, waiting, token handling,
 * stop and clean). Running it against the real binary is the end-to-end check described in deploy/README.md.
 */
class LocalClusterScriptTest {
    static final Path SCRIPT = InstallFixture.repo().resolve("deploy/local-cluster.sh");

    /** Daemons loop until TERM; CLI commands answer like the real ones, and every call is logged with its token. */
    static final String STUB = """
            #!/usr/bin/env bash
            log="${STUB_LOG:?}"
            echo "$* token=${MUSTER_ACL_TOKEN:-none} addr=${MUSTER_ADDR:-none}" >>"$log"
            state=$(dirname "$(dirname "${MUSTER_CACERT:-/x/y/z}")")
            case "$1 $2" in
              "server --config")
                [ -n "${STUB_SERVER_FAILS:-}" ] && { echo "stub: server refuses to start" >&2; exit 1; }
                dir=$(sed -n 's/^data_dir: "\\(.*\\)"$/\\1/p' "$3")
                (sleep 1; echo CA >"$dir/ca.pem") &
                trap 'exit 0' TERM
                while :; do sleep 0.2; done ;;
              "server init")
                echo "mcs1.stub-cluster-secret" ;;
              "worker --config")
                trap 'exit 0' TERM
                while :; do sleep 0.2; done ;;
              "cluster status")
                # Like the real API: nothing but the bootstrap call is answered before ACLs exist.
                [ "${MUSTER_ACL_TOKEN:-}" = stub-management-secret ] || { echo "Error: this API needs an ACL token" >&2; exit 1; }
                echo '{"cluster_id": "stub", "leader_id": 2, "term": 1, "members": []}' ;;
              "acl bootstrap")
                # The first call finds no leader yet; the second bootstraps; any later one is refused.
                n=$(cat "$state/.stub-acl-calls" 2>/dev/null || echo 0); echo $((n + 1)) >"$state/.stub-acl-calls"
                case "$n" in
                  0) echo "Error: no leader elected yet" >&2; exit 1 ;;
                  1) printf '{\\n  "accessor_id": "acc",\\n  "secret_id": "stub-management-secret",\\n  "type": "management"\\n}\\n' ;;
                  *) echo "Error: ACLs were already bootstrapped for this cluster" >&2; exit 1 ;;
                esac ;;
              "node generate-worker-token")
                echo "mst1.stub-worker-token" ;;
              "node list")
                n=$(ls "$state"/worker-*.pid 2>/dev/null | wc -l)
                printf '['; for ((i = 1; i <= n; i++)); do [ $i -gt 1 ] && printf ','; printf '{"id": "n%d", "state": "ready"}' $i; done; echo ']' ;;
              *) echo "stub: unexpected command: $*" >&2; exit 64 ;;
            esac
            """;

    @TempDir
    Path tmp;

    Path work;
    Path stub;
    Path log;
    int offset;

    @BeforeEach
    void setUp() throws Exception {
        work = Files.createDirectories(tmp.resolve("work"));
        stub = tmp.resolve("muster-stub");
        Files.writeString(stub, STUB);
        Files.setPosixFilePermissions(stub, PosixFilePermissions.fromString("rwxr-xr-x"));
        log = tmp.resolve("calls.log");
        offset = 20000 + ThreadLocalRandom.current().nextInt(20000); // away from a real local cluster
    }

    @AfterEach
    void stopWhatTheTestStarted() throws Exception {
        script(Map.of(), "stop");
    }

    record Result(int code, String output) {}

    Result script(Map<String, String> extraEnv, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("bash", SCRIPT.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(work.toFile()).redirectErrorStream(true);
        pb.environment().put("MUSTER_BIN", stub.toString());
        pb.environment().put("STUB_LOG", log.toString());
        pb.environment().put("MUSTER_LOCAL_WAIT", "20");
        pb.environment().put("MUSTER_LOCAL_PORT_OFFSET", Integer.toString(offset));
        pb.environment().remove("MUSTER_LOCAL_DIR");
        pb.environment().putAll(extraEnv);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(90, TimeUnit.SECONDS), "script hung: " + out);
        return new Result(p.exitValue(), out);
    }

    static boolean alive(Path pidFile) throws Exception {
        return alive(Long.parseLong(Files.readString(pidFile).strip()));
    }

    /** Alive and not a zombie: orphans are reaped by PID 1, which may take a moment after they exit. */
    static boolean alive(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
        } catch (java.io.IOException e) {
            return false;
        }
    }

    @Test
    void scriptIsValidBash() throws Exception {
        Process p = new ProcessBuilder("bash", "-n", SCRIPT.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        assertTrue(Files.isExecutable(SCRIPT), "deploy/local-cluster.sh must be executable");
    }

    @Test
    void startStatusStopClean() throws Exception {
        Result start = script(Map.of(), "start", "--workers", "2");
        assertEquals(0, start.code(), start.output());
        assertTrue(start.output().contains("Muster local cluster is up: 3 servers, 2 worker(s)"), start.output());
        assertFalse(start.output().contains("stub-management-secret"), "the management token must not be printed");

        Path state = work.resolve(".muster-local");
        assertEquals("rwx------", mode(state));
        Set<Integer> ids = new HashSet<>();
        for (int i = 1; i <= 3; i++) {
            assertTrue(alive(state.resolve("server-" + i + ".pid")), "server-" + i + " runs");
            ServerConfig sc = ConfigLoader.loadServerFile(state.resolve("server-" + i + ".yaml"), null);
            assertTrue(ids.add(sc.serverId()));
            assertEquals(state.resolve("server-" + i).toAbsolutePath(), sc.dataDir());
            assertEquals("127.0.0.1:" + (3669 + 10 * (i - 1) + offset), sc.apiAddr().toString());
            assertEquals("127.0.0.1:" + (3670 + 10 * (i - 1) + offset), sc.workerGrpcAddr().toString());
            assertEquals(9000 + i + offset, sc.self().raftAddr().port());
            // Server 1 is where `muster server init` ran (its secret is in its data dir); the others read the shared file.
            assertEquals(i == 1 ? null : state.resolve("cluster.secret").toAbsolutePath(), sc.tls().secretFile());
        }
        assertEquals("mcs1.stub-cluster-secret\n", Files.readString(state.resolve("cluster.secret")));
        assertEquals("rw-------", mode(state.resolve("cluster.secret")));
        assertFalse(start.output().contains("mcs1.stub-cluster-secret"), "the cluster secret must not be printed");
        for (int i = 1; i <= 2; i++) {
            assertTrue(alive(state.resolve("worker-" + i + ".pid")), "worker-" + i + " runs");
            WorkerConfig wc = ConfigLoader.loadWorkerFile(state.resolve("worker-" + i + ".yaml"));
            assertEquals(3, wc.servers().size());
            assertEquals(state.resolve("worker.token").toAbsolutePath(), wc.tokenFile());
            assertEquals(state.resolve("worker-" + i).toAbsolutePath(), wc.dataDir());
        }
        assertEquals("stub-management-secret\n", Files.readString(state.resolve("acl.token")));
        assertEquals("rw-------", mode(state.resolve("acl.token")));
        assertEquals("mst1.stub-worker-token\n", Files.readString(state.resolve("worker.token")));
        assertEquals("rw-------", mode(state.resolve("worker.token")));
        assertTrue(Files.readString(state.resolve("env")).contains("MUSTER_CACERT=" + state.toAbsolutePath() + "/server-1/ca.pem"));

        List<String> calls = Files.readAllLines(log);
        assertEquals(1, calls.stream().filter(c -> c.startsWith("server init --config " + state.toAbsolutePath() + "/server-1.yaml")).count(), calls.toString());
        assertEquals(2, calls.stream().filter(c -> c.equals("acl bootstrap -o json token=none addr=https://127.0.0.1:" + (3669 + offset))).count(),
                "bootstrap is retried until a leader answers: " + calls);
        assertTrue(calls.stream().filter(c -> c.startsWith("cluster status")).allMatch(c -> c.contains("token=stub-management-secret")), calls.toString());
        assertTrue(calls.stream().anyMatch(c -> c.startsWith("node generate-worker-token --valid-for 3600 --max-uses 2 token=stub-management-secret")),
                calls.toString());

        Result status = script(Map.of(), "status");
        assertEquals(0, status.code(), status.output());
        assertTrue(status.output().contains("server-1") && status.output().contains("worker-2") && status.output().contains("running"), status.output());

        Result again = script(Map.of(), "start");
        assertEquals(1, again.code(), again.output());
        assertTrue(again.output().contains("already running"), again.output());

        List<Path> pids = new ArrayList<>();
        try (var s = Files.list(state)) {
            s.filter(p -> p.toString().endsWith(".pid")).forEach(pids::add);
        }
        List<Long> numbers = new ArrayList<>();
        for (Path p : pids) numbers.add(Long.parseLong(Files.readString(p).strip()));
        Result stop = script(Map.of(), "stop");
        assertEquals(0, stop.code(), stop.output());
        for (long pid : numbers) assertFalse(alive(pid), "pid " + pid + " still runs");
        assertTrue(stop.output().contains("stopped server-1") && stop.output().contains("stopped worker-1"), stop.output());

        Result stopped = script(Map.of(), "status");
        assertEquals(3, stopped.code(), stopped.output());

        // A second start reuses the management token: ACLs are bootstrapped once per cluster.
        Result restart = script(Map.of(), "start", "--workers", "1");
        assertEquals(0, restart.code(), restart.output());
        assertEquals(2, Files.readAllLines(log).stream().filter(c -> c.startsWith("acl bootstrap")).count());

        // Without the saved token the cluster is unusable: say so instead of waiting.
        assertEquals(0, script(Map.of(), "stop").code());
        Files.delete(state.resolve("acl.token"));
        Result lost = script(Map.of(), "start", "--workers", "0");
        assertEquals(1, lost.code(), lost.output());
        assertTrue(lost.output().contains("bootstrapped already but no token is saved"), lost.output());

        Result clean = script(Map.of(), "clean");
        assertEquals(0, clean.code(), clean.output());
        assertFalse(Files.exists(state));
    }

    @Test
    void startFailsFastWhenAServerCannotStart() throws Exception {
        long t0 = System.nanoTime();
        Result r = script(Map.of("STUB_SERVER_FAILS", "1"), "start");
        assertEquals(1, r.code(), r.output());
        assertTrue(r.output().contains("exited") && r.output().contains("server refuses to start"), r.output());
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(15), "should not wait for the timeout");
    }

    @Test
    void cleanRefusesADirectoryItDidNotCreate() throws Exception {
        Path foreign = Files.createDirectories(work.resolve(".muster-local"));
        Files.writeString(foreign.resolve("precious.txt"), "keep");
        Result r = script(Map.of(), "clean");
        assertEquals(1, r.code(), r.output());
        assertTrue(Files.exists(foreign.resolve("precious.txt")));
    }

    @Test
    void badArgumentsAreUsageErrors() throws Exception {
        assertEquals(2, script(Map.of(), "start", "--bogus").code());
        assertEquals(2, script(Map.of()).code());
        assertEquals(1, script(Map.of(), "start", "--workers", "many").code());
        assertFalse(Files.exists(work.resolve(".muster-local")));
    }
}
