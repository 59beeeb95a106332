package io.muster.cli.install;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Runs {@code systemd-analyze verify} on a unit file. Skipped where the tool is missing, unless
 * {@code MUSTER_SYSTEMD_REQUIRED} is set (CI sets it after installing systemd), in which case it fails.
 */
final class SystemdAnalyze {
    private SystemdAnalyze() {}

    static Optional<Path> tool() {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        for (String dir : path.split(File.pathSeparator)) {
            Path p = Path.of(dir, "systemd-analyze");
            if (Files.isExecutable(p)) return Optional.of(p);
        }
        return Optional.empty();
    }

    /**
     * Verifies the unit; every diagnostic that names the unit counts as a failure, since verify reports unknown
     * keys and bad values as warnings with exit code 0. The unit's ExecStart binary must exist on this machine.
     */
    static void verify(Path unit) throws Exception {
        Optional<Path> tool = tool();
        if (tool.isEmpty()) {
            if (System.getenv("MUSTER_SYSTEMD_REQUIRED") != null) fail("systemd-analyze is required (MUSTER_SYSTEMD_REQUIRED) but not on PATH");
            Assumptions.abort("systemd-analyze is not installed (apt-get install systemd); unit verification skipped");
        }
        Process p = new ProcessBuilder(tool.get().toString(), "verify", unit.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "systemd-analyze verify hung");
        String name = unit.getFileName().toString();
        List<String> about = out.lines().filter(l -> l.contains(name)).toList();
        assertTrue(about.isEmpty(), "systemd-analyze verify " + unit + " reported:\n" + String.join("\n", about));
        assertEquals(0, p.exitValue(), "systemd-analyze verify " + unit + " failed:\n" + out);
    }
}
