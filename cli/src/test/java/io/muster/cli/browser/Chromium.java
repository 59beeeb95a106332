package io.muster.cli.browser;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's headless Chromium, run as a command: a page's DOM after its scripts ran, or a screenshot of it. Each run
 * gets a fresh profile. The flags keep it off the network (this machine has none but loopback, and Chromium's
 * background fetches would fail noisily) and runnable as root in a container.
 */
public final class Chromium {
    /** MUSTER_CHROMIUM overrides where the binary is; CI installs Debian's package, which puts it here. */
    static final Path BINARY = Path.of(System.getenv().getOrDefault("MUSTER_CHROMIUM", "/usr/bin/chromium"));
    static final List<String> FLAGS = List.of("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
            "--hide-scrollbars", "--mute-audio");
    private static final long TIMEOUT_S = 120;

    private Chromium() {}

    /**
     * Skips the calling test where Chromium is not installed, unless MUSTER_CHROMIUM_REQUIRED is set (CI sets it after
     * installing the package), where a missing browser fails instead of passing unseen.
     */
    public static void assumeInstalled() {
        boolean there = Files.isExecutable(BINARY);
        if (!there && System.getenv("MUSTER_CHROMIUM_REQUIRED") != null) fail("Chromium is required (MUSTER_CHROMIUM_REQUIRED) but " + BINARY + " is missing");
        assumeTrue(there, BINARY + " is not installed (apt-get install chromium)");
    }

    /**
     * The serialized DOM of {@code url} once {@code budgetMs} of virtual time has passed: timers and fetches run, and
     * the page's clock advances only while nothing is loading, so the DOM is the rendered one, not the empty shell.
     */
    public static String dumpDom(String url, int budgetMs) throws IOException, InterruptedException {
        return run(List.of("--virtual-time-budget=" + budgetMs, "--dump-dom", url));
    }

    /** A PNG of {@code url} at width x height after {@code budgetMs} of virtual time. */
    public static void screenshot(String url, Path png, int width, int height, int budgetMs) throws IOException, InterruptedException {
        run(List.of("--virtual-time-budget=" + budgetMs, "--window-size=" + width + "," + height, "--screenshot=" + png.toAbsolutePath(), url));
        if (!Files.isRegularFile(png) || Files.size(png) == 0) throw new IOException("Chromium wrote no screenshot to " + png);
    }

    /** Starts Chromium with the DevTools protocol on a free port, showing about:blank; close() ends it. */
    public static DevTools devTools() throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory("muster-chromium-");
        List<String> cmd = command(profile, List.of("--remote-debugging-port=0", "--remote-allow-origins=http://127.0.0.1", "about:blank"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        // Chromium writes the port it chose to DevToolsActivePort in its profile once it listens.
        Path portFile = profile.resolve("DevToolsActivePort");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!(Files.exists(portFile) && !Files.readString(portFile).isBlank())) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                p.destroyForcibly();
                throw new IOException("Chromium did not open its DevTools port (exit " + (p.isAlive() ? "none" : p.exitValue()) + ")");
            }
            Thread.sleep(100);
        }
        int port = Integer.parseInt(Files.readAllLines(portFile).getFirst().strip());
        return DevTools.attach(port, p, profile);
    }

    private static List<String> command(Path profile, List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(BINARY.toString());
        cmd.addAll(FLAGS);
        cmd.add("--user-data-dir=" + profile);
        cmd.addAll(args);
        return cmd;
    }

    private static String run(List<String> args) throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory("muster-chromium-");
        Path out = Files.createTempFile("muster-chromium-", ".out");
        Path err = Files.createTempFile("muster-chromium-", ".err");
        try {
            Process p = new ProcessBuilder(command(profile, args)).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(TIMEOUT_S, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new IOException("Chromium did not finish within " + TIMEOUT_S + " s: " + String.join(" ", args));
            }
            if (p.exitValue() != 0) throw new IOException("Chromium exited " + p.exitValue() + ": " + tail(err));
            return Files.readString(out, StandardCharsets.UTF_8);
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
            DevTools.deleteTree(profile);
        }
    }

    private static String tail(Path f) throws IOException {
        List<String> lines = Files.readAllLines(f, StandardCharsets.UTF_8).stream().filter(l -> !l.contains("dbus")).toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 10), lines.size()));
    }
}
