package io.muster.cli.install;

import static io.muster.cli.install.InstallFixture.mode;
import static io.muster.cli.install.InstallFixture.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.muster.cli.install.InstallFixture.FakeSystemd;
import io.muster.cli.install.InstallFixture.Run;
import io.muster.types.config.ConfigLoader;
import io.muster.types.config.HostPort;
import io.muster.types.config.WorkerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class WorkerInstallCommandTest {
    @TempDir
    Path tmp;

    Path root;
    Path prefix;
    String token;
    Path tokenFile;
    FakeSystemd systemd;

    @BeforeEach
    void setUp() throws Exception {
        root = tmp.resolve("root");
        prefix = InstallFixture.stubPrefix(tmp);
        token = InstallFixture.validToken();
        tokenFile = InstallFixture.tokenFile(tmp, token);
        systemd = new FakeSystemd();
    }

    WorkerInstallCommand worker() {
        WorkerInstallCommand c = new WorkerInstallCommand();
        c.systemd = systemd;
        c.env = Map.of();
        return c;
    }

    String[] args(String... extra) {
        List<String> a = new ArrayList<>(List.of("--root", root.toString(), "--prefix", prefix.toString(),
                "--server", "10.0.0.11:3670", "--server", "https://10.0.0.12:3670,10.0.0.13:3670",
                "--token-file", tokenFile.toString(), "--labels", "role=web,zone=eu-1"));
        a.addAll(List.of(extra));
        return a.toArray(String[]::new);
    }

    @Test
    void stagesConfigTokenUnitAndDataDirUnderRoot() throws Exception {
        Run r = run(worker(), args());
        assertEquals(0, r.exitCode(), r.all());

        Path config = root.resolve("etc/muster/worker.yaml");
        WorkerConfig wc = ConfigLoader.loadWorkerFile(config);
        assertEquals(List.of(HostPort.parse("10.0.0.11:3670"), HostPort.parse("10.0.0.12:3670"), HostPort.parse("10.0.0.13:3670")), wc.servers());
        assertEquals(Path.of("/etc/muster/worker.token"), wc.tokenFile());
        assertEquals(Path.of("/var/lib/muster"), wc.dataDir());
        assertEquals(Path.of("/var/lib/muster/worker/identity"), wc.identityDir());
        assertEquals(Map.of("role", "web", "zone", "eu-1"), wc.labels());
        assertEquals("rw-r--r--", mode(config));
        String yaml = Files.readString(config);
        assertTrue(yaml.contains("mode: worker-tier") && yaml.contains("role: worker"), yaml);

        Path copied = root.resolve("etc/muster/worker.token");
        assertEquals(token + "\n", Files.readString(copied));
        assertEquals("rw-------", mode(copied));
        assertEquals("rwxr-xr-x", mode(root.resolve("etc/muster")));

        Path unit = root.resolve("etc/systemd/system/muster-worker.service");
        assertEquals("rw-r--r--", mode(unit));
        List<String> lines = Files.readAllLines(unit);
        for (String expected : List.of(
                "ExecStart=" + prefix + "/bin/muster worker --config /etc/muster/worker.yaml",
                "Restart=always", "RestartSec=5", "After=network-online.target docker.service", "Wants=network-online.target",
                "KillMode=process", "TasksMax=infinity", "LimitNOFILE=1048576", "ProtectSystem=full", "ProtectHome=read-only",
                "ReadWritePaths=/var/lib/muster", "WantedBy=multi-user.target")) {
            assertTrue(lines.contains(expected), "unit lacks '" + expected + "':\n" + String.join("\n", lines));
        }
        // Inherited by exec tasks, so deliberately absent (see the comment in the unit).
        assertTrue(lines.stream().noneMatch(l -> l.startsWith("NoNewPrivileges=") || l.startsWith("PrivateTmp=")), String.join("\n", lines));
        assertTrue(lines.stream().noneMatch(l -> l.matches(".*@[A-Z_]+@.*")), "unrendered placeholder");

        Path data = root.resolve("var/lib/muster");
        assertTrue(Files.isDirectory(data));
        assertEquals("rwx------", mode(data));
        assertFalse(Files.exists(data.resolve("worker/identity")), "the identity is the worker's to create");

        assertTrue(systemd.calls.isEmpty(), "--root must never call systemctl: " + systemd.calls);
        assertFalse(r.all().contains(token), "the token must never be printed");
        assertTrue(r.out().contains("created") && r.out().contains("staged under"), r.out());
    }

    @Test
    void generatedUnitPassesSystemdAnalyzeVerify() throws Exception {
        assertEquals(0, run(worker(), args()).exitCode());
        SystemdAnalyze.verify(root.resolve("etc/systemd/system/muster-worker.service"));
    }

    @Test
    void reinstallWithTheSameInputTouchesNothing() throws Exception {
        assertEquals(0, run(worker(), args()).exitCode());
        InstallFixture.agePast(root);
        Map<String, String> before = InstallFixture.snapshot(root);

        Run again = run(worker(), args());
        assertEquals(0, again.exitCode(), again.all());
        assertEquals(before, InstallFixture.snapshot(root));
        assertFalse(again.out().contains("created") || again.out().contains("updated"), again.out());
        assertTrue(again.out().contains("unchanged"), again.out());
    }

    @Test
    void reinstallRewritesOnlyWhatChanged() throws Exception {
        assertEquals(0, run(worker(), args()).exitCode());
        InstallFixture.agePast(root);
        Map<String, String> before = InstallFixture.snapshot(root);

        List<String> changed = new ArrayList<>(List.of(args()));
        changed.set(changed.indexOf("role=web,zone=eu-1"), "role=db");
        Run r = run(worker(), changed.toArray(String[]::new));
        assertEquals(0, r.exitCode(), r.all());

        Map<String, String> after = InstallFixture.snapshot(root);
        for (String path : before.keySet()) {
            if (path.equals("etc/muster/worker.yaml") || path.equals("etc/muster/")) continue; // the rename touches the dir
            assertEquals(before.get(path), after.get(path), path + " was touched");
        }
        assertTrue(r.out().contains("updated   " + root.resolve("etc/muster/worker.yaml")), r.out());
        assertEquals(Map.of("role", "db"), ConfigLoader.loadWorkerFile(root.resolve("etc/muster/worker.yaml")).labels());
    }

    @Test
    void existingIdentityIsNeverTouchedByInstallOrUninstall() throws Exception {
        Path identity = root.resolve("var/lib/muster/worker/identity");
        Files.createDirectories(identity);
        Files.writeString(identity.resolve("cert.pem"), "CERT");
        Files.writeString(identity.resolve("key.pem"), "KEY");
        Files.writeString(identity.resolve("ca.pem"), "CA");
        Files.setPosixFilePermissions(identity.resolve("key.pem"), PosixFilePermissions.fromString("rw-------"));
        InstallFixture.agePast(identity);
        Map<String, String> before = InstallFixture.snapshot(identity);

        // A worker that already has its identity no longer needs a live token: an expired one is accepted.
        Path expired = InstallFixture.tokenFile(tmp.resolve("old"), InstallFixture.token(Duration.ofHours(1), Map.of()));
        List<String> a = new ArrayList<>(List.of(args()));
        a.set(a.indexOf(tokenFile.toString()), expired.toString());
        Run r = run(worker(), a.toArray(String[]::new));
        assertEquals(0, r.exitCode(), r.all());
        assertTrue(r.out().contains("kept      " + identity), r.out());
        assertEquals(0, run(worker(), a.toArray(String[]::new)).exitCode());
        assertEquals(before, InstallFixture.snapshot(identity));

        WorkerUninstallCommand un = new WorkerUninstallCommand();
        un.systemd = systemd;
        Run u = run(un, "--root", root.toString());
        assertEquals(0, u.exitCode(), u.all());
        assertEquals(before, InstallFixture.snapshot(identity));
        assertTrue(u.out().contains("kept") && u.out().contains(identity.toString()), u.out());
    }

    @Test
    void tokenCopyIsNarrowedTo0600EvenWhenTheContentIsAlreadyThere() throws Exception {
        Path copied = root.resolve("etc/muster/worker.token");
        Files.createDirectories(copied.getParent());
        Files.writeString(copied, token + "\n");
        Files.setPosixFilePermissions(copied, PosixFilePermissions.fromString("rw-r--r--"));
        Run r = run(worker(), args());
        assertEquals(0, r.exitCode(), r.all());
        assertEquals("rw-------", mode(copied));
        assertTrue(r.out().contains("mode 0600"), r.out());
    }

    @Test
    void tokenWithWindowsLineEndingIsCopiedAsOneCleanLine() throws Exception {
        Files.writeString(tokenFile, "  " + token + "\r\n\n");
        assertEquals(0, run(worker(), args()).exitCode());
        assertEquals(token + "\n", Files.readString(root.resolve("etc/muster/worker.token")));
    }

    @Test
    void customDataAndIdentityDirsGoIntoConfigAndUnit() throws Exception {
        Run r = run(worker(), args("--data-dir", "/srv/muster", "--identity-dir", "/var/lib/muster-identity"));
        assertEquals(0, r.exitCode(), r.all());
        WorkerConfig wc = ConfigLoader.loadWorkerFile(root.resolve("etc/muster/worker.yaml"));
        assertEquals(Path.of("/srv/muster"), wc.dataDir());
        assertEquals(Path.of("/var/lib/muster-identity"), wc.identityDir());
        assertTrue(Files.readAllLines(root.resolve("etc/systemd/system/muster-worker.service"))
                .contains("ReadWritePaths=/srv/muster /var/lib/muster-identity"));
        assertEquals("rwx------", mode(root.resolve("srv/muster")));
    }

    static Stream<Arguments> badInputs() {
        return Stream.of(
                Arguments.of(List.of("--server", "http://10.0.0.1:3670"), "TLS"),
                Arguments.of(List.of("--server", "10.0.0.1"), "needs a port"),
                Arguments.of(List.of("--server", "10.0.0.1:99999"), "outside 1-65535"),
                Arguments.of(List.of("--server", "bad host:3670"), "invalid host"),
                Arguments.of(List.of("--server", "10.0.0.1:3670", "--server", "10.0.0.1:3670"), "given twice"),
                Arguments.of(List.of("--labels", "role"), "expected key=value"),
                Arguments.of(List.of("--labels", "ro le=web"), "label keys"),
                Arguments.of(List.of("--labels", "role=w eb"), "label values"),
                Arguments.of(List.of("--labels", "a=1,a=2"), "given twice"),
                Arguments.of(List.of("--data-dir", "var/lib/muster"), "absolute"),
                Arguments.of(List.of("--data-dir", "/var/lib/my muster"), "only letters"),
                Arguments.of(List.of("--data-dir", "/var/lib/%n"), "only letters"),
                Arguments.of(List.of("--data-dir", "/var/../lib"), "without"),
                Arguments.of(List.of("--data-dir", "/"), "shared system directory"),
                Arguments.of(List.of("--data-dir", "/var/lib"), "shared system directory"),
                Arguments.of(List.of("--identity-dir", "/srv"), "shared system directory"));
    }

    @ParameterizedTest
    @MethodSource("badInputs")
    void badInputFailsWithExit1AndWritesNothing(List<String> bad, String message) {
        List<String> a = new ArrayList<>(List.of("--root", root.toString(), "--prefix", prefix.toString(), "--token-file", tokenFile.toString()));
        if (!bad.contains("--server")) a.addAll(List.of("--server", "10.0.0.11:3670"));
        a.addAll(bad);
        Run r = run(worker(), a.toArray(String[]::new));
        assertEquals(1, r.exitCode(), r.all());
        assertTrue(r.err().startsWith("error: ") && r.err().contains(message), r.err());
        assertEquals(1, r.err().lines().count(), "one line: " + r.err());
        assertFalse(Files.exists(root), "nothing may be written on bad input");
    }

    @Test
    void tokenProblemsFailWithExit1AndNeverEchoTheToken() throws Exception {
        Path missing = tmp.resolve("nope.token");
        Path garbage = tmp.resolve("garbage.token");
        Files.writeString(garbage, "mst1.not-a-token.at-all\n");
        Path twoLines = tmp.resolve("two.token");
        Files.writeString(twoLines, token + "\n" + token + "\n");
        Path expired = InstallFixture.tokenFile(tmp.resolve("exp"), InstallFixture.token(Duration.ofHours(1), Map.of()));
        Path restricted = InstallFixture.tokenFile(tmp.resolve("lab"), InstallFixture.token(Duration.ofHours(24), Map.of("role", "db")));
        Map<Path, String> cases = Map.of(missing, "does not exist", garbage, "does not hold a Muster join token",
                twoLines, "alone on one line", expired, "expired at", restricted, "does not allow the label role=web",
                tmp, "not a regular file");
        for (var c : cases.entrySet()) {
            List<String> a = new ArrayList<>(List.of(args()));
            a.set(a.indexOf(tokenFile.toString()), c.getKey().toString());
            Run r = run(worker(), a.toArray(String[]::new));
            assertEquals(1, r.exitCode(), c.getKey() + ": " + r.all());
            assertTrue(r.err().contains(c.getValue()), r.err());
            assertFalse(r.all().contains(token) || r.all().contains("not-a-token"), "token text leaked: " + r.all());
            assertFalse(Files.exists(root), "nothing may be written on bad input");
        }
    }

    @Test
    void usageErrorsExit2() {
        assertEquals(2, run(worker(), "--root", root.toString(), "--token-file", tokenFile.toString()).exitCode(), "missing --server");
        assertEquals(2, run(worker(), "--root", root.toString(), "--server", "a:1").exitCode(), "missing --token-file");
        assertEquals(2, run(worker(), args("--bogus")).exitCode(), "unknown option");
        assertFalse(Files.exists(root));
    }

    @Test
    void prefixDefaultsToMusterHomeAndMustHoldTheBinaryOutsideRoot() throws Exception {
        WorkerInstallCommand c = worker();
        c.env = Map.of("MUSTER_HOME", prefix.toString());
        Run r = run(c, "--root", root.toString(), "--server", "10.0.0.11:3670", "--token-file", tokenFile.toString());
        assertEquals(0, r.exitCode(), r.all());
        assertTrue(Files.readString(root.resolve("etc/systemd/system/muster-worker.service"))
                .contains("ExecStart=" + prefix + "/bin/muster worker"));

        WorkerInstallCommand noHome = worker();
        Run r2 = run(noHome, "--root", tmp.resolve("r2").toString(), "--server", "10.0.0.11:3670", "--token-file", tokenFile.toString());
        assertEquals(1, r2.exitCode());
        assertTrue(r2.err().contains("--prefix"), r2.err());

        WorkerInstallCommand live = worker();
        live.hostRoot = tmp.resolve("host");
        Run r3 = run(live, "--prefix", tmp.resolve("nowhere").toString(), "--server", "10.0.0.11:3670", "--token-file", tokenFile.toString());
        assertEquals(1, r3.exitCode());
        assertTrue(r3.err().contains("bin/muster is not an executable file"), r3.err());
        assertFalse(Files.exists(tmp.resolve("host")));
    }

    @Test
    void onASystemdHostItReloadsEnablesAndStartsAndRestartsOnlyOnChange() throws Exception {
        Path host = tmp.resolve("host");
        WorkerInstallCommand c = worker();
        c.hostRoot = host; // as if / (no --root): systemctl is used
        String[] a = {"--prefix", prefix.toString(), "--server", "10.0.0.11:3670", "--token-file", tokenFile.toString()};
        Run r = run(c, a);
        assertEquals(0, r.exitCode(), r.all());
        assertEquals(List.of("is-active --quiet muster-worker.service", "daemon-reload", "enable --now muster-worker.service"), systemd.calls);
        assertTrue(Files.exists(host.resolve("etc/systemd/system/muster-worker.service")));
        assertTrue(r.out().contains("started muster-worker.service"), r.out());

        systemd.calls.clear();
        WorkerInstallCommand same = worker();
        same.hostRoot = host;
        assertEquals(0, run(same, a).exitCode());
        assertEquals(List.of("is-active --quiet muster-worker.service", "daemon-reload", "enable --now muster-worker.service"), systemd.calls,
                "nothing changed: no restart");

        systemd.calls.clear();
        WorkerInstallCommand changed = worker();
        changed.hostRoot = host;
        assertEquals(0, run(changed, "--prefix", prefix.toString(), "--server", "10.0.0.12:3670", "--token-file", tokenFile.toString()).exitCode());
        assertEquals(List.of("is-active --quiet muster-worker.service", "daemon-reload", "enable --now muster-worker.service",
                "restart muster-worker.service"), systemd.calls);

        systemd.calls.clear();
        WorkerInstallCommand noStart = worker();
        noStart.hostRoot = host;
        Run ns = run(noStart, "--prefix", prefix.toString(), "--server", "10.0.0.13:3670", "--token-file", tokenFile.toString(), "--no-start");
        assertEquals(0, ns.exitCode());
        assertTrue(systemd.calls.isEmpty(), systemd.calls.toString());
        assertTrue(ns.out().contains("--no-start"), ns.out());
    }

    @Test
    void withoutSystemdItWritesTheFilesAndSaysHowToStart() throws Exception {
        systemd.running = false;
        WorkerInstallCommand c = worker();
        c.hostRoot = tmp.resolve("host");
        Run r = run(c, "--prefix", prefix.toString(), "--server", "10.0.0.11:3670", "--token-file", tokenFile.toString());
        assertEquals(0, r.exitCode(), r.all());
        assertTrue(systemd.calls.isEmpty());
        assertTrue(r.out().contains("systemd is not running here (PID 1 is bash)")
                && r.out().contains(prefix + "/bin/muster worker --config /etc/muster/worker.yaml"), r.out());
    }

    @Test
    void uninstallRemovesServiceFilesKeepsDataAndPurgeRemovesIt() throws Exception {
        Path host = tmp.resolve("host");
        WorkerInstallCommand c = worker();
        c.hostRoot = host;
        assertEquals(0, run(c, "--prefix", prefix.toString(), "--server", "10.0.0.11:3670", "--token-file", tokenFile.toString(),
                "--data-dir", "/srv/worker-data").exitCode());
        Files.writeString(host.resolve("srv/worker-data/state.json"), "{}");

        systemd.calls.clear();
        WorkerUninstallCommand un = new WorkerUninstallCommand();
        un.systemd = systemd;
        un.hostRoot = host;
        Run u = run(un);
        assertEquals(0, u.exitCode(), u.all());
        assertEquals(List.of("disable --now muster-worker.service", "daemon-reload", "reset-failed muster-worker.service"), systemd.calls);
        assertFalse(Files.exists(host.resolve("etc/systemd/system/muster-worker.service")));
        assertFalse(Files.exists(host.resolve("etc/muster")), "/etc/muster is removed once empty");
        assertTrue(Files.exists(host.resolve("srv/worker-data/state.json")), "data is kept without --purge");

        systemd.calls.clear();
        WorkerUninstallCommand again = new WorkerUninstallCommand();
        again.systemd = systemd;
        again.hostRoot = host;
        Run u2 = run(again, "--purge", "--data-dir", "/srv/worker-data");
        assertEquals(0, u2.exitCode(), u2.all());
        assertFalse(Files.exists(host.resolve("srv/worker-data")));
        assertEquals(List.of("daemon-reload", "reset-failed muster-worker.service"), systemd.calls, "unit already gone: nothing to stop");
    }

    @Test
    void purgeStopsTasksAndReadsTheDataDirFromTheInstalledConfig() throws Exception {
        Path host = tmp.resolve("host");
        WorkerInstallCommand c = worker();
        c.hostRoot = host;
        assertEquals(0, run(c, "--prefix", prefix.toString(), "--server", "10.0.0.11:3670", "--token-file", tokenFile.toString(),
                "--data-dir", "/srv/wd", "--identity-dir", "/srv/wid").exitCode());
        Files.createDirectories(host.resolve("srv/wid"));
        systemd.calls.clear();
        WorkerUninstallCommand un = new WorkerUninstallCommand();
        un.systemd = systemd;
        un.hostRoot = host;
        Run u = run(un, "--purge");
        assertEquals(0, u.exitCode(), u.all());
        assertEquals("kill --kill-whom=all muster-worker.service", systemd.calls.get(0));
        assertFalse(Files.exists(host.resolve("srv/wd")));
        assertFalse(Files.exists(host.resolve("srv/wid")));
        assertTrue(Files.isDirectory(host.resolve("srv")));

        WorkerUninstallCommand shallow = new WorkerUninstallCommand();
        shallow.systemd = systemd;
        shallow.hostRoot = host;
        Run s = run(shallow, "--purge", "--data-dir", "/srv");
        assertEquals(1, s.exitCode());
        assertTrue(s.err().contains("is a shared system directory"), s.err());
        assertTrue(Files.isDirectory(host.resolve("srv")));
    }
}
