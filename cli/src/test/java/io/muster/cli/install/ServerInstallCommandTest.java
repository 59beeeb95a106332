package io.muster.cli.install;

import static io.muster.cli.install.InstallFixture.mode;
import static io.muster.cli.install.InstallFixture.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.muster.cli.install.InstallFixture.FakeSystemd;
import io.muster.cli.install.InstallFixture.Run;
import io.muster.types.config.ConfigLoader;
import io.muster.types.config.ServerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServerInstallCommandTest {
    @TempDir
    Path tmp;

    Path root;
    Path prefix;
    Path example;
    FakeSystemd systemd;

    @BeforeEach
    void setUp() throws Exception {
        root = tmp.resolve("root");
        prefix = InstallFixture.stubPrefix(tmp);
        example = InstallFixture.repo().resolve("deploy/examples/3-servers/server-2.yaml");
        systemd = new FakeSystemd();
    }

    ServerInstallCommand server() {
        ServerInstallCommand c = new ServerInstallCommand();
        c.systemd = systemd;
        c.env = Map.of();
        return c;
    }

    ServerUninstallCommand uninstall() {
        ServerUninstallCommand c = new ServerUninstallCommand();
        c.systemd = systemd;
        return c;
    }

    @Test
    void stagesConfigUnitAndPrivateDataDir() throws Exception {
        Run r = run(server(), "--root", root.toString(), "--prefix", prefix.toString(), "--config", example.toString());
        assertEquals(0, r.exitCode(), r.all());

        Path config = root.resolve("etc/muster/server.yaml");
        assertArrayEquals(Files.readAllBytes(example), Files.readAllBytes(config), "the config is copied as is");
        assertEquals("rw-r--r--", mode(config));
        ServerConfig sc = ConfigLoader.loadServerFile(config, null);
        assertEquals(2, sc.serverId());
        assertEquals(3, sc.peers().size());

        Path data = root.resolve("var/lib/muster");
        assertTrue(Files.isDirectory(data));
        assertEquals("rwx------", mode(data));

        Path unit = root.resolve("etc/systemd/system/muster-server.service");
        assertEquals("rw-r--r--", mode(unit));
        List<String> lines = Files.readAllLines(unit);
        for (String expected : List.of("ExecStart=" + prefix + "/bin/muster server --config /etc/muster/server.yaml",
                "Restart=always", "RestartSec=5", "After=network-online.target", "Wants=network-online.target",
                "NoNewPrivileges=yes", "ProtectSystem=strict", "ReadWritePaths=/var/lib/muster", "ProtectHome=read-only",
                "PrivateTmp=yes", "LimitNOFILE=65536", "WantedBy=multi-user.target")) {
            assertTrue(lines.contains(expected), "unit lacks '" + expected + "':\n" + String.join("\n", lines));
        }
        assertTrue(systemd.calls.isEmpty());
        assertTrue(r.out().contains("node 2 of 3"), r.out());
    }

    @Test
    void generatedUnitPassesSystemdAnalyzeVerify() throws Exception {
        assertEquals(0, run(server(), "--root", root.toString(), "--prefix", prefix.toString(), "--config", example.toString()).exitCode());
        SystemdAnalyze.verify(root.resolve("etc/systemd/system/muster-server.service"));
    }

    @Test
    void reinstallTouchesNothing() throws Exception {
        String[] args = {"--root", root.toString(), "--prefix", prefix.toString(), "--config", example.toString()};
        assertEquals(0, run(server(), args).exitCode());
        InstallFixture.agePast(root);
        Map<String, String> before = InstallFixture.snapshot(root);
        Run again = run(server(), args);
        assertEquals(0, again.exitCode(), again.all());
        assertEquals(before, InstallFixture.snapshot(root));
        assertFalse(again.out().contains("created") || again.out().contains("updated"), again.out());
    }

    @Test
    void existingDataDirIsNarrowedTo0700AndItsContentKept() throws Exception {
        Path data = root.resolve("var/lib/muster");
        Files.createDirectories(data.resolve("raft"));
        Files.writeString(data.resolve("raft/log"), "entries");
        Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxr-xr-x"));
        Run r = run(server(), "--root", root.toString(), "--prefix", prefix.toString(), "--config", example.toString());
        assertEquals(0, r.exitCode(), r.all());
        assertEquals("rwx------", mode(data));
        assertEquals("entries", Files.readString(data.resolve("raft/log")));
    }

    @Test
    void invalidConfigIsRefusedNamingFieldAndLineAndNothingIsWritten() throws Exception {
        Path bad = tmp.resolve("bad.yaml");
        Files.writeString(bad, """
                data_dir: /var/lib/muster
                cluster:
                  mode: worker-tier
                  role: server
                  node_id: 1
                  peers:
                    - {id: 1, raft_addr: "10.0.0.11:9001", api_addr: "10.0.0.11:3669"}
                    - {id: 1, raft_addr: "10.0.0.12:9001", api_addr: "10.0.0.12:3669"}
                  heartbeat_min_tll: 10
                """);
        Run r = run(server(), "--root", root.toString(), "--prefix", prefix.toString(), "--config", bad.toString());
        assertEquals(1, r.exitCode(), r.all());
        assertTrue(r.err().contains("heartbeat_min_tll") && r.err().contains("line 9"), r.err());
        assertTrue(r.err().contains("duplicate id 1"), r.err());
        assertFalse(Files.exists(root));

        Run missing = run(server(), "--root", root.toString(), "--prefix", prefix.toString(), "--config", tmp.resolve("none.yaml").toString());
        assertEquals(1, missing.exitCode());
        assertTrue(missing.err().contains("does not exist"), missing.err());

        Path relative = tmp.resolve("relative.yaml");
        Files.writeString(relative, Files.readString(example).replace("data_dir: /var/lib/muster", "data_dir: ./data"));
        Run rel = run(server(), "--root", root.toString(), "--prefix", prefix.toString(), "--config", relative.toString());
        assertEquals(1, rel.exitCode());
        assertTrue(rel.err().contains("data_dir ./data: must be an absolute path"), rel.err());
        assertFalse(Files.exists(root));

        Path shared = tmp.resolve("shared.yaml");
        Files.writeString(shared, Files.readString(example).replace("data_dir: /var/lib/muster", "data_dir: /var/lib"));
        Run sh = run(server(), "--root", root.toString(), "--prefix", prefix.toString(), "--config", shared.toString());
        assertEquals(1, sh.exitCode());
        assertTrue(sh.err().contains("data_dir /var/lib is a shared system directory"), sh.err());
        assertFalse(Files.exists(root));

        Path worker = InstallFixture.repo().resolve("deploy/examples/worker.yaml");
        Run wrongRole = run(server(), "--root", root.toString(), "--prefix", prefix.toString(), "--config", worker.toString());
        assertEquals(1, wrongRole.exitCode());
        assertTrue(wrongRole.err().contains("this is a worker config"), wrongRole.err());
        assertEquals(2, run(server(), "--root", root.toString()).exitCode(), "missing --config is a usage error");
    }

    @Test
    void bareClusterModeNeedsDataDirWhichThenGoesIntoTheUnit() throws Exception {
        Path bare = InstallFixture.repo().resolve("deploy/examples/cluster_mode.yaml");
        Run without = run(server(), "--root", root.toString(), "--prefix", prefix.toString(), "--config", bare.toString());
        assertEquals(1, without.exitCode());
        assertTrue(without.err().contains("data_dir") && without.err().contains("--data-dir"), without.err());

        Run with = run(server(), "--root", root.toString(), "--prefix", prefix.toString(), "--config", bare.toString(),
                "--data-dir", "/srv/muster-server");
        assertEquals(0, with.exitCode(), with.all());
        List<String> unit = Files.readAllLines(root.resolve("etc/systemd/system/muster-server.service"));
        assertTrue(unit.contains("ExecStart=" + prefix + "/bin/muster server --config /etc/muster/server.yaml --data-dir /srv/muster-server"), unit.toString());
        assertTrue(unit.contains("ReadWritePaths=/srv/muster-server"));
        assertEquals("rwx------", mode(root.resolve("srv/muster-server")));
        assertEquals(1, ConfigLoader.loadServerFile(root.resolve("etc/muster/server.yaml"), Path.of("/srv/muster-server")).serverId());
        SystemdAnalyze.verify(root.resolve("etc/systemd/system/muster-server.service"));

        // uninstall --purge finds the data directory in the unit's --data-dir
        Files.writeString(root.resolve("srv/muster-server/ca.pem"), "CA");
        Run purge = run(uninstall(), "--root", root.toString(), "--purge");
        assertEquals(0, purge.exitCode(), purge.all());
        assertFalse(Files.exists(root.resolve("srv/muster-server")));
    }

    @Test
    void evenServerCountIsInstalledWithAWarning() throws Exception {
        Path four = tmp.resolve("four.yaml");
        Files.writeString(four, Files.readString(example).replace("  worker_grpc_addr:",
                "    - {id: 4, raft_addr: \"10.0.0.14:9001\", api_addr: \"10.0.0.14:3669\"}\n  worker_grpc_addr:"));
        Run r = run(server(), "--root", root.toString(), "--prefix", prefix.toString(), "--config", four.toString());
        assertEquals(0, r.exitCode(), r.all());
        assertTrue(r.out().contains("warning: cluster has 4 servers"), r.out());
    }

    @Test
    void onASystemdHostItStartsTheServerAndUninstallKeepsTheData() throws Exception {
        Path host = tmp.resolve("host");
        ServerInstallCommand c = server();
        c.hostRoot = host;
        Run r = run(c, "--prefix", prefix.toString(), "--config", example.toString());
        assertEquals(0, r.exitCode(), r.all());
        assertEquals(List.of("is-active --quiet muster-server.service", "daemon-reload", "enable --now muster-server.service"), systemd.calls);
        Files.writeString(host.resolve("var/lib/muster/ca.pem"), "CA");

        systemd.calls.clear();
        ServerUninstallCommand un = uninstall();
        un.hostRoot = host;
        Run u = run(un);
        assertEquals(0, u.exitCode(), u.all());
        assertEquals(List.of("disable --now muster-server.service", "daemon-reload", "reset-failed muster-server.service"), systemd.calls);
        assertFalse(Files.exists(host.resolve("etc/systemd/system/muster-server.service")));
        assertFalse(Files.exists(host.resolve("etc/muster/server.yaml")));
        assertEquals("CA", Files.readString(host.resolve("var/lib/muster/ca.pem")), "data is kept without --purge");
        assertTrue(u.out().contains("kept") && u.out().contains("--purge deletes it"), u.out());

        ServerUninstallCommand purgeUnknown = uninstall();
        purgeUnknown.hostRoot = host;
        Run p = run(purgeUnknown, "--purge");
        assertEquals(1, p.exitCode(), "config gone: the data dir must be named");
        assertTrue(p.err().contains("--data-dir"), p.err());
        ServerUninstallCommand purge = uninstall();
        purge.hostRoot = host;
        assertEquals(0, run(purge, "--purge", "--data-dir", "/var/lib/muster").exitCode());
        assertFalse(Files.exists(host.resolve("var/lib/muster")));
    }

    @Test
    void serverAndWorkerShareEtcMusterAndUninstallingOneKeepsTheOther() throws Exception {
        assertEquals(0, run(server(), "--root", root.toString(), "--prefix", prefix.toString(), "--config", example.toString()).exitCode());
        Path tokenFile = InstallFixture.tokenFile(tmp, InstallFixture.validToken());
        WorkerInstallCommand w = new WorkerInstallCommand();
        w.systemd = systemd;
        assertEquals(0, run(w, "--root", root.toString(), "--prefix", prefix.toString(), "--server", "127.0.0.1:3670",
                "--token-file", tokenFile.toString(), "--data-dir", "/var/lib/muster-worker").exitCode());
        assertEquals(0, run(uninstall(), "--root", root.toString()).exitCode());
        assertTrue(Files.exists(root.resolve("etc/muster/worker.yaml")));
        assertTrue(Files.exists(root.resolve("etc/muster/worker.token")));
        assertFalse(Files.exists(root.resolve("etc/muster/server.yaml")));
    }

    @Test
    void aClusterSecretIsCopiedPrivatelyAndPassedToTheService() throws Exception {
        Path secret = tmp.resolve("cluster.secret");
        String line = io.muster.pki.secret.ClusterSecret.generate("mc-0123456789abcdef", io.muster.pki.SpkiPin.of(new byte[32])).encode();
        Files.writeString(secret, line + "\n");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
        Run r = run(server(), "--root", root.toString(), "--prefix", prefix.toString(), "--config", example.toString(),
                "--secret-file", secret.toString());
        assertEquals(0, r.exitCode(), r.all());
        Path copied = root.resolve("etc/muster/cluster.secret");
        assertEquals(line, Files.readString(copied).strip());
        assertEquals("rw-------", mode(copied));
        List<String> lines = Files.readAllLines(root.resolve("etc/systemd/system/muster-server.service"));
        assertTrue(lines.contains("ExecStart=" + prefix + "/bin/muster server --config /etc/muster/server.yaml --secret-file /etc/muster/cluster.secret"),
                String.join("\n", lines));
        assertFalse(r.all().contains(line), "the secret is never printed");
    }

    @Test
    void aWorldReadableOrMalformedSecretFailsTheInstallNamingTheFile() throws Exception {
        Path secret = tmp.resolve("cluster.secret");
        Files.writeString(secret, io.muster.pki.secret.ClusterSecret.generate("mc-0123456789abcdef", io.muster.pki.SpkiPin.of(new byte[32])).encode());
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-r--r--"));
        Run open = run(server(), "--root", root.toString(), "--prefix", prefix.toString(), "--config", example.toString(), "--secret-file", secret.toString());
        assertEquals(1, open.exitCode(), open.all());
        assertTrue(open.err().contains("chmod 600 " + secret), open.err());
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
        Files.writeString(secret, "mcs1.mc-x.short");
        Run bad = run(server(), "--root", root.toString(), "--prefix", prefix.toString(), "--config", example.toString(), "--secret-file", secret.toString());
        assertEquals(1, bad.exitCode(), bad.all());
        assertTrue(bad.err().contains(secret.toString()) && bad.err().contains("truncated"), bad.err());
        assertFalse(Files.exists(root.resolve("etc/muster/cluster.secret")));
    }
}
