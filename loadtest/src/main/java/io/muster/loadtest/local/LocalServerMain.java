package io.muster.loadtest.local;

import io.muster.server.MusterServer;
import io.muster.types.config.ConfigLoader;
import io.muster.types.config.ServerConfig;
import java.nio.file.Path;
import java.util.Optional;

/**
 * One Muster server process for {@code muster loadtest --local}, started from the load test's own classpath
 * so that local mode does not depend on the CLI. Usage: {@code LocalServerMain [--dev] [--parent-pid PID] CONFIG}.
 * With {@code --dev} the API is plain HTTP without ACLs (acceptable for a loopback benchmark). It exits when
 * its parent goes away, so a killed load test leaves no servers behind.
 */
public final class LocalServerMain {
    private LocalServerMain() {}

    public static void main(String[] args) throws Exception {
        boolean dev = false;
        long parent = -1;
        String file = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--dev" -> dev = true;
                case "--parent-pid" -> parent = Long.parseLong(args[++i]);
                default -> file = args[i];
            }
        }
        if (file == null) {
            System.err.println("usage: LocalServerMain [--dev] [--parent-pid PID] CONFIG");
            System.exit(2);
        }
        ServerConfig c = ConfigLoader.loadServerFile(Path.of(file), null);
        if (dev) {
            c = new ServerConfig(c.dataDir(), c.serverId(), c.peers(), c.workerGrpcAddr(), c.heartbeat(), true, c.snapshotThreshold(),
                    c.maxPendingJobs(), c.workerCertLifetimeSecs(), c.warnings(), c.tls(), c.gc(), c.metrics());
        }
        MusterServer server = new MusterServer(c, MusterServer.Options.defaults()).start();
        // SIGTERM at the end of a run: an abrupt close is enough, the data dir is thrown away.
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "local-server-stop"));
        if (parent > 0) {
            Optional<ProcessHandle> p = ProcessHandle.of(parent);
            Thread watcher = new Thread(() -> {
                while (p.isPresent() && p.get().isAlive()) {
                    try {
                        Thread.sleep(1000);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                System.err.println("load test process " + args[1] + " is gone: stopping");
                System.exit(3);
            }, "parent-watch");
            watcher.setDaemon(true);
            watcher.start();
        }
        Thread.currentThread().join();
    }
}
