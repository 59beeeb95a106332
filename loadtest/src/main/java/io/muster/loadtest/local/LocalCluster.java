package io.muster.loadtest.local;

import io.muster.client.ClusterStatus;
import io.muster.client.MusterApiException;
import io.muster.client.MusterClient;
import io.muster.types.config.HostPort;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Three (or N) Muster servers as child processes on loopback, each with its own data dir under one temporary
 * root, started with the classpath of this JVM. Owns them: {@link #close()} stops every process it started and
 * deletes the root (unless asked to keep it). Dev-mode API: plain HTTP, no ACL.
 */
public final class LocalCluster implements AutoCloseable {
    public record Member(int id, HostPort raft, HostPort api, HostPort grpc, Path dir) {
        public String apiUrl() {
            return "http://" + api;
        }
    }

    private final Path root;
    private final List<Member> members = new ArrayList<>();
    private final Map<Integer, Process> processes = new HashMap<>();
    private final Map<Integer, MusterClient> apis = new HashMap<>();
    private final String heap;
    private final boolean keep;
    private final Consumer<String> log;
    private volatile boolean closed;

    public LocalCluster(int size, String heap, boolean keep, Consumer<String> log) throws Exception {
        this.root = Files.createTempDirectory("muster-loadtest-");
        this.heap = heap;
        this.keep = keep;
        this.log = log;
        for (int i = 1; i <= size; i++) {
            members.add(new Member(i, new HostPort("127.0.0.1", freePort()), new HostPort("127.0.0.1", freePort()),
                    new HostPort("127.0.0.1", freePort()), root.resolve("s" + i)));
        }
        Files.writeString(root.resolve("logback.xml"), LOGBACK);
        for (Member m : members) {
            Files.createDirectories(m.dir());
            Files.writeString(m.dir().resolve("server.yaml"), config(m));
            apis.put(m.id(), MusterClient.builder().address(m.apiUrl()).connectTimeout(Duration.ofSeconds(5)).requestTimeout(Duration.ofSeconds(120)).build());
        }
        // The documented bootstrap: `muster server init` on server 1; the others read its cluster secret.
        if (members.size() > 1) {
            try {
                io.muster.server.tls.ClusterInit.run(io.muster.types.config.ConfigLoader.loadServerFile(members.getFirst().dir().resolve("server.yaml"), null),
                        java.time.Clock.systemUTC());
            } catch (io.muster.types.config.ConfigException e) {
                throw new IOException(e.getMessage(), e);
            }
        }
    }

    private static final String LOGBACK = """
            <configuration>
              <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
                <encoder><pattern>%d{HH:mm:ss.SSS} %-5level [%thread] %logger{0} - %msg%n</pattern></encoder>
              </appender>
              <logger name="org.apache.ratis" level="WARN"/>
              <logger name="org.apache.ratis.grpc.server.GrpcLogAppender" level="ERROR"/>
              <logger name="io.netty" level="WARN"/>
              <logger name="io.grpc" level="WARN"/>
              <logger name="io.vertx" level="WARN"/>
              <logger name="io.muster" level="INFO"/>
              <logger name="io.muster.server.grpc.WorkerServiceImpl" level="WARN"/>
              <root level="WARN"><appender-ref ref="OUT"/></root>
            </configuration>
            """;

    private String config(Member self) {
        StringBuilder sb = new StringBuilder();
        sb.append("data_dir: \"").append(self.dir()).append("\"\n");
        if (self.id() != members.getFirst().id()) sb.append("secret_file: \"").append(members.getFirst().dir().resolve("cluster.secret")).append("\"\n");
        sb.append("cluster:\n  mode: worker-tier\n  role: server\n  node_id: ").append(self.id()).append("\n  peers:\n");
        for (Member m : members) {
            sb.append("    - {id: ").append(m.id()).append(", raft_addr: \"").append(m.raft()).append("\", api_addr: \"").append(m.api()).append("\"}\n");
        }
        sb.append("  worker_grpc_addr: \"").append(self.grpc()).append("\"\n");
        // Nomad's defaults, the same as Muster's: the figures are for the settings operators get.
        sb.append("  heartbeat_min_ttl: 10\n  heartbeat_max_ttl: 600\n  heartbeat_grace: 10\n  max_heartbeats_per_second: 50\n  failover_heartbeat_ttl: 300\n");
        return sb.toString();
    }

    /**
     * A free loopback port below the kernel's ephemeral range (Linux: 32768-60999), so no outgoing connection of the
     * run can take it between now and the server binding it (Ratis ends the process when its port is taken).
     */
    private static int freePort() throws IOException {
        for (int attempt = 0; attempt < 500; attempt++) {
            int port = java.util.concurrent.ThreadLocalRandom.current().nextInt(10_000, 32_000);
            try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                return port;
            } catch (IOException e) {
                // in use: try another
            }
        }
        throw new IOException("no free loopback port in 10000-32000 after 500 tries");
    }

    public Path root() {
        return root;
    }

    public List<Member> members() {
        return List.copyOf(members);
    }

    public Member member(int id) {
        return members.get(id - 1);
    }

    public MusterClient api(int id) {
        return apis.get(id);
    }

    public List<HostPort> grpcAddresses() {
        return members.stream().map(Member::grpc).toList();
    }

    public synchronized long pid(int id) {
        Process p = processes.get(id);
        return p == null ? -1 : p.pid();
    }

    public synchronized boolean running(int id) {
        Process p = processes.get(id);
        return p != null && p.isAlive();
    }

    /** Starts every server and waits until there is a leader, the cluster identity exists and every worker port listens. */
    public void start(Duration timeout) throws Exception {
        for (Member m : members) launch(m);
        awaitUp(members, timeout);
    }

    private synchronized void launch(Member m) throws IOException {
        if (closed) throw new IOException("the local cluster is shutting down");
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx" + heap);
        cmd.add("-XX:+UseG1GC");
        cmd.add("-XX:+ExitOnOutOfMemoryError");
        cmd.add("-Dlogback.configurationFile=" + root.resolve("logback.xml"));
        if (Runtime.version().feature() >= 24) {
            cmd.add("--sun-misc-unsafe-memory-access=allow");
            cmd.add("--enable-native-access=ALL-UNNAMED");
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(LocalServerMain.class.getName());
        cmd.add("--dev");
        cmd.add("--parent-pid");
        cmd.add(Long.toString(ProcessHandle.current().pid()));
        cmd.add(m.dir().resolve("server.yaml").toString());
        Path logFile = m.dir().resolve("server.log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile())).start();
        processes.put(m.id(), p);
        log.accept("local server " + m.id() + " started (pid " + p.pid() + ", api " + m.apiUrl() + ", worker gRPC " + m.grpc() + ")");
    }

    private void awaitUp(List<Member> which, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "no answer yet";
        while (System.nanoTime() < deadline) {
            for (Member m : which) {
                if (!running(m.id())) throw new IOException("local server " + m.id() + " exited during start-up: " + tail(m));
            }
            try {
                boolean ok = true;
                for (Member m : which) {
                    ClusterStatus st = apis.get(m.id()).withRequestTimeout(Duration.ofSeconds(5)).clusterStatus(true);
                    if (st.leaderId() == null || st.clusterId() == null) {
                        ok = false;
                        last = "server " + m.id() + " sees no leader yet";
                        break;
                    }
                    if (!listening(m.grpc())) {
                        ok = false;
                        last = "server " + m.id() + " worker gRPC port " + m.grpc() + " is not listening yet";
                        break;
                    }
                }
                if (ok) return;
            } catch (MusterApiException e) {
                last = e.getMessage();
            }
            Thread.sleep(200);
        }
        throw new IOException("the local cluster did not come up within " + timeout.toSeconds() + " s (" + last + "); logs in " + root);
    }

    private static boolean listening(HostPort hp) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(hp.host(), hp.port()), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The leader most running servers agree on, if any. */
    public Optional<Integer> leader() {
        Map<Integer, Integer> votes = new LinkedHashMap<>();
        for (Member m : members) {
            if (!running(m.id())) continue;
            try {
                leaderId(apis.get(m.id())).ifPresent(l -> votes.merge(l, 1, Integer::sum));
            } catch (MusterApiException e) {
                // this one does not answer right now
            }
        }
        return votes.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).filter(id -> running(id));
    }

    /** The leader {@code api}'s server knows of (stale read: any server answers, even during an election). */
    private static Optional<Integer> leaderId(MusterClient api) {
        return Optional.ofNullable(api.withRequestTimeout(Duration.ofSeconds(5)).clusterStatus(true).leaderId());
    }

    /** SIGKILL, as a crash. */
    public void kill(int id) throws InterruptedException {
        Process p;
        synchronized (this) {
            p = processes.get(id);
        }
        if (p == null) return;
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
        log.accept("local server " + id + " killed");
    }

    /** Starts a killed server again from its data dir and waits until it is back in the cluster. */
    public void restart(int id, Duration timeout) throws Exception {
        kill(id);
        launch(member(id));
        awaitUp(List.of(member(id)), timeout);
    }

    private String tail(Member m) {
        try (InputStream in = Files.newInputStream(m.dir().resolve("server.log"))) {
            String all = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
            String[] lines = all.split("\n");
            return String.join(" | ", List.of(lines).subList(Math.max(0, lines.length - 5), lines.length));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    @Override
    public void close() {
        List<Process> ps;
        synchronized (this) {
            if (closed) return;
            closed = true;
            ps = new ArrayList<>(processes.values());
        }
        apis.values().forEach(MusterClient::close);
        for (Process p : ps) p.destroy();
        for (Process p : ps) {
            try {
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    p.waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        if (keep) {
            log.accept("local cluster data and logs kept in " + root);
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            log.accept("could not delete " + root + ": " + e.getMessage());
        }
    }
}
