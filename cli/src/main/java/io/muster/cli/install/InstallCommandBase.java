package io.muster.cli.install;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** What the install and uninstall commands share: {@code --root}, output, error handling, systemctl. */
abstract class InstallCommandBase implements Callable<Integer> {
    static final String CONFIG_DIR = "/etc/muster";
    static final String UNIT_DIR = "/etc/systemd/system";
    static final String DEFAULT_DATA_DIR = "/var/lib/muster";

    @Spec
    CommandSpec spec;

    @Option(names = "--root", paramLabel = "DIR", order = 90,
            description = "Work on the files under DIR (an image or chroot being prepared) instead of /. Never calls systemctl.")
    String root;

    @Option(names = {"-h", "--help"}, usageHelp = true, order = 99, description = "Show this help and exit.")
    boolean help;

    // Seams for tests: where "/" is when --root is not given, the service manager, the environment.
    Path hostRoot = Path.of("/");
    Systemd systemd = Systemd.host();
    Map<String, String> env = System.getenv();

    @Override
    public final Integer call() {
        try {
            return execute();
        } catch (InstallException e) {
            err().println("error: " + e.getMessage());
            err().flush();
            return 1;
        } finally {
            out().flush();
        }
    }

    abstract int execute() throws InstallException;

    boolean staged() {
        return root != null;
    }

    FileTree tree() throws InstallException {
        if (root == null) return new FileTree(hostRoot);
        if (root.isBlank()) throw new InstallException("--root is empty");
        Path r = Path.of(root).toAbsolutePath().normalize();
        if (Files.exists(r) && !Files.isDirectory(r)) throw new InstallException("--root " + root + " is not a directory");
        return new FileTree(r);
    }

    PrintWriter out() {
        return spec != null ? spec.commandLine().getOut() : new PrintWriter(System.out, true);
    }

    PrintWriter err() {
        return spec != null ? spec.commandLine().getErr() : new PrintWriter(System.err, true);
    }

    /**
     * The installation to run from the unit: {@code --prefix}, else {@code MUSTER_HOME} (which bin/muster sets to the
     * directory holding bin/ and lib/). Outside {@code --root} its bin/muster must exist now, since systemd will run it.
     */
    String prefix(String flag) throws InstallException {
        String value = flag != null ? flag : env.get("MUSTER_HOME");
        if (value == null || value.isBlank()) {
            throw new InstallException("cannot tell where muster is installed: pass --prefix DIR (the directory holding bin/muster)");
        }
        String prefix = Inputs.systemPath(flag != null ? "--prefix" : "MUSTER_HOME", value);
        if (!staged()) {
            Path bin = Path.of(prefix, "bin", "muster");
            if (!Files.isRegularFile(bin) || !Files.isExecutable(bin)) {
                throw new InstallException(bin + " is not an executable file: --prefix must be the directory holding bin/muster");
            }
        }
        return prefix;
    }

    /** When staging an image, says so if the release is not (yet) where the unit expects it. */
    void noteMissingPrefix(FileTree tree, String prefix) {
        Path bin = tree.onHost(prefix + "/bin/muster");
        if (staged() && !Files.isExecutable(bin)) {
            out().println("note: " + bin + " does not exist yet; unpack the release there before the image boots");
        }
    }

    /** Reloads systemd and enables and starts the unit, restarting it when it already ran with older files. */
    void activate(FileTree tree, String unit, boolean noStart, String manualStart) throws InstallException {
        PrintWriter out = out();
        if (staged()) {
            out.println("staged under " + tree.root() + "; on the target machine run: systemctl daemon-reload && systemctl enable --now " + unit);
            return;
        }
        if (noStart) {
            out.println("not started (--no-start); start it with: systemctl daemon-reload && systemctl enable --now " + unit);
            return;
        }
        if (!systemd.running()) {
            out.println("systemd is not running here (PID 1 is " + systemd.pid1() + "), so nothing was started; run: " + manualStart);
            return;
        }
        boolean wasActive = systemd.systemctl("is-active", "--quiet", unit).ok();
        systemctl(unit, "daemon-reload");
        systemctl(unit, "enable", "--now", unit);
        if (wasActive && tree.changedAnything()) {
            systemctl(unit, "restart", unit);
            out.println("restarted " + unit + " to apply the changes");
        } else if (wasActive) {
            out.println(unit + " is running; nothing changed");
        } else {
            out.println("started " + unit + " (logs: journalctl -u " + unit + " -f)");
        }
    }

    /** Stops and disables the unit when systemd runs here and the unit is installed. */
    void deactivate(FileTree tree, String unit, boolean killAll) throws InstallException {
        if (staged() || !systemd.running()) return;
        if (!Files.exists(tree.onHost(UNIT_DIR + "/" + unit))) return;
        if (killAll) {
            // KillMode=process would leave the worker's exec tasks running; a purge removes their directories.
            Systemd.Result r = systemd.systemctl("kill", "--kill-whom=all", unit);
            if (!r.ok()) out().println("note: systemctl kill " + unit + ": " + r.firstLine());
        }
        systemctl(unit, "disable", "--now", unit);
        out().println("stopped and disabled " + unit);
    }

    void systemctl(String unit, String... args) throws InstallException {
        Systemd.Result r = systemd.systemctl(args);
        if (!r.ok()) {
            throw new InstallException("systemctl " + String.join(" ", args) + " failed (exit " + r.exitCode() + "): " + r.firstLine()
                    + "; see journalctl -u " + unit);
        }
    }
}
