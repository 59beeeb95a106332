package io.muster.deploy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.muster.pki.SpkiPin;
import io.muster.pki.token.JoinTokens;
import io.muster.pki.token.TokenClaims;
import io.muster.types.config.ConfigLoader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checks the release archive built in this module's {@code package} phase: what it holds, with which modes, that
 * lib/ is the complete runtime classpath compiled for Java 21, and that the unpacked release works.
 * Runs in {@code verify}, after the archive exists; a missing archive is a failure.
 */
class ReleaseTarballTest {
    static String version;
    static String top;
    static Path repo;
    static Map<String, Tar.Entry> entries;

    @BeforeAll
    static void readArchive() throws Exception {
        version = required("muster.version");
        top = "muster-" + version + "/";
        repo = Path.of(required("muster.repo")).toAbsolutePath().normalize();
        Path tarball = Path.of(required("muster.tarball"));
        assertTrue(Files.isRegularFile(tarball), "the release archive " + tarball + " was not built by the package phase");
        entries = new TreeMap<>();
        for (Tar.Entry e : Tar.read(tarball)) {
            assertNull(entries.put(e.name(), e), "duplicate entry " + e.name());
        }
    }

    static String required(String property) {
        String v = System.getProperty(property);
        assertNotNull(v, "system property " + property + " is set by deploy/pom.xml; run this test through Maven (verify)");
        return v;
    }

    static Tar.Entry entry(String relative) {
        Tar.Entry e = entries.get(top + relative);
        assertNotNull(e, "the archive lacks " + top + relative);
        return e;
    }

    /** Files under a repository directory, relative to it, leaving out the build. */
    static List<String> filesUnder(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString())
                    .filter(p -> !p.startsWith("target/") && !p.startsWith("src/") && !p.equals("pom.xml"))
                    .sorted().toList();
        }
    }

    @Test
    void everythingSitsUnderOneVersionedDirectory() {
        for (String name : entries.keySet()) assertTrue(name.startsWith(top), name + " is outside " + top);
    }

    @Test
    void binHoldsTheSameLauncherAsTheSourceCheckout() throws Exception {
        Tar.Entry muster = entry("bin/muster");
        assertEquals("0755", Tar.modeString(muster.mode()));
        assertArrayEquals(Files.readAllBytes(repo.resolve("bin/muster")), muster.content());
        assertArrayEquals(Files.readAllBytes(repo.resolve("bin/java-env.sh")), entry("bin/java-env.sh").content());
        assertTrue(new String(muster.content(), StandardCharsets.UTF_8).contains("\"$ROOT/lib\""),
                "bin/muster must pick the lib/ layout when it is next to bin/");
    }

    @Test
    void deployAndExamplesAreShippedCompleteAndIdentical() throws Exception {
        for (String rel : filesUnder(repo.resolve("deploy"))) {
            Tar.Entry e = entry("deploy/" + rel);
            assertArrayEquals(Files.readAllBytes(repo.resolve("deploy").resolve(rel)), e.content(), "deploy/" + rel + " differs");
            assertEquals(rel.endsWith(".sh") ? "0755" : "0644", Tar.modeString(e.mode()), "mode of deploy/" + rel);
        }
        for (String rel : filesUnder(repo.resolve("examples"))) {
            assertArrayEquals(Files.readAllBytes(repo.resolve("examples").resolve(rel)), entry("examples/" + rel).content(), "examples/" + rel);
        }
        for (String must : List.of("deploy/local-cluster.sh", "deploy/build-image.sh", "deploy/Dockerfile", "deploy/compose.yaml",
                "deploy/compose/bootstrap.sh", "deploy/examples/worker.yaml", "deploy/examples/3-servers/server-1.yaml",
                "deploy/examples/7-servers/server-7.yaml", "examples/batch-hello.yaml")) {
            entry(must);
        }
        for (String excluded : List.of("deploy/pom.xml", "deploy/src/", "deploy/target/")) {
            assertTrue(entries.keySet().stream().noneMatch(n -> n.startsWith(top + excluded)), excluded + " must not ship");
        }
        for (String doc : List.of("README.md", "LICENSE", "NOTICE")) {
            if (Files.exists(repo.resolve(doc))) assertArrayEquals(Files.readAllBytes(repo.resolve(doc)), entry(doc).content(), doc);
        }
    }

    @Test
    void systemdUnitsAreTheOnesTheInstallCommandsUse() throws Exception {
        Path resources = repo.resolve("cli/src/main/resources/io/muster/cli/install");
        for (String unit : List.of("muster-worker.service", "muster-server.service")) {
            assertArrayEquals(Files.readAllBytes(resources.resolve(unit)), entry("deploy/systemd/" + unit).content(), unit);
            try (InputStream in = io.muster.cli.install.WorkerInstallCommand.class.getResourceAsStream(unit)) {
                assertNotNull(in, unit + " is not on the CLI's classpath");
                assertArrayEquals(in.readAllBytes(), entry("deploy/systemd/" + unit).content(), unit + " in the jar differs");
            }
        }
    }

    @Test
    void libHoldsExactlyTheRuntimeClasspath() throws Exception {
        Set<String> expected = new TreeSet<>();
        for (String p : Files.readString(Path.of(required("muster.runtimeClasspath"))).strip().split(File.pathSeparator)) {
            expected.add(Path.of(p).getFileName().toString());
        }
        Set<String> actual = entries.keySet().stream().filter(n -> n.startsWith(top + "lib/") && !n.endsWith("/"))
                .map(n -> n.substring((top + "lib/").length())).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(expected, actual);
        for (String prefix : List.of("muster-cli.jar", "muster-server-", "muster-worker-", "muster-pki-", "muster-shared-types-",
                "muster-picocli-", "ratis-server-", "vertx-core-", "grpc-netty-shaded-", "jackson-dataformat-yaml-", "logback-classic-")) {
            assertTrue(actual.stream().anyMatch(j -> j.startsWith(prefix)), "lib/ lacks " + prefix + "*: " + actual);
        }
        for (String jar : actual) assertEquals("0644", Tar.modeString(entry("lib/" + jar).mode()), jar);
    }

    /** "Runs anywhere with Java 21": no class in lib/ may need a newer JVM (multi-release variants for newer ones aside). */
    @Test
    void everyClassLoadsOnJava21(@TempDir Path tmp) throws Exception {
        List<String> tooNew = new ArrayList<>();
        for (var e : entries.entrySet()) {
            if (!e.getKey().startsWith(top + "lib/") || !e.getKey().endsWith(".jar")) continue;
            Path jar = tmp.resolve("check.jar");
            Files.write(jar, e.getValue().content());
            try (JarFile jf = new JarFile(jar.toFile())) {
                for (JarEntry je : java.util.Collections.list(jf.entries())) {
                    String n = je.getName();
                    if (!n.endsWith(".class") || n.endsWith("module-info.class")) continue;
                    if (n.startsWith("META-INF/versions/")) {
                        int release = Integer.parseInt(n.split("/")[2]);
                        if (release > 21) continue; // used only on that newer release
                    }
                    try (InputStream in = jf.getInputStream(je)) {
                        byte[] head = in.readNBytes(8);
                        int major = ((head[6] & 0xff) << 8) | (head[7] & 0xff);
                        if (major > 65) tooNew.add(e.getKey() + "!" + n + " (class file " + major + ")");
                    }
                }
            }
        }
        assertTrue(tooNew.isEmpty(), "classes that Java 21 cannot load:\n" + String.join("\n", tooNew.subList(0, Math.min(20, tooNew.size()))));
    }

    /** Unpacks the archive as tar would (modes included); returns the release directory. */
    static Path unpack(Path dir) throws IOException {
        Tar.unpack(entries.values(), dir);
        return dir.resolve(top);
    }

    static String token() {
        Instant now = Instant.now();
        return JoinTokens.encode(new TokenClaims(TokenClaims.CURRENT_VERSION, "release-test", JoinTokens.newTokenId(),
                now, now.plus(Duration.ofHours(1)), Map.of(), SpkiPin.of(new byte[32])), JoinTokens.newKey());
    }

    /**
     * The unpacked lib/ alone (a class loader that sees nothing of this build) runs {@code worker install}: the
     * jars are complete for it, and the unit it writes starts the unpacked bin/muster.
     */
    @Test
    void unpackedReleaseInstallsAWorkerFromItsOwnJars(@TempDir Path tmp) throws Exception {
        Path home = unpack(tmp.resolve("unpacked"));
        Path tokenFile = tmp.resolve("join.token");
        Files.writeString(tokenFile, token() + "\n");
        Path root = tmp.resolve("image");
        List<URL> jars = new ArrayList<>();
        try (Stream<Path> s = Files.list(home.resolve("lib"))) {
            for (Path j : s.sorted().toList()) jars.add(j.toUri().toURL());
        }
        int code;
        try (URLClassLoader loader = new URLClassLoader(jars.toArray(URL[]::new), ClassLoader.getPlatformClassLoader())) {
            Class<?> commandClass = loader.loadClass("io.muster.cli.install.WorkerInstallCommand");
            assertTrue(commandClass.getProtectionDomain().getCodeSource().getLocation().toString().contains("unpacked"));
            Class<?> commandLine = loader.loadClass("picocli.CommandLine");
            Object cl = commandLine.getConstructor(Object.class).newInstance(commandClass.getConstructor().newInstance());
            String[] args = {"--root", root.toString(), "--prefix", home.toAbsolutePath().normalize().toString(),
                    "--server", "10.0.0.11:3670", "--token-file", tokenFile.toString(), "--labels", "role=web"};
            code = (int) commandLine.getMethod("execute", String[].class).invoke(cl, (Object) args);
        }
        assertEquals(0, code);
        Path unit = root.resolve("etc/systemd/system/muster-worker.service");
        assertTrue(Files.readAllLines(unit).contains("ExecStart=" + home.toAbsolutePath().normalize() + "/bin/muster worker --config /etc/muster/worker.yaml"));
        assertEquals(Map.of("role", "web"), ConfigLoader.loadWorkerFile(root.resolve("etc/muster/worker.yaml")).labels());
        verifyUnit(unit);
    }

    /**
     * The unpacked bin/muster runs the CLI. Needs io.muster.cli.Main, which the CLI module provides; until its
     * source exists in this checkout there is nothing to launch, and this check says so instead of passing.
     */
    @Test
    void unpackedBinMusterRunsTheInstallCommands(@TempDir Path tmp) throws Exception {
        Assumptions.assumeTrue(Files.exists(repo.resolve("cli/src/main/java/io/muster/cli/Main.java")),
                "io.muster.cli.Main is not in this checkout yet: bin/muster has no entry point to run");
        Path home = unpack(tmp.resolve("unpacked"));
        Path cache = tmp.resolve("cache");
        for (String role : List.of("worker", "server")) {
            ProcessBuilder pb = new ProcessBuilder("bash", home.resolve("bin/muster").toString(), role, "install", "--help").redirectErrorStream(true);
            pb.environment().put("XDG_CACHE_HOME", cache.toString());
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(120, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue(), out);
            assertTrue(out.contains("--root"), out);
        }
        Path config = home.resolve("deploy/examples/3-servers/server-1.yaml");
        Path root = tmp.resolve("image");
        ProcessBuilder pb = new ProcessBuilder("bash", home.resolve("bin/muster").toString(), "server", "install", "--root", root.toString(),
                "--config", config.toString()).redirectErrorStream(true);
        pb.environment().put("XDG_CACHE_HOME", cache.toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        // bin/muster exports MUSTER_HOME, so the unit runs this very release.
        assertTrue(Files.readAllLines(root.resolve("etc/systemd/system/muster-server.service"))
                .contains("ExecStart=" + home.toAbsolutePath().normalize() + "/bin/muster server --config /etc/muster/server.yaml"), out);
        // Client commands share one class data sharing archive, made by the first of them in the user's cache (the
        // release ships none: an archive only fits the JDK build that wrote it, and the release runs on any JDK >= 21).
        List<Path> archives;
        try (Stream<Path> s = Files.walk(cache.resolve("muster"))) {
            archives = s.filter(Files::isRegularFile).filter(f -> !f.getFileName().toString().equals("root")).toList();
        }
        assertEquals(1, archives.size(), "one archive for this release and JDK: " + archives);
        Path archive = archives.getFirst();
        assertTrue(archive.getFileName().toString().matches("cli.*\\.(jsa|aot)") && Files.size(archive) > 1_000_000,
                archive + " is a CDS archive (JDK 21-24) or an AOT cache (JDK 25+)");
        assertEquals(home.toAbsolutePath().normalize().toString(), Files.readString(archive.resolveSibling("root")).strip());
        assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(archive.getParent())),
                "only its owner may replace the archive a client JVM maps");
        // A damaged archive (newer than the jars, so not remade) is ignored without a word: the command's output is its own.
        Files.write(archive, new byte[4096]);
        ProcessBuilder version = new ProcessBuilder("bash", home.resolve("bin/muster").toString(), "version").redirectErrorStream(true);
        version.environment().put("XDG_CACHE_HOME", cache.toString());
        Process v = version.start();
        String vout = new String(v.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(v.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, v.exitValue(), vout);
        assertTrue(vout.startsWith("muster ") && vout.strip().lines().count() == 1, "only the version, no JVM message:\n" + vout);
    }

    static void verifyUnit(Path unit) throws Exception {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        Path tool = Stream.of(path.split(File.pathSeparator)).map(d -> Path.of(d, "systemd-analyze")).filter(Files::isExecutable)
                .findFirst().orElse(null);
        if (tool == null) {
            if (System.getenv("MUSTER_SYSTEMD_REQUIRED") != null) fail("systemd-analyze is required (MUSTER_SYSTEMD_REQUIRED) but not on PATH");
            Assumptions.abort("systemd-analyze is not installed; unit verification skipped");
        }
        Process p = new ProcessBuilder(tool.toString(), "verify", unit.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        List<String> about = out.lines().filter(l -> l.contains(unit.getFileName().toString())).toList();
        assertTrue(about.isEmpty() && p.exitValue() == 0, "systemd-analyze verify " + unit + ":\n" + out);
    }
}
