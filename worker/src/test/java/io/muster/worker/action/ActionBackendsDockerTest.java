package io.muster.worker.action;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The apt and systemd backends for real, inside a Debian container built from this host's own packages (see
 * {@link DebianContainer}): their commands run through {@code docker exec CONTAINER env -i ...} (a {@link Commands}
 * prefix), so apt-get and systemctl are the real programs acting on a real dpkg database and a real systemd, and
 * the host is not touched. No network: the packages come from a local {@code file:} repository of .debs the test
 * builds with {@code dpkg-deb --build}.
 *
 * <p>systemd runs as the container's PID 1 (CAP_SYS_ADMIN, no seccomp filter, tmpfs /run, the host's cgroups). If it
 * cannot boot on some host, the systemd test checks what systemctl really answers without it (status fails, naming
 * the missing systemd) instead of the unit life cycle; the log says which ran.
 *
 * <p>Skipped only when Docker is not available (as the other Docker tests; MUSTER_DOCKER_REQUIRED=1 fails instead).
 * The container and the image are removed afterwards.
 */
@Tag("docker")
class ActionBackendsDockerTest {
    private static final String SUFFIX = UUID.randomUUID().toString().substring(0, 8);
    private static Optional<String> problem = Optional.of("not probed");
    private static DebianContainer container;

    @TempDir
    static Path work;

    private final List<String> output = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void startContainer() throws IOException {
        problem = DebianContainer.dockerProblem();
        if (problem.isPresent() && "1".equals(System.getenv("MUSTER_DOCKER_REQUIRED"))) {
            fail("MUSTER_DOCKER_REQUIRED=1 but " + problem.get());
        }
        assumeTrue(problem.isEmpty(), () -> "Docker test skipped: " + problem.orElse("")
                + " (set MUSTER_DOCKER_REQUIRED=1 to fail instead)");
        container = DebianContainer.start(work, SUFFIX);
    }

    @AfterAll
    static void removeContainer() throws IOException {
        if (container != null) {
            container.close();
            assertFalse(DebianContainer.containerExists(container.name), "container removed");
            assertFalse(DebianContainer.imageExists(container.image), "image removed");
        }
    }

    private ActionResult run(String backend, String action, Map<String, String> params) {
        Clock clock = Clock.systemUTC();
        ActionBackends backends = new ActionBackends(ActionBackends.builtIn(), List.of("apt", "systemd"));
        ActionContext ctx = new ActionContext("docker-test", clock.instant().plus(Duration.ofMinutes(3)), clock,
                new ActionContext.Output() {
                    @Override
                    public void stdout(String line) {
                        output.add(line);
                    }

                    @Override
                    public void stderr(String line) {
                        output.add(line);
                    }
                }, new Commands(container.execPrefix(), Duration.ofSeconds(5), clock), ActionContext.Sleeper.REAL);
        ActionResult r = backends.invoke(backend, action, params, ctx);
        System.out.println(backend + " " + action + " " + params + " -> " + r.status() + ": " + r.message());
        return r;
    }

    private String inContainer(String script) throws IOException {
        return container.sh(script).output().strip();
    }

    @Test
    void systemdDrivesARealUnit() throws IOException {
        if (!container.systemdRunning()) {
            System.out.println("systemd did not boot in the container; checking systemctl's answers without it");
            ActionResult status = run("systemd", "status", Map.of("unit", "muster-probe.service"));
            assertFalse(status.succeeded());
            assertTrue(String.join("\n", output).contains("systemd"), output.toString());
            return;
        }
        DebianContainer.check(container.sh("""
                cat > /etc/systemd/system/muster-probe.service <<'UNIT'
                [Unit]
                Description=Muster probe
                [Service]
                ExecStart=/bin/sleep infinity
                [Install]
                WantedBy=multi-user.target
                UNIT
                systemctl daemon-reload"""), "writing the unit");

        assertEquals("unit muster-probe.service is not active", run("systemd", "status", Map.of("unit", "muster-probe.service")).message());
        assertTrue(run("systemd", "start", Map.of("unit", "muster-probe.service")).succeeded(), output.toString());
        assertEquals("active", inContainer("systemctl is-active muster-probe.service"));
        ActionResult status = run("systemd", "status", Map.of("unit", "muster-probe.service"));
        assertEquals("unit muster-probe.service is active", status.message());
        assertTrue(status.output().contains("Muster probe"), status.output());

        assertTrue(run("systemd", "enable", Map.of("unit", "muster-probe.service")).succeeded(), output.toString());
        assertEquals("enabled", inContainer("systemctl is-enabled muster-probe.service"));
        assertTrue(run("systemd", "disable", Map.of("unit", "muster-probe.service")).succeeded(), output.toString());
        assertEquals("disabled", inContainer("systemctl is-enabled muster-probe.service"));

        String before = inContainer("systemctl show -p MainPID --value muster-probe.service");
        assertTrue(run("systemd", "restart", Map.of("unit", "muster-probe.service")).succeeded(), output.toString());
        String after = inContainer("systemctl show -p MainPID --value muster-probe.service");
        assertFalse(before.equals(after) || after.equals("0"), "a new main process: " + before + " -> " + after);

        assertTrue(run("systemd", "stop", Map.of("unit", "muster-probe.service")).succeeded(), output.toString());
        assertEquals("inactive", inContainer("systemctl is-active muster-probe.service"));

        ActionResult unknown = run("systemd", "status", Map.of("unit", "no-such-unit.service"));
        assertFalse(unknown.succeeded());
        assertEquals("unit no-such-unit.service is unknown (systemctl exit code 4)", unknown.message());
        ActionResult startUnknown = run("systemd", "start", Map.of("unit", "no-such-unit.service"));
        assertFalse(startUnknown.succeeded());
        assertTrue(startUnknown.output().contains("not found"), startUnknown.output());
    }

    @Test
    void aptInstallsUpgradesAndRemovesFromALocalRepository() throws Exception {
        Path repo = Files.createDirectories(work.resolve("repo"));
        Path v1 = buildDeb("muster-hello", "1.0", repo);
        writePackages(repo, Map.of("muster-hello", "1.0"), List.of(v1));
        container.copyIn(repo, "/srv/repo");
        DebianContainer.check(container.sh("echo 'deb [trusted=yes] file:/srv/repo ./' > /etc/apt/sources.list.d/muster-test.list"),
                "adding the repository");

        assertTrue(run("apt", "update", Map.of()).succeeded(), output.toString());
        ActionResult install = run("apt", "install", Map.of("package", "muster-hello"));
        assertTrue(install.succeeded(), output.toString());
        assertEquals("installed muster-hello", install.message());
        assertEquals("1.0", inContainer("dpkg-query -W -f='${Version}' muster-hello"));
        assertEquals("hello 1.0", inContainer("cat /usr/share/muster-hello/version"));

        // Version 2 appears in the repository: update, then upgrade.
        Path v2 = buildDeb("muster-hello", "2.0", work.resolve("v2"));
        container.copyIn(v2, "/srv/repo/" + v2.getFileName());
        Path index = Files.createDirectories(work.resolve("index"));
        writePackages(index, Map.of("muster-hello", "2.0"), List.of(v2));
        container.copyIn(index.resolve("Packages"), "/srv/repo/Packages");
        assertTrue(run("apt", "update", Map.of()).succeeded(), output.toString());
        ActionResult upgrade = run("apt", "upgrade", Map.of());
        assertTrue(upgrade.succeeded(), output.toString());
        assertEquals("2.0", inContainer("dpkg-query -W -f='${Version}' muster-hello"));
        assertEquals("hello 2.0", inContainer("cat /usr/share/muster-hello/version"));

        ActionResult missing = run("apt", "install", Map.of("package", "muster-nowhere"));
        assertFalse(missing.succeeded());
        assertEquals("apt-get install failed: exit code 100", missing.message());
        assertTrue(missing.output().contains("Unable to locate package muster-nowhere"), missing.output());

        assertTrue(run("apt", "remove", Map.of("package", "muster-hello")).succeeded(), output.toString());
        assertEquals("gone", inContainer("test -e /usr/share/muster-hello/version && echo present || echo gone"));
        assertFalse(inContainer("dpkg-query -W -f='${db:Status-Status}' muster-hello 2>&1").equals("installed"));
    }

    /** A package with one file, /usr/share/NAME/version, built with dpkg-deb (no maintainer scripts, no triggers). */
    private static Path buildDeb(String name, String version, Path outDir) throws IOException {
        Path root = work.resolve("build-" + name + "-" + version);
        Files.createDirectories(root.resolve("DEBIAN"));
        Files.createDirectories(root.resolve("usr/share").resolve(name));
        Files.writeString(root.resolve("DEBIAN/control"), control(name, version));
        Files.writeString(root.resolve("usr/share").resolve(name).resolve("version"), "hello " + version + "\n");
        Files.createDirectories(outDir);
        Path deb = outDir.resolve(name + "_" + version + "_all.deb");
        DebianContainer.check(DebianContainer.run(List.of("dpkg-deb", "--root-owner-group", "--build", root.toString(),
                deb.toString()), Duration.ofMinutes(1)), "dpkg-deb --build");
        return deb;
    }

    private static String control(String name, String version) {
        return "Package: " + name + "\nVersion: " + version + "\nArchitecture: all\n"
                + "Maintainer: Muster Tests <tests@muster.invalid>\nDescription: a package for the apt backend test\n";
    }

    /** The flat repository's index, as dpkg-scanpackages would write it. */
    private static void writePackages(Path dir, Map<String, String> versions, List<Path> debs) throws Exception {
        StringBuilder b = new StringBuilder();
        for (Path deb : debs) {
            String name = deb.getFileName().toString().split("_")[0];
            byte[] bytes = Files.readAllBytes(deb);
            b.append(control(name, versions.get(name)).replace("Description:",
                    "Filename: ./" + deb.getFileName() + "\nSize: " + bytes.length + "\nSHA256: "
                            + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)) + "\nDescription:"));
            b.append('\n');
        }
        Files.writeString(dir.resolve("Packages"), b.toString());
    }
}
