package io.muster.worker.driver;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A task's secret files: {@code <allocDir>/secrets}, a tmpfs (memory only, mode 0700, nosuid, nodev, noexec) when the
 * worker runs as root and can mount one, otherwise a plain 0700 directory; each file mode 0400. Removed (unmounted)
 * when the task ends, and before a restarted task gets fresh copies.
 */
final class SecretFiles {
    private static final Logger log = LoggerFactory.getLogger(SecretFiles.class);
    static final String DIR = "secrets";
    private static final List<String> SYSTEM_DIRS = List.of("/usr/bin", "/bin", "/usr/sbin", "/sbin");

    private SecretFiles() {}

    /** Where the files went, and whether that is a tmpfs. */
    record Written(Path dir, boolean tmpfs) {}

    static Written write(Path allocDir, TaskSecrets secrets) throws IOException {
        Path dir = allocDir.resolve(DIR);
        remove(allocDir);
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        boolean tmpfs = isRoot() && run("mount", "-t", "tmpfs", "-o", "size=4m,mode=0700,nosuid,nodev,noexec", "tmpfs", dir.toString());
        for (TaskSecrets.Secret s : secrets.files()) {
            Path f = dir.resolve(s.fileName());
            Files.write(f, s.value(), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("r--------"));
        }
        return new Written(dir, tmpfs);
    }

    /** Removes the secrets directory (unmounting it first if it is a mount); nothing to do when it is absent. */
    static void remove(Path allocDir) {
        Path dir = allocDir.resolve(DIR);
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) return;
        if (isMountPoint(dir)) run("umount", dir.toString());
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException e) {
            log.warn("cannot remove the secrets directory {}: {}", dir, e.toString());
        }
    }

    private static boolean isMountPoint(Path dir) {
        try {
            Object here = Files.getAttribute(dir, "unix:dev", LinkOption.NOFOLLOW_LINKS);
            Object parent = Files.getAttribute(dir.getParent(), "unix:dev", LinkOption.NOFOLLOW_LINKS);
            return !here.equals(parent);
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return false;
        }
    }

    static boolean isRoot() {
        try {
            return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return false;
        }
    }

    private static boolean run(String binary, String... args) {
        String exe = SYSTEM_DIRS.stream().map(d -> Path.of(d, binary)).filter(Files::isExecutable).map(Path::toString).findFirst().orElse(null);
        if (exe == null) return false;
        List<String> argv = new java.util.ArrayList<>(List.of(exe));
        argv.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
