package io.muster.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local cluster as a user gets it: unpacks the release archive built in {@code package}, runs its
 * deploy/local-cluster.sh to start 3 servers and 2 workers on loopback, runs jobs to completion through the unpacked
 * bin/muster, then stops the cluster and checks that every process it started is gone and every port it used is
 * free, and that {@code clean} deletes the state directory. Whatever happens, {@link #stopEverything()} leaves no
 * process behind.
 */
class LocalClusterFromTarballTest {
    /** API, worker gRPC and Raft ports of servers 1-3 before MUSTER_LOCAL_PORT_OFFSET (see local-cluster.sh). */
    static final int[] BASE_PORTS = {3669, 3679, 3689, 3670, 3680, 3690, 9001, 9002, 9003};
    static final List<String> SERVERS = List.of("server-1", "server-2", "server-3");
    static final List<String> WORKERS = List.of("worker-1", "worker-2");
    static final ObjectMapper JSON = new ObjectMapper();

    record Result(int code, String out, String err) {
        String both() {
            return "exit code " + code + "\n--- stdout:\n" + out + "--- stderr:\n" + err;
        }
    }

    @TempDir
    Path tmp;
    Path home;
    Path script;
    Path state;
    int offset;
    final Map<String, String> env = new HashMap<>();
    /** Every daemon pid read from the pid files, so that teardown can end them even after the files are gone. */
    final Map<String, Long> pids = new LinkedHashMap<>();

    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void startsThreeServersAndTwoWorkersRunsJobsAndStopsCleanly() throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(Path.of("/proc/self")), "local-cluster.sh needs Linux (/proc)");
        String version = ReleaseTarballTest.required("muster.version");
        Tar.unpack(Tar.read(Path.of(ReleaseTarballTest.required("muster.tarball"))), tmp.resolve("unpacked"));
        home = tmp.resolve("unpacked").resolve("muster-" + version);
        script = home.resolve("deploy/local-cluster.sh");
        Path muster = home.resolve("bin/muster");
        state = tmp.resolve("state"); // absolute and not there yet, as start finds it on a first run
        offset = freeOffset();

        // Only what this test sets: no MUSTER_ADDR, token or binary override from the environment running the build.
        env.putAll(System.getenv());
        env.keySet().removeIf(k -> k.startsWith("MUSTER_"));
        Path javaHome = Path.of(System.getProperty("java.home")); // Java >= 21: it runs this test of Java 21 classes
        env.put("JAVA_HOME", javaHome.toString());
        env.put("PATH", javaHome.resolve("bin") + ":" + env.getOrDefault("PATH", "/usr/bin:/bin"));
        env.put("MUSTER_LOCAL_DIR", state.toString());
        env.put("MUSTER_LOCAL_PORT_OFFSET", Integer.toString(offset));
        env.put("MUSTER_LOCAL_WAIT", "120");
        // The CLI's class data sharing archive (bin/muster makes one per install) goes with this unpacked release.
        env.put("XDG_CACHE_HOME", tmp.resolve("cache").toString());
        // Five JVMs (and the CLI's) on a small CI machine: small heaps, no parallel GC threads, no C2 compiler threads.
        env.put("MUSTER_JAVA_OPTS", "-Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1");

        long t0 = System.nanoTime();
        Result start = run(Duration.ofSeconds(300), "bash", script.toString(), "start", "--workers", "2");
        long startSecs = seconds(t0);
        assertEquals(0, start.code(), diag("local-cluster.sh start failed", start));
        for (String name : concat(SERVERS, WORKERS)) {
            Path pidFile = state.resolve(name + ".pid");
            assertTrue(Files.isRegularFile(pidFile), diag("start wrote no " + pidFile, start));
            long pid = Long.parseLong(Files.readString(pidFile).strip());
            pids.put(name, pid);
            assertTrue(ours(pid), diag(name + " (pid " + pid + ") is not running after start", start));
        }
        for (int port : ports()) assertTrue(listening(port), diag("nothing listens on 127.0.0.1:" + port + " after start", start));

        // status: every daemon running, and the cluster's own view: 3 healthy Raft members, one of them leading.
        Result status = run(Duration.ofSeconds(120), "bash", script.toString(), "status");
        assertEquals(0, status.code(), diag("local-cluster.sh status failed", status));
        for (String name : concat(SERVERS, WORKERS)) {
            assertTrue(Pattern.compile("(?m)^\\s*" + name + "\\s+running \\(pid " + pids.get(name) + "\\)").matcher(status.out()).find(),
                    diag("status does not show " + name + " running", status));
        }
        assertEquals(3, Pattern.compile("(?m)^[1-3]\\s+(leader|follower)\\s+yes\\s").matcher(status.out()).results().count(),
                diag("status does not show 3 healthy servers", status));
        assertEquals(1, Pattern.compile("(?m)^[1-3]\\s+leader\\s").matcher(status.out()).results().count(),
                diag("status does not show one leader", status));

        // From outside, as an attacker on the network: no Raft port answers cleartext HTTP/2, and the cluster secret
        // `muster server init` made is private to its owner.
        for (int i = 0; i < 3; i++) {
            int raftPort = 9001 + i + offset;
            assertFalse(answersCleartextHttp2(raftPort), diag("the Raft port " + raftPort + " answered cleartext HTTP/2", start));
        }
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(state.resolve("cluster.secret"))));
        assertFalse(start.out().contains(Files.readString(state.resolve("cluster.secret")).strip()), "start printed the cluster secret");

        Result nodes = cli(Duration.ofSeconds(120), "node", "list", "-o", "json");
        assertEquals(0, nodes.code(), diag("muster node list failed", nodes));
        Set<Long> ready = new TreeSet<>();
        for (JsonNode n : JSON.readTree(nodes.out())) if ("ready".equals(n.path("state").asText())) ready.add(n.path("id").asLong());
        assertEquals(2, ready.size(), diag("expected 2 ready workers", nodes));

        // The example the start banner suggests, as shipped: two allocations that each print a greeting.
        Path example = home.resolve("examples/batch-hello.yaml");
        Result run = cli(Duration.ofSeconds(150), "job", "run", example.toString(), "--wait", "--timeout", "120", "--poll-interval-ms", "250", "-o", "json");
        assertEquals(0, run.code(), diag("muster job run " + example + " --wait failed", run));
        JsonNode job = JSON.readTree(run.out());
        assertEquals("complete", job.path("status").asText(), diag("job status", run));
        List<String> allocs = new ArrayList<>();
        for (JsonNode a : job.path("allocations")) {
            assertEquals("complete", a.path("status").asText(), diag("allocation " + a, run));
            assertEquals(0, a.path("exit_code").asInt(-1), diag("allocation " + a, run));
            allocs.add(a.path("id").asText());
        }
        assertEquals(2, allocs.size(), diag("batch-hello.yaml asks for 2 allocations", run));
        String jobId = job.path("id").asText();
        Result logs = cli(Duration.ofSeconds(120), "job", "logs", jobId);
        assertEquals(0, logs.code(), diag("muster job logs " + jobId + " failed", logs));
        for (String alloc : allocs) {
            assertTrue(logs.out().contains("hello from allocation " + alloc + "\n"), diag("the output of allocation " + alloc + " is missing", logs));
        }

        // A command on every worker: both workers run tasks, not just the one the scheduler preferred above.
        Result everywhere = cli(Duration.ofSeconds(150), "job", "run", "-t", "all", "--wait", "--timeout", "120", "--poll-interval-ms", "250",
                "-o", "json", "--", "true");
        assertEquals(0, everywhere.code(), diag("muster job run -t all --wait -- true failed", everywhere));
        JsonNode oneshot = JSON.readTree(everywhere.out());
        assertEquals("complete", oneshot.path("status").asText(), diag("one-shot job status", everywhere));
        Set<Long> ranOn = new TreeSet<>();
        for (JsonNode a : oneshot.path("allocations")) {
            assertEquals("complete", a.path("status").asText(), diag("allocation " + a, everywhere));
            ranOn.add(a.path("node_id").asLong());
        }
        assertEquals(ready, ranOn, diag("the one-shot job should have run on every ready worker", everywhere));

        // stop: every daemon ends on SIGTERM (none needs SIGKILL), pid files go, nothing listens any more.
        long t1 = System.nanoTime();
        Result stop = run(Duration.ofSeconds(240), "bash", script.toString(), "stop");
        long stopSecs = seconds(t1);
        assertEquals(0, stop.code(), diag("local-cluster.sh stop failed", stop));
        for (var e : pids.entrySet()) {
            assertTrue(stop.out().contains("stopped " + e.getKey() + " (pid " + e.getValue() + ")"), diag("stop did not stop " + e.getKey() + " cleanly", stop));
            assertFalse(ours(e.getValue()),
                    diag(e.getKey() + " (pid " + e.getValue() + ") still runs after stop", stop));
            assertFalse(Files.exists(state.resolve(e.getKey() + ".pid")), diag("stop left " + e.getKey() + ".pid", stop));
        }
        for (int port : ports()) assertFalse(listening(port), diag("127.0.0.1:" + port + " still listens after stop", stop));
        assertEquals(List.of(), tasksLeft(), diag("task processes left in the workers' directories", stop));

        Result clean = run(Duration.ofSeconds(120), "bash", script.toString(), "clean");
        assertEquals(0, clean.code(), diag("local-cluster.sh clean failed", clean));
        assertFalse(Files.exists(state), diag("clean left " + state, clean));
        System.out.printf("local cluster: start %d s, stop %d s, whole test %d s (port offset %d)%n", startSecs, stopSecs, seconds(t0), offset);
    }

    /** Stops whatever the test left running: the script's own stop first, then SIGKILL for any daemon or task left. */
    @AfterEach
    void stopEverything() throws Exception {
        if (state == null || !Files.isDirectory(state)) return;
        try {
            run(Duration.ofSeconds(240), "bash", script.toString(), "stop");
        } catch (Exception | AssertionError e) {
            System.err.println("local-cluster.sh stop failed in teardown: " + e);
        }
        try (Stream<Path> files = Files.list(state)) {
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".pid")).toList()) {
                try {
                    pids.putIfAbsent(f.getFileName().toString(), Long.parseLong(Files.readString(f).strip()));
                } catch (NumberFormatException | IOException ignored) {
                    // an empty or half-written pid file: nothing to end
                }
            }
        }
        List<ProcessHandle> left = new ArrayList<>();
        for (long pid : pids.values()) if (ours(pid)) ProcessHandle.of(pid).ifPresent(left::add);
        for (long pid : tasksLeft()) ProcessHandle.of(pid).ifPresent(left::add);
        for (ProcessHandle p : left) {
            System.err.println("teardown: killing pid " + p.pid() + " left by the local cluster");
            p.destroyForcibly();
        }
        for (ProcessHandle p : left) p.onExit().get(30, TimeUnit.SECONDS);
    }

    /** Runs a command with the test's environment; output goes to files, so a daemon holding a pipe open cannot hang the test. */
    Result run(Duration timeout, String... cmd) throws Exception {
        Path dir = Files.createTempDirectory(tmp, "run");
        Path out = dir.resolve("stdout");
        Path err = dir.resolve("stderr");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(tmp.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        pb.environment().clear();
        pb.environment().putAll(env);
        Process p = pb.start();
        if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
            Result partial = new Result(-1, Files.readString(out), Files.readString(err));
            throw new AssertionError(diag(String.join(" ", cmd) + " did not finish within " + timeout.toSeconds() + " s", partial).get());
        }
        return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    /** The unpacked bin/muster against the cluster, set up as local-cluster.sh's own cli() does. */
    Result cli(Duration timeout, String... args) throws Exception {
        Map<String, String> saved = new HashMap<>(env);
        env.put("MUSTER_ADDR", "https://127.0.0.1:" + (3669 + offset));
        env.put("MUSTER_CACERT", state.resolve("server-1/ca.pem").toString());
        env.put("MUSTER_ACL_TOKEN", Files.readString(state.resolve("acl.token")).strip());
        try {
            List<String> cmd = new ArrayList<>(List.of("bash", home.resolve("bin/muster").toString()));
            cmd.addAll(List.of(args));
            return run(timeout, cmd.toArray(String[]::new));
        } finally {
            env.clear();
            env.putAll(saved);
        }
    }

    /** A port offset under which all nine ports are free on loopback, below the usual ephemeral range (32768+). */
    static int freeOffset() {
        for (int attempt = 0; attempt < 50; attempt++) {
            int offset = ThreadLocalRandom.current().nextInt(10_000, 23_000);
            if (Arrays.stream(BASE_PORTS).allMatch(p -> bindable(p + offset))) return offset;
        }
        throw new AssertionError("found no MUSTER_LOCAL_PORT_OFFSET with 9 free loopback ports in 50 tries");
    }

    static boolean bindable(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(false);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    static boolean listening(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 2000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    List<Integer> ports() {
        List<Integer> out = new ArrayList<>();
        for (int p : BASE_PORTS) out.add(p + offset);
        return out;
    }

    /** Like local-cluster.sh's ours(): alive, and its command line names a file in the state directory. */
    boolean ours(long pid) {
        try {
            byte[] cmdline = Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline"));
            return new String(cmdline, StandardCharsets.UTF_8).replace('\0', ' ').contains(state + "/");
        } catch (IOException e) {
            return false;
        }
    }

    /** Processes whose working directory is inside a worker's data directory: exec tasks (see stop_tasks in the script). */
    List<Long> tasksLeft() throws IOException {
        List<Long> out = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    Path cwd = Files.readSymbolicLink(p.resolve("cwd"));
                    if (cwd.startsWith(state) && cwd.getFileName() != null && !cwd.equals(state)) out.add(Long.parseLong(p.getFileName().toString()));
                } catch (IOException | UnsupportedOperationException ignored) {
                    // gone, or not ours to inspect
                }
            }
        }
        return out;
    }

    /** A failure message with the command's output and the tail of every log in the state directory. */
    Supplier<String> diag(String what, Result r) {
        return () -> {
            StringBuilder sb = new StringBuilder(what).append("\n").append(r.both());
            if (state != null && Files.isDirectory(state)) {
                try (Stream<Path> files = Files.list(state)) {
                    for (Path f : files.filter(p -> p.getFileName().toString().matches(".*\\.(log|err)")).sorted().toList()) {
                        List<String> lines = new String(Files.readAllBytes(f), StandardCharsets.UTF_8).lines().toList();
                        sb.append("\n--- last lines of ").append(f).append(":\n");
                        lines.subList(Math.max(0, lines.size() - 40), lines.size()).forEach(l -> sb.append(l).append('\n'));
                    }
                } catch (IOException e) {
                    sb.append("\n(could not read the logs in ").append(state).append(": ").append(e).append(")");
                }
            }
            return sb.toString();
        };
    }

    static List<String> concat(List<String> a, List<String> b) {
        return Stream.concat(a.stream(), b.stream()).toList();
    }

    static long seconds(long sinceNanos) {
        return TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - sinceNanos);
    }

    /** HTTP/2 prior-knowledge preface plus an empty SETTINGS frame: an HTTP/2 server answers with a SETTINGS frame. */
    static boolean answersCleartextHttp2(int port) {
        try (java.net.Socket sock = new java.net.Socket("127.0.0.1", port)) {
            sock.setSoTimeout(3000);
            sock.getOutputStream().write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            sock.getOutputStream().write(new byte[] {0, 0, 0, 4, 0, 0, 0, 0, 0});
            sock.getOutputStream().flush();
            byte[] head = sock.getInputStream().readNBytes(9);
            return head.length == 9 && head[3] == 4;
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
