package io.muster.worker.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16 section 2 across real network stacks: each machine is a network namespace, plugged into one bridge (in a
 * namespace of its own, so the host's network is never touched). Two single-server clusters announce on the default
 * group; a rogue announces cluster A's id leading to cluster B's server on a second group. Each machine is a separate
 * JVM ({@link NetnsNode}). Skipped, saying why, where {@code ip netns} cannot be used (not root, no iproute2, no
 * permission in a container).
 */
@Timeout(600)
class DiscoveryNetnsTest {
    private static final String DEFAULT_GROUP = "239.255.77.77";
    private static final String DEFAULT_PORT = "3672";
    private static final String ROGUE_GROUP = "239.255.77.99";

    private final String prefix = "mst" + Integer.toString(ThreadLocalRandom.current().nextInt(1 << 20), 36);
    private final List<String> namespaces = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();

    @TempDir
    Path tmp;

    private static int run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        return p.waitFor(30, TimeUnit.SECONDS) ? p.exitValue() : -1;
    }

    private static void must(String... cmd) throws Exception {
        int code = run(cmd);
        if (code != 0) throw new IllegalStateException(String.join(" ", cmd) + " exited " + code);
    }

    private String ns(String name) throws Exception {
        String full = prefix + "-" + name;
        must("ip", "netns", "add", full);
        namespaces.add(full);
        return full;
    }

    /** A machine on the bridge: a namespace with one veth end as eth0 at {@code ip}/24 and a multicast route. */
    private String machine(String hub, String name, String ip) throws Exception {
        String n = ns(name);
        must("ip", "-n", hub, "link", "add", "p-" + name, "type", "veth", "peer", "name", "eth0", "netns", n);
        must("ip", "-n", hub, "link", "set", "p-" + name, "master", "br0", "up");
        must("ip", "-n", n, "addr", "add", ip + "/24", "dev", "eth0");
        must("ip", "-n", n, "link", "set", "eth0", "up");
        must("ip", "-n", n, "link", "set", "lo", "up");
        must("ip", "-n", n, "route", "add", "224.0.0.0/4", "dev", "eth0");
        return n;
    }

    private Process java(String ns, Path log, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns, Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-cp", System.getProperty("java.class.path"), NetnsNode.class.getName()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        processes.add(p);
        return p;
    }

    private static String awaitFile(Path f, Process owner, Path log) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos();
        while (!Files.exists(f)) {
            if (!owner.isAlive() || System.nanoTime() > deadline) {
                throw new AssertionError(f + " never appeared; log:\n" + Files.readString(log));
            }
            Thread.sleep(200);
        }
        return Files.readString(f).strip();
    }

    private static String awaitLine(Path log, String text, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(log)) {
                for (String line : Files.readAllLines(log)) if (line.contains(text)) return line;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("no line with '" + text + "' in " + log + ":\n" + (Files.exists(log) ? Files.readString(log) : ""));
    }

    @AfterEach
    void tearDown() throws Exception {
        for (Process p : processes) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        for (String n : namespaces.reversed()) run("ip", "netns", "delete", n);
    }

    @Test
    void workersFindTheirClusterAcrossABridgeAndARogueIsRefusedByThePin() throws Exception {
        boolean root = "0".equals(new String(new ProcessBuilder("id", "-u").start().getInputStream().readAllBytes()).strip());
        assumeTrue(root, "skipped: network namespaces need root (ip netns add)");
        String probe = prefix + "-probe";
        assumeTrue(run("ip", "netns", "add", probe) == 0, "skipped: 'ip netns add' is unavailable or not permitted here");
        run("ip", "netns", "delete", probe);

        String hub = ns("hub");
        must("ip", "-n", hub, "link", "add", "br0", "type", "bridge", "mcast_snooping", "0");
        must("ip", "-n", hub, "link", "set", "br0", "up");
        String a = machine(hub, "a", "10.77.0.1");
        String b = machine(hub, "b", "10.77.0.2");
        String r = machine(hub, "r", "10.77.0.3");
        String w = machine(hub, "w", "10.77.0.10");

        Path aDir = Files.createDirectories(tmp.resolve("a"));
        Path bDir = Files.createDirectories(tmp.resolve("b"));
        Process sa = java(a, tmp.resolve("a.log"), "server", aDir.toString(), DEFAULT_GROUP, DEFAULT_PORT);
        Process sb = java(b, tmp.resolve("b.log"), "server", bDir.toString(), DEFAULT_GROUP, DEFAULT_PORT);
        awaitFile(aDir.resolve("token"), sa, tmp.resolve("a.log"));
        awaitFile(bDir.resolve("token"), sb, tmp.resolve("b.log"));
        String aId = Files.readString(aDir.resolve("cluster-id")).strip();
        String bId = Files.readString(bDir.resolve("cluster-id")).strip();

        // Two clusters on one segment: each worker joins the cluster its token names, at that server's address.
        java(w, tmp.resolve("wa.log"), "worker", tmp.resolve("wa").toString(), aDir.resolve("token").toString(), DEFAULT_GROUP, DEFAULT_PORT);
        java(w, tmp.resolve("wb.log"), "worker", tmp.resolve("wb").toString(), bDir.resolve("token").toString(), DEFAULT_GROUP, DEFAULT_PORT);
        String joinedA = awaitLine(tmp.resolve("wa.log"), "registered as node", Duration.ofSeconds(120));
        String joinedB = awaitLine(tmp.resolve("wb.log"), "registered as node", Duration.ofSeconds(120));
        assertTrue(joinedA.contains("of cluster " + aId + " via 10.77.0.1:3670"), joinedA);
        assertTrue(joinedB.contains("of cluster " + bId + " via 10.77.0.2:3670"), joinedB);
        awaitLine(tmp.resolve("wa.log"), "reports this node as ready", Duration.ofSeconds(60));

        // A rogue claims cluster A on a group only it uses, leading to B's server: the worker refuses it by the pin.
        java(r, tmp.resolve("rogue.log"), "rogue", ROGUE_GROUP, DEFAULT_PORT, aId, "10.77.0.2:3670");
        Process wr = java(w, tmp.resolve("wr.log"), "worker", tmp.resolve("wr").toString(), aDir.resolve("token").toString(),
                ROGUE_GROUP, DEFAULT_PORT);
        assertTrue(wr.waitFor(180, TimeUnit.SECONDS), "the worker led to the rogue must give up");
        String log = Files.readString(tmp.resolve("wr.log"));
        assertEquals(1, wr.exitValue(), log);
        assertTrue(log.contains("registration with 10.77.0.2:3670 failed") && log.contains("pin mismatch"), log);
        assertTrue(log.contains("WORKER FAILED: cannot register: no server proved it belongs to the cluster pinned by"), log);
    }
}
