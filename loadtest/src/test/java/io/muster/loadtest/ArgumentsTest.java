package io.muster.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Usage errors exit 2 with a message naming the option, before anything is started. */
class ArgumentsTest {
    private static void usage(String expected, String... args) {
        Cli r = Cli.run(args);
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains(expected), "expected '" + expected + "' in: " + r.err());
        assertTrue(r.err().contains("Usage:"), "the usage follows the message");
    }

    @Test
    void aClusterMustBeNamed() {
        usage("say which cluster");
        usage("--server needs --token", "--server", "127.0.0.1:3670");
        usage("--token needs --server", "--token", "mst_x", "--api", "http://127.0.0.1:1");
    }

    @Test
    void badValuesNameTheirOption(@TempDir Path dir) throws Exception {
        usage("--workers: must be at least 1", "--local", "--workers", "0");
        usage("unknown scenario 'warp'", "--local", "--scenario", "join,warp");
        usage("--duration: '5 parsecs' is not a duration", "--local", "--duration", "5 parsecs");
        usage("--job-size: between 1 and 100000", "--local", "--job-size", "200000");
        usage("--failover kill: only with --local", "--api", "http://127.0.0.1:1", "--failover", "kill");
        usage("needs --api (or --local)", "--server", "127.0.0.1:3670", "--token", "t", "--scenario", "fanout");
        usage("--local starts its own servers", "--local", "--server", "127.0.0.1:3670");
        usage("--api is https: pass --ca-cert", "--api", "https://127.0.0.1:3669");
        usage("give one of them", "--server", "127.0.0.1:1", "--token", "a", "--token-file", "f");
        Path empty = Files.createFile(dir.resolve("token"));
        usage("is empty", "--server", "127.0.0.1:1", "--token-file", empty.toString());
        usage("--server: 'nohost' is not host:port", "--server", "nohost", "--token", "t");
        usage("Invalid value", "--local", "--workers", "many");
    }

    @Test
    void settingsResolveDefaultsAndNeverShowSecrets(@TempDir Path dir) throws Exception {
        Path tokenFile = Files.writeString(dir.resolve("token"), "mst_secret-token-value\n");
        LoadTestCommand c = new LoadTestCommand().withArgs("--server", "10.0.0.1:3670", "--token-file", tokenFile.toString(), "--acl-token", "acl-secret");
        new CommandLine(c).parseArgs("--server", "10.0.0.1:3670", "--token-file", tokenFile.toString(), "--acl-token", "acl-secret",
                "--scenario", "join,steady,churn", "--workers", "1000", "--duration", "2m", "--churn-rate", "5");
        LoadTestSettings s = c.settings(Map.of());
        assertEquals("mst_secret-token-value", s.token());
        assertEquals(Duration.ofMinutes(2), s.duration());
        assertEquals(10_000, s.allocations(), "10 allocations per worker by default");
        assertEquals(1000 + 600, s.registrationsNeeded(), "workers plus rate x duration churn joins");
        assertEquals(LoadTestSettings.FailoverMode.TRANSFER, s.effectiveFailover());
        String shown = s.toString() + s.forReport();
        assertFalse(shown.contains("secret"), shown);
        assertTrue(s.commandLine().contains("--acl-token <redacted>"), s.commandLine());
    }

    @picocli.CommandLine.Command(name = "muster")
    static final class Root implements Runnable {
        @Override
        public void run() {}
    }

    @Test
    void registeredByClassNameAsTheCliDoes(@TempDir Path dir) throws Exception {
        CommandLine root = new CommandLine(new Root());
        root.addSubcommand("loadtest", CommandLine.defaultFactory().create(Class.forName("io.muster.loadtest.LoadTestCommand")));
        java.io.StringWriter err = new java.io.StringWriter();
        root.setErr(new java.io.PrintWriter(err, true));
        assertEquals(2, root.execute("loadtest", "--local", "--workers", "0"));
        assertTrue(err.toString().contains("--workers: must be at least 1"), err.toString());
        assertEquals(2, root.execute("loadtest", "--bogus"));
        java.io.StringWriter out = new java.io.StringWriter();
        root.setOut(new java.io.PrintWriter(out, true));
        assertEquals(0, root.execute("loadtest", "--help"));
        assertTrue(out.toString().contains("--heartbeat-rate"), out.toString());
    }

    @Test
    void durations() {
        assertEquals(Duration.ofSeconds(90), LoadTestCommand.duration("x", "90"));
        assertEquals(Duration.ofSeconds(90), LoadTestCommand.duration("x", "90s"));
        assertEquals(Duration.ofMinutes(5), LoadTestCommand.duration("x", "5m"));
        assertEquals(Duration.ofMillis(500), LoadTestCommand.duration("x", "500ms"));
        assertEquals(Duration.ofMinutes(90), LoadTestCommand.duration("x", "1.5h"));
        assertThrows(IllegalArgumentException.class, () -> LoadTestCommand.duration("x", "-1s"));
    }

    @Test
    void scenarios() {
        assertEquals(6, Scenario.parse("all").size());
        assertEquals(java.util.EnumSet.of(Scenario.JOIN, Scenario.FANOUT), Scenario.parse(" fanout , join "));
        assertThrows(IllegalArgumentException.class, () -> Scenario.parse(","));
        assertEquals(java.util.EnumSet.of(Scenario.JOIN, Scenario.OPERATION), Scenario.parse("join,operation"));
    }

    @Test
    void operationAction() {
        assertEquals(Duration.ZERO, LoadTestCommand.operationSleep("succeed"));
        assertEquals(Duration.ofSeconds(2), LoadTestCommand.operationSleep("sleep:2s"));
        assertEquals(Duration.ofMillis(500), LoadTestCommand.operationSleep(" Sleep:500ms "));
        for (String bad : new String[] {"sleep:0s", "sleep:", "fail", "sleep:soon"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LoadTestCommand.operationSleep(bad), bad);
            assertTrue(e.getMessage().startsWith("--operation-action"), e.getMessage());
        }
    }
}
