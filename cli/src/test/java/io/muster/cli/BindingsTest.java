package io.muster.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.muster.types.config.HostPort;
import io.muster.types.config.WorkerConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Subcommands registered from other packages, and worker configuration from flags and files. */
class BindingsTest {
    @TempDir
    Path dir;

    @Test
    void subcommandsFromOtherPackagesInheritTheGlobalOptions() {
        MusterCommand root = new MusterCommand(Map.of());
        CommandLine cl = new CommandLine(root);
        Subcommands.registerAnnotated(cl);
        CommandLine worker = cl.getSubcommands().get("worker");
        Subcommands.add(worker, "install", new FakeInstallCommand());
        StringWriter out = new StringWriter();
        cl.setOut(new PrintWriter(out));
        assertEquals(0, cl.execute("worker", "install", "--root", "/srv", "-o", "json"));
        assertEquals("installed into /srv\n", out.toString());
        assertEquals(GlobalOptions.Format.json, root.global.output);
    }

    private WorkerConfig resolve(String... args) {
        CommandLine cl = new CommandLine(new MusterCommand(Map.of()));
        Subcommands.registerAnnotated(cl);
        cl.parseArgs(args);
        WorkerCommand w = cl.getSubcommands().get("worker").getCommand();
        return w.resolve(Cli.of(w.spec));
    }

    @Test
    void workerFromFlags() {
        WorkerConfig c = resolve("worker", "--server", "10.0.0.1:3670,https://10.0.0.2:3670", "--server", "10.0.0.3:3670",
                "--token", "tok", "--labels", "zone=eu-1", "--data-dir", dir.toString());
        assertEquals(List.of(new HostPort("10.0.0.1", 3670), new HostPort("10.0.0.2", 3670), new HostPort("10.0.0.3", 3670)), c.servers());
        assertEquals("tok", c.token());
        assertNull(c.tokenFile());
        assertEquals(dir, c.dataDir());
        assertEquals(dir.resolve("worker/identity"), c.identityDir());
        assertEquals(Map.of("zone", "eu-1"), c.labels());
        assertFalse(c.toString().contains("tok,"), "the token stays out of toString");
    }

    @Test
    void workerFromFileWithOverrides() throws Exception {
        Path tokenFile = Files.writeString(dir.resolve("token"), "tok\n");
        Path f = Files.writeString(dir.resolve("worker.yaml"), """
                data_dir: %s
                cluster:
                  mode: worker-tier
                  role: worker
                  servers: ["10.0.0.1:3670"]
                  token_file: %s
                  labels: {zone: eu-1, role: web}
                """.formatted(dir, tokenFile));
        WorkerConfig c = resolve("worker", "--config", f.toString(), "--labels", "role=db", "--identity-dir", dir.resolve("ident").toString());
        assertEquals(List.of(new HostPort("10.0.0.1", 3670)), c.servers());
        assertEquals(tokenFile, c.tokenFile());
        assertEquals(Map.of("zone", "eu-1", "role", "db"), c.labels());
        assertEquals(dir.resolve("ident"), c.identityDir());

        WorkerConfig t = resolve("worker", "--config", f.toString(), "--token", "other");
        assertEquals("other", t.token());
        assertNull(t.tokenFile(), "a token flag replaces the file's token_file");
    }

    @Test
    void workerMetricsAddressFromFlagOrFileOffOtherwise() throws Exception {
        assertNull(resolve("worker", "--server", "10.0.0.1:3670", "--token", "t", "--data-dir", dir.toString()).metricsAddr(), "off by default");
        WorkerConfig flag = resolve("worker", "--server", "10.0.0.1:3670", "--token", "t", "--data-dir", dir.toString(), "--metrics-addr", "127.0.0.1:9102");
        assertEquals(new HostPort("127.0.0.1", 9102), flag.metricsAddr());
        Path f = Files.writeString(dir.resolve("metrics.yaml"), """
                data_dir: %s
                metrics: {addr: "127.0.0.1:9102"}
                cluster:
                  mode: worker-tier
                  role: worker
                  servers: ["10.0.0.1:3670"]
                """.formatted(dir));
        assertEquals(new HostPort("127.0.0.1", 9102), resolve("worker", "--config", f.toString(), "--token", "t").metricsAddr());
        assertEquals(new HostPort("127.0.0.1", 9200),
                resolve("worker", "--config", f.toString(), "--token", "t", "--metrics-addr", "127.0.0.1:9200").metricsAddr(), "the flag overrides the file");
        assertThrows(CommandLine.ParameterException.class,
                () -> resolve("worker", "--server", "10.0.0.1:3670", "--token", "t", "--data-dir", dir.toString(), "--metrics-addr", ":9102"));
    }

    @Test
    void anEnrolledWorkerNeedsNoToken() throws Exception {
        Path id = Files.createDirectories(dir.resolve("id"));
        Files.writeString(id.resolve("cert.pem"), "x");
        WorkerConfig c = resolve("worker", "--server", "10.0.0.1:3670", "--identity-dir", id.toString(), "--data-dir", dir.toString());
        assertNull(c.token());
        assertNull(c.tokenFile());
    }

    @Test
    void badWorkerFileIsAFailureNamingTheField() throws Exception {
        Path f = Files.writeString(dir.resolve("worker.yaml"), "cluster:\n  mode: worker-tier\n  role: worker\n  servers: [\"nope\"]\n");
        CliFailure e = assertThrows(CliFailure.class, () -> resolve("worker", "--config", f.toString(), "--token", "t"));
        assertTrue(e.getMessage().contains("servers") && e.getMessage().contains("line"), e.getMessage());
    }
}
