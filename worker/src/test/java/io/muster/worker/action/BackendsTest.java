package io.muster.worker.action;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.muster.types.job.ActionCatalog;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each built-in backend, with programs faked at the process boundary (argv and environment asserted). */
class BackendsTest {

    private final Ctx t = new Ctx();
    private final ActionBackends all = new ActionBackends(ActionBackends.builtIn(), List.of("apt", "systemd", "file"));

    private ActionResult run(String backend, String action, Map<String, String> params) {
        return all.invoke(backend, action, params, t.context("alloc-1", Duration.ofMinutes(5)));
    }

    // ---- registry ----

    @Test
    void builtInsMatchTheCatalogue() {
        for (ActionBackend b : ActionBackends.builtIn()) {
            ActionCatalog.Backend spec = ActionCatalog.find(b.name()).orElseThrow();
            assertEquals(spec.actions(), b.actions(), b.name());
            assertEquals(spec.changesSystem(), b.changesSystem(), b.name());
            assertEquals(!ActionCatalog.readOnly().contains(b.name()), b.changesSystem(), b.name());
        }
    }

    @Test
    void aSystemChangingBackendRunsOnlyWhenEnabled() {
        ActionBackends readOnly = new ActionBackends(ActionBackends.builtIn(), List.of());
        assertEquals(List.of("ping", "sysinfo", "test"), readOnly.enabled().stream().map(ActionBackend::name).toList());
        ActionResult r = readOnly.invoke("apt", "install", Map.of("package", "nginx"), t.context("a", null));
        assertFalse(r.succeeded());
        assertEquals("backend apt is not enabled on this worker (enable it with backends: [apt] in the worker config)",
                r.message());
        assertTrue(t.commands.calls.isEmpty(), "nothing ran");
        assertEquals(List.of("apt", "file", "ping", "sysinfo", "systemd", "test"),
                all.enabled().stream().map(ActionBackend::name).toList());
    }

    @Test
    void unknownBackendsActionsAndParamsAreNamedWithTheValidOnes() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new ActionBackends(ActionBackends.builtIn(), List.of("yum")));
        assertTrue(e.getMessage().contains("unknown action backend 'yum'") && e.getMessage().contains("apt, file, ping"), e.getMessage());
        assertTrue(run("yum", "install", Map.of()).message().contains("unknown action backend 'yum'"));
        assertEquals("backend apt has no action 'purge' (actions: update, install, remove, upgrade)",
                run("apt", "purge", Map.of()).message());
        assertEquals("apt install: unknown param 'pkg' (params: package)",
                run("apt", "install", Map.of("pkg", "nginx")).message());
        assertEquals("apt install: param 'package' is required (params: package)", run("apt", "install", Map.of()).message());
        assertEquals("ping sleep: param 'duration' = 'soon' is not a duration like 500ms, 2s, 5m or 1h (params: duration)",
                run("ping", "sleep", Map.of("duration", "soon")).message());
    }

    @Test
    void pluginsAreFoundByServiceLoader() {
        ActionBackends loaded = ActionBackends.load(List.of("apt"));
        assertEquals(List.of("apt", "ping", "reverse", "sysinfo", "test"),
                loaded.enabled().stream().map(ActionBackend::name).toList());
        ActionResult r = loaded.invoke("reverse", "text", Map.of("text", "muster"), t.context("a", null));
        assertTrue(r.succeeded(), r.message());
        assertEquals("retsum\n", r.output());
    }

    @Test
    void anExceptionOfAPluginBecomesAFailedResult() {
        ActionBackend broken = new ActionBackend() {
            public String name() { return "broken"; }
            public List<String> actions() { return List.of("go"); }
            public boolean changesSystem() { return false; }
            public ActionResult run(String action, Map<String, String> params, ActionContext ctx) {
                ctx.print("about to fail");
                throw new IllegalStateException("boom");
            }
        };
        ActionResult r = new ActionBackends(List.of(broken), List.of()).invoke("broken", "go", Map.of(), t.context("a", null));
        assertFalse(r.succeeded());
        assertTrue(r.message().contains("boom"), r.message());
        assertEquals("about to fail\n", r.output());
    }

    // ---- ping and test ----

    @Test
    void pingEchoesAndSleepsWithinTheDeadline() {
        ActionResult echo = run("ping", "echo", Map.of("message", "hello"));
        assertTrue(echo.succeeded());
        assertEquals("hello\n", echo.output());
        assertEquals("pong", run("ping", "echo", Map.of()).message());
        assertTrue(run("ping", "hostname", Map.of()).succeeded());

        ActionResult ok = all.invoke("ping", "sleep", Map.of("duration", "500ms"), t.context("a", Duration.ofSeconds(10)));
        assertTrue(ok.succeeded(), ok.message());
        assertEquals(List.of(Duration.ofMillis(500)), t.sleeps);

        t.sleeps.clear();
        ActionResult cut = all.invoke("ping", "sleep", Map.of("duration", "2s"), t.context("a", Duration.ofSeconds(1)));
        assertFalse(cut.succeeded());
        assertEquals("sleep of 2000 ms cut short: the deadline came first", cut.message());
        assertEquals(List.of(Duration.ofSeconds(1)), t.sleeps, "slept only until the deadline");
    }

    @Test
    void flakyIsDeterministicPerSeedAndAttemptAndRetriesCanSucceed() {
        List<Boolean> first = IntStream.range(0, 40).mapToObj(i ->
                all.invoke("test", "flaky", Map.of("rate", "0.5", "seed", "7"), t.context("attempt-" + i, null)).succeeded()).toList();
        List<Boolean> again = IntStream.range(0, 40).mapToObj(i ->
                all.invoke("test", "flaky", Map.of("rate", "0.5", "seed", "7"), t.context("attempt-" + i, null)).succeeded()).toList();
        assertEquals(first, again, "the same seed and attempt decide the same way");
        assertTrue(first.contains(true) && first.contains(false), "attempts differ: " + first);
        List<Boolean> otherSeed = IntStream.range(0, 40).mapToObj(i ->
                all.invoke("test", "flaky", Map.of("rate", "0.5", "seed", "8"), t.context("attempt-" + i, null)).succeeded()).toList();
        assertNotEquals(first, otherSeed, "the seed matters");
        assertTrue(all.invoke("test", "flaky", Map.of("rate", "0"), t.context("x", null)).succeeded());
        assertFalse(all.invoke("test", "flaky", Map.of("rate", "1"), t.context("x", null)).succeeded());
        assertEquals("test flaky: param 'rate' = '1.5' is not a number from 0 to 1 (params: rate, seed)",
                run("test", "flaky", Map.of("rate", "1.5")).message());
    }

    @Test
    void testActionsDoWhatTheySay() {
        assertTrue(run("test", "succeed", Map.of()).succeeded());
        ActionResult fail = run("test", "fail", Map.of("message", "nope"));
        assertFalse(fail.succeeded());
        assertEquals("nope", fail.message());
        ActionResult out = run("test", "output", Map.of("text", "a\nb"));
        assertEquals("a\nb\n", out.output());
    }

    // ---- systemd ----

    @Test
    void systemdRunsSystemctlWithTheUnitAsOneArgument() {
        t.commands.reply(0, "started");
        ActionResult r = run("systemd", "restart", Map.of("unit", "nginx.service"));
        assertTrue(r.succeeded(), r.message());
        CommandRunner.Command c = t.commands.only();
        assertEquals(List.of("systemctl", "--no-ask-password", "--no-pager", "restart", "nginx.service"), c.argv());
        assertEquals(Map.of("PATH", ActionContext.BASE_ENV.get("PATH"), "LANG", "C.UTF-8", "SYSTEMD_COLORS", "0"), c.env());
        assertEquals(Ctx.NOW.plus(Duration.ofMinutes(5)), c.deadline());
        assertEquals("started\n", r.output());
    }

    @Test
    void systemdStatusTellsActiveFromInactiveFromUnknown() {
        t.commands.reply(0).reply(3).reply(4).reply(1, "System has not been booted with systemd as init system (PID 1).");
        assertEquals("unit a.service is active", run("systemd", "status", Map.of("unit", "a.service")).message());
        assertEquals("unit a.service is not active", run("systemd", "status", Map.of("unit", "a.service")).message());
        ActionResult unknown = run("systemd", "status", Map.of("unit", "a.service"));
        assertFalse(unknown.succeeded());
        assertTrue(unknown.message().contains("unknown"));
        assertFalse(run("systemd", "status", Map.of("unit", "a.service")).succeeded());
        assertEquals(List.of("systemctl", "--no-ask-password", "--no-pager", "--lines=5", "status", "a.service"),
                t.commands.calls.get(0).argv());
    }

    @Test
    void systemdRefusesUnitNamesThatCouldBeOptionsOrPaths() {
        for (String bad : List.of("--force", "a b", "../x", "/etc/passwd", "x;reboot", "")) {
            ActionResult r = run("systemd", "stop", Map.of("unit", bad));
            assertFalse(r.succeeded(), bad);
            assertTrue(r.message().contains("param 'unit'"), r.message());
        }
        assertTrue(t.commands.calls.isEmpty(), "no systemctl ran");
        assertTrue(run("systemd", "start", Map.of("unit", "getty@tty1.service")).succeeded());
    }

    // ---- apt ----

    @Test
    void aptInstallsNonInteractivelyWaitingForTheLockUntilTheDeadline() {
        ActionResult r = run("apt", "install", Map.of("package", "nginx, curl=7.88.1-10+deb12u5  libc6:amd64"));
        assertTrue(r.succeeded(), r.message());
        CommandRunner.Command c = t.commands.only();
        assertEquals(List.of("apt-get", "-y", "-q", "-o", "DPkg::Lock::Timeout=300",
                "-o", "Dpkg::Options::=--force-confdef", "-o", "Dpkg::Options::=--force-confold",
                "install", "nginx", "curl=7.88.1-10+deb12u5", "libc6:amd64"), c.argv());
        assertEquals("noninteractive", c.env().get("DEBIAN_FRONTEND"));
        assertEquals(3, c.env().size(), "PATH, LANG and DEBIAN_FRONTEND only: " + c.env());
        assertEquals("installed nginx curl=7.88.1-10+deb12u5 libc6:amd64", r.message());
    }

    @Test
    void aptUpdateRemoveUpgradeAndFailures() {
        t.commands.reply(0).reply(0).reply(0).reply(100, "E: Unable to locate package nope");
        run("apt", "update", Map.of());
        run("apt", "remove", Map.of("package", "nginx"));
        run("apt", "upgrade", Map.of());
        ActionResult failed = run("apt", "install", Map.of("package", "nope"));
        List<List<String>> argvs = t.commands.calls.stream().map(CommandRunner.Command::argv).toList();
        assertEquals(List.of("apt-get", "-y", "-q", "-o", "DPkg::Lock::Timeout=300", "update"), argvs.get(0));
        assertEquals(List.of("apt-get", "-y", "-q", "-o", "DPkg::Lock::Timeout=300", "remove", "nginx"), argvs.get(1));
        assertEquals(List.of("apt-get", "-y", "-q", "-o", "DPkg::Lock::Timeout=300",
                "-o", "Dpkg::Options::=--force-confdef", "-o", "Dpkg::Options::=--force-confold", "upgrade"), argvs.get(2));
        assertFalse(failed.succeeded());
        assertEquals("apt-get install failed: exit code 100", failed.message());
        assertEquals("E: Unable to locate package nope\n", failed.output());

        ActionResult noDeadline = all.invoke("apt", "update", Map.of(), t.context("a", null));
        assertTrue(noDeadline.succeeded());
        assertTrue(t.commands.calls.get(4).argv().contains("DPkg::Lock::Timeout=600"));
    }

    @Test
    void aptRefusesWhatIsNotAPackageName() {
        for (String bad : List.of("-o APT::Foo=1", "Nginx", "nginx;rm", "a", "--purge")) {
            ActionResult r = run("apt", "install", Map.of("package", bad));
            assertFalse(r.succeeded(), bad);
            assertTrue(r.message().startsWith("apt install: param 'package'"), r.message());
        }
        assertTrue(t.commands.calls.isEmpty());
    }

    // ---- file ----

    @Test
    void fileWritesAtomicallyWithModeAndOwnerAndRemovesAndChecksums(@TempDir Path dir) throws Exception {
        Path target = dir.resolve("motd");
        ActionResult w = run("file", "write", Map.of("path", target.toString(), "content", "hello\n", "mode", "0640",
                "owner", "root:root"));
        assertTrue(w.succeeded(), w.message());
        assertEquals("hello\n", Files.readString(target));
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(target)));
        CommandRunner.Command chown = t.commands.only();
        assertEquals("chown", chown.argv().get(0));
        assertEquals("root:root", chown.argv().get(1));
        assertTrue(chown.argv().get(2).startsWith(dir + "/.motd.muster-"), "chown of the temporary file before the move");
        try (var files = Files.list(dir)) {
            assertEquals(List.of(target), files.toList(), "no temporary file left");
        }

        String sha = "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"; // sha256("hello\n")
        ActionResult sum = run("file", "checksum", Map.of("path", target.toString()));
        assertEquals("sha256 " + sha, sum.message());
        assertEquals("sha256 " + sha + "  " + target + "\n", sum.output());

        ActionResult same = run("file", "write", Map.of("path", target.toString(), "content", "hello\n", "mode", "640"));
        assertEquals(target + " unchanged", same.message());

        assertTrue(run("file", "write", Map.of("path", target.toString(), "content", "bye")).succeeded());
        assertEquals("bye", Files.readString(target, StandardCharsets.UTF_8));
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(target)), "mode kept");

        assertEquals("removed " + target, run("file", "remove", Map.of("path", target.toString())).message());
        assertFalse(Files.exists(target));
        assertEquals(target + " did not exist", run("file", "remove", Map.of("path", target.toString())).message());
    }

    @Test
    void fileRefusesRelativePathsBadModesAndOwners(@TempDir Path dir) {
        assertEquals("file write: param 'path' = 'etc/x' must be an absolute path (params: path, content, mode, owner)",
                run("file", "write", Map.of("path", "etc/x", "content", "")).message());
        assertTrue(run("file", "write", Map.of("path", dir + "/x", "content", "", "mode", "rwx")).message()
                .contains("param 'mode' = 'rwx' is not an octal mode"));
        assertTrue(run("file", "write", Map.of("path", dir + "/x", "content", "", "owner", "-R root")).message()
                .contains("param 'owner'"));
        assertTrue(run("file", "write", Map.of("path", dir.toString(), "content", "")).message().contains("is a directory"));
        assertTrue(run("file", "checksum", Map.of("path", dir + "/missing")).message().contains("not a regular file"));
        assertTrue(t.commands.calls.isEmpty());
    }

    // ---- sysinfo ----

    @Test
    void sysinfoReadsProcAndEtc(@TempDir Path root) throws Exception {
        Files.createDirectories(root.resolve("proc/sys/kernel"));
        Files.createDirectories(root.resolve("etc"));
        Files.writeString(root.resolve("proc/sys/kernel/hostname"), "node-7\n");
        Files.writeString(root.resolve("proc/uptime"), "93784.51 180000.00\n");
        Files.writeString(root.resolve("proc/meminfo"), "MemTotal:        8000000 kB\nMemFree:  100 kB\nMemAvailable:    2000000 kB\n");
        Files.writeString(root.resolve("etc/os-release"), "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\n");
        ActionBackends sys = new ActionBackends(List.of(new SysinfoBackend(root)), List.of());
        ActionContext ctx = t.context("a", null);
        assertEquals("hostname node-7", sys.invoke("sysinfo", "hostname", Map.of(), ctx).message());
        assertEquals("up 1d 2h 3m (93784 s)", sys.invoke("sysinfo", "uptime", Map.of(), ctx).message());
        assertEquals("memory: 1.9 GiB available of 7.6 GiB", sys.invoke("sysinfo", "memory", Map.of(), ctx).message());
        assertEquals("os Debian GNU/Linux 12 (bookworm) (debian 12)", sys.invoke("sysinfo", "os", Map.of(), ctx).message());
        ActionResult disk = sys.invoke("sysinfo", "disk", Map.of("path", root.toString()), ctx);
        assertTrue(disk.succeeded() && disk.message().matches("disk .*: [0-9.]+ [KMGTP]?i?B free of [0-9.]+ [KMGTP]?i?B"), disk.message());
        assertTrue(sys.invoke("sysinfo", "disk", Map.of("path", "rel"), ctx).message().contains("absolute"));
    }
}
