package io.muster.cli.install;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The host's service manager, as far as install needs it. Tests substitute a recording fake. */
interface Systemd {
    record Result(int exitCode, String output) {
        boolean ok() {
            return exitCode == 0;
        }

        /** The first non-blank output line, for one-line error messages. */
        String firstLine() {
            return output.lines().map(String::strip).filter(l -> !l.isEmpty()).findFirst().orElse("no output");
        }
    }

    /** Whether systemd manages this machine (PID 1 is systemd), i.e. whether systemctl can be used. */
    boolean running();

    /** What PID 1 is, for the message explaining why nothing was started. */
    String pid1();

    Result systemctl(String... args) throws InstallException;

    static Systemd host() {
        return new Host();
    }

    final class Host implements Systemd {
        private static final long TIMEOUT_SECONDS = 120; // enable --now waits for the JVM to start

        /** sd_booted(3): systemd creates /run/systemd/system/ when it boots the machine as PID 1. */
        @Override
        public boolean running() {
            return Files.isDirectory(Path.of("/run/systemd/system")) || pid1().equals("systemd");
        }

        @Override
        public String pid1() {
            try {
                return Files.readString(Path.of("/proc/1/comm")).strip();
            } catch (IOException | RuntimeException e) {
                return "unknown";
            }
        }

        @Override
        public Result systemctl(String... args) throws InstallException {
            List<String> cmd = new ArrayList<>();
            cmd.add("systemctl");
            cmd.addAll(List.of(args));
            try {
                Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
                p.getOutputStream().close();
                byte[] out;
                try (InputStream in = p.getInputStream()) {
                    out = in.readAllBytes();
                }
                if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new InstallException(String.join(" ", cmd) + " did not finish within " + TIMEOUT_SECONDS + " s");
                }
                return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new InstallException("cannot run systemctl: " + e.getMessage(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InstallException("interrupted while running " + String.join(" ", cmd), e);
            }
        }
    }
}
