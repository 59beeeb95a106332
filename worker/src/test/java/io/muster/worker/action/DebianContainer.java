package io.muster.worker.action;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * A Debian container made from this host's own installed packages, with no network: the image is the files of the
 * dependency closure of apt, dpkg and systemd (from {@code /var/lib/dpkg}), a dpkg database holding exactly those
 * packages, imported with {@code docker import}; the container runs systemd as PID 1. The host must be Debian (or a
 * derivative) with those packages installed, which the CI image is.
 *
 * <p>systemd as PID 1 needs CAP_SYS_ADMIN, no seccomp filter, tmpfs on /run and the host's cgroup tree; it does not
 * need --privileged (which a nested Docker, as on CI, may refuse: "unable to apply caps"). Whether it booted is
 * {@link #systemdRunning()}: when it cannot boot here, tests fall back to what systemctl really answers without it.
 */
final class DebianContainer implements AutoCloseable {

    /** The root of the closure; everything else comes in as their dependencies. */
    private static final List<String> ROOTS = List.of("apt", "dpkg", "systemd", "base-files", "base-passwd", "bash",
            "coreutils", "dash", "debianutils", "diffutils", "findutils", "grep", "gzip", "hostname",
            "init-system-helpers", "libc-bin", "login", "mawk", "sed", "tar", "util-linux", "ncurses-base");
    /** Host files no package owns that the image needs. */
    private static final List<String> EXTRA = List.of("bin", "sbin", "lib", "lib64", "etc/passwd", "etc/group",
            "etc/shadow", "etc/gshadow", "etc/ld.so.cache", "etc/os-release");
    private static final Duration BOOT_WAIT = Duration.ofSeconds(60);

    final String image;
    final String name;
    private boolean systemd;

    private DebianContainer(String image, String name) {
        this.image = image;
        this.name = name;
    }

    /** Why these tests cannot run here (no docker CLI, no engine), or empty. */
    static Optional<String> dockerProblem() {
        try {
            Run r = run(List.of("docker", "version", "--format", "{{.Server.Version}}"), Duration.ofSeconds(30));
            return r.exit == 0 ? Optional.empty()
                    : Optional.of("no Docker engine answers (docker version: " + r.output.strip() + ")");
        } catch (IOException e) {
            return Optional.of("no docker CLI: " + e.getMessage());
        }
    }

    /** Builds the image in {@code work} (deleted again), imports it and starts the container. */
    static DebianContainer start(Path work, String suffix) throws IOException {
        DebianContainer c = new DebianContainer("muster-test/debian-actions:" + suffix, "muster-actions-" + suffix);
        Path staging = work.resolve("rootfs");
        try {
            stage(staging);
            Run imported = pipeline(List.of("tar", "-C", staging.toString(), "-cf", "-", "."),
                    List.of("docker", "import", "-", c.image), Duration.ofMinutes(5));
            check(imported, "docker import");
        } finally {
            deleteTree(staging);
        }
        List<String> argv = new ArrayList<>(List.of("docker", "run", "-d", "--name", c.name, "--network", "none",
                "--cap-add", "SYS_ADMIN", "--security-opt", "seccomp=unconfined", "--tmpfs", "/run", "--tmpfs", "/run/lock"));
        if (Files.exists(Path.of("/sys/fs/cgroup/cgroup.controllers"))) {
            argv.addAll(List.of("--cgroupns", "private", "-v", "/sys/fs/cgroup:/sys/fs/cgroup:rw")); // cgroup v2
        } else {
            argv.addAll(List.of("-v", "/sys/fs/cgroup:/sys/fs/cgroup:ro"));
        }
        argv.addAll(List.of(c.image, "/lib/systemd/systemd"));
        check(run(argv, Duration.ofMinutes(2)), "docker run");
        c.systemd = c.awaitBoot();
        return c;
    }

    boolean systemdRunning() {
        return systemd;
    }

    /** The prefix that makes {@link Commands} run programs inside the container. */
    List<String> execPrefix() {
        return List.of("docker", "exec", name);
    }

    /** A shell command inside the container, for the tests' own setup and checks. */
    Run sh(String script) throws IOException {
        return run(List.of("docker", "exec", name, "sh", "-c", script), Duration.ofMinutes(2));
    }

    void copyIn(Path from, String to) throws IOException {
        check(run(List.of("docker", "cp", from.toString(), name + ":" + to), Duration.ofMinutes(1)), "docker cp");
    }

    private boolean awaitBoot() throws IOException {
        long deadline = System.nanoTime() + BOOT_WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            Run state = run(List.of("docker", "exec", name, "systemctl", "is-system-running"), Duration.ofSeconds(30));
            String s = state.output.strip();
            if (s.equals("running") || s.equals("degraded")) {
                return true;
            }
            if (s.contains("not been booted") || s.contains("is not running")) {
                return false;
            }
            // "starting"/"initializing": systemd is on its way; a bounded poll, not a sleep to pass.
            try {
                TimeUnit.MILLISECONDS.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }

    @Override
    public void close() throws IOException {
        run(List.of("docker", "rm", "-f", name), Duration.ofMinutes(1));
        run(List.of("docker", "rmi", "-f", image), Duration.ofMinutes(1));
    }

    static boolean imageExists(String image) throws IOException {
        return run(List.of("docker", "image", "inspect", image), Duration.ofSeconds(30)).exit == 0;
    }

    static boolean containerExists(String name) throws IOException {
        return run(List.of("docker", "container", "inspect", name), Duration.ofSeconds(30)).exit == 0;
    }

    // ---- the root filesystem ----

    /** The host's installed packages as dpkg records them: name to its status stanza. */
    private static Map<String, String> installed() throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        for (String stanza : Files.readString(Path.of("/var/lib/dpkg/status")).split("\n\n")) {
            String name = field(stanza, "Package");
            String status = field(stanza, "Status");
            if (name != null && status != null && status.endsWith(" installed")) {
                out.put(name, stanza.strip());
            }
        }
        return out;
    }

    /** A field's value, continuation lines included. */
    private static String field(String stanza, String key) {
        StringBuilder value = null;
        for (String line : stanza.split("\n")) {
            if (value != null) {
                if (line.startsWith(" ") || line.startsWith("\t")) {
                    value.append('\n').append(line);
                    continue;
                }
                break;
            }
            if (line.startsWith(key + ":")) {
                value = new StringBuilder(line.substring(key.length() + 1).strip());
            }
        }
        return value == null ? null : value.toString();
    }

    /** The installed packages {@code roots} need, following Pre-Depends and Depends (first installed alternative). */
    static Set<String> closure(Map<String, String> installed, List<String> roots) {
        Map<String, String> providers = new HashMap<>();
        installed.forEach((name, stanza) -> {
            String provides = field(stanza, "Provides");
            if (provides != null) {
                for (String p : provides.split(",")) {
                    providers.putIfAbsent(bare(p), name);
                }
            }
        });
        Set<String> out = new TreeSet<>();
        Deque<String> queue = new ArrayDeque<>(roots);
        while (!queue.isEmpty()) {
            String p = queue.poll();
            if (!installed.containsKey(p) || !out.add(p)) {
                continue;
            }
            for (String key : List.of("Pre-Depends", "Depends")) {
                String deps = field(installed.get(p), key);
                if (deps == null) {
                    continue;
                }
                for (String dep : deps.split(",")) {
                    for (String alt : dep.split("\\|")) {
                        String n = bare(alt);
                        String found = installed.containsKey(n) ? n : providers.get(n);
                        if (found != null) {
                            queue.add(found);
                            break;
                        }
                    }
                }
            }
        }
        return out;
    }

    /** "libc6:any (>= 2.34)" -> "libc6". */
    private static String bare(String dep) {
        String s = dep.strip().replaceAll("\\(.*?\\)", "").strip();
        int colon = s.indexOf(':');
        return colon >= 0 ? s.substring(0, colon) : s;
    }

    private static Path infoFile(String pkg, String ext) {
        Path plain = Path.of("/var/lib/dpkg/info", pkg + "." + ext);
        if (Files.exists(plain)) {
            return plain;
        }
        try (var files = Files.list(Path.of("/var/lib/dpkg/info"))) {
            return files.filter(f -> f.getFileName().toString().startsWith(pkg + ":")
                    && f.getFileName().toString().endsWith("." + ext)).findFirst().orElse(plain);
        } catch (IOException e) {
            return plain;
        }
    }

    /** The closure's files (paths through /bin etc. resolved, since those are symlinks into /usr) and its dpkg db. */
    private static void stage(Path staging) throws IOException {
        Map<String, String> installed = installed();
        Set<String> packages = closure(installed, ROOTS);
        Set<String> files = new LinkedHashSet<>(EXTRA);
        for (String pkg : packages) {
            Path list = infoFile(pkg, "list");
            if (!Files.exists(list)) {
                continue;
            }
            for (String line : Files.readAllLines(list)) {
                if (line.isBlank() || line.equals("/.")) {
                    continue;
                }
                Path p = Path.of(line);
                if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS) || p.getParent() == null) {
                    continue;
                }
                Path canonical = p.getParent().toRealPath().resolve(p.getFileName());
                files.add(Path.of("/").relativize(canonical).toString());
            }
        }
        files.removeIf(f -> !Files.exists(Path.of("/", f), LinkOption.NOFOLLOW_LINKS));
        Files.createDirectories(staging);
        Path list = staging.resolveSibling("files.txt");
        Files.write(list, files);
        check(pipeline(List.of("tar", "-C", "/", "--no-recursion", "-cf", "-", "-T", list.toString()),
                List.of("tar", "-C", staging.toString(), "-xf", "-"), Duration.ofMinutes(5)), "copying the host's files");

        // The dpkg database of exactly these packages, so apt sees a consistent system.
        Path dpkg = staging.resolve("var/lib/dpkg");
        Files.createDirectories(dpkg.resolve("info"));
        for (String d : List.of("updates", "triggers", "alternatives", "parts")) {
            Files.createDirectories(dpkg.resolve(d));
        }
        List<String> stanzas = packages.stream().map(installed::get).toList();
        Files.writeString(dpkg.resolve("status"), String.join("\n\n", stanzas) + "\n");
        Files.writeString(dpkg.resolve("available"), "");
        for (String f : List.of("arch", "diversions", "statoverride")) {
            Path from = Path.of("/var/lib/dpkg", f);
            if (Files.exists(from)) {
                Files.copy(from, dpkg.resolve(f));
            }
        }
        try (var info = Files.list(Path.of("/var/lib/dpkg/info"))) {
            for (Path f : info.toList()) {
                String base = f.getFileName().toString().split("\\.")[0].split(":")[0];
                if (packages.contains(base)) {
                    Files.copy(f, dpkg.resolve("info").resolve(f.getFileName()), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
        try (var alts = Files.list(Path.of("/var/lib/dpkg/alternatives"))) {
            for (Path f : alts.toList()) {
                Files.copy(f, dpkg.resolve("alternatives").resolve(f.getFileName()));
            }
        }
        for (String d : List.of("var/lib/apt/lists/partial", "var/cache/apt/archives/partial", "var/log/apt",
                "etc/apt/sources.list.d", "etc/apt/apt.conf.d", "root", "run/lock", "srv")) {
            Files.createDirectories(staging.resolve(d));
        }
        for (String d : List.of("tmp", "var/tmp")) {
            Files.createDirectories(staging.resolve(d));
            check(run(List.of("chmod", "1777", staging.resolve(d).toString()), Duration.ofSeconds(10)), "chmod");
        }
        Files.writeString(staging.resolve("etc/machine-id"), "");
    }

    // ---- processes ----

    record Run(int exit, String output) {}

    static void check(Run r, String what) throws IOException {
        if (r.exit != 0) {
            throw new IOException(what + " failed (exit " + r.exit + "): " + r.output.strip());
        }
    }

    static Run run(List<String> argv, Duration max) throws IOException {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        return finish(p, max, String.join(" ", argv));
    }

    /** {@code first | second}, no shell involved. */
    static Run pipeline(List<String> first, List<String> second, Duration max) throws IOException {
        List<Process> ps = ProcessBuilder.startPipeline(List.of(
                new ProcessBuilder(first).redirectError(ProcessBuilder.Redirect.DISCARD),
                new ProcessBuilder(second).redirectErrorStream(true)));
        Run last = finish(ps.get(1), max, String.join(" ", second));
        try {
            int firstExit = ps.get(0).waitFor();
            return firstExit != 0 && last.exit == 0 ? new Run(firstExit, String.join(" ", first) + " failed") : last;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private static Run finish(Process p, Duration max, String what) throws IOException {
        try {
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(max.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IOException(what + " did not end within " + max);
            }
            return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + what, e);
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
