package io.muster.worker.driver;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.Properties;

/**
 * What the exec driver persists in the alloc dir to find its task again after a worker restart.
 * {@code startTicks} (field 22 of /proc/PID/stat) tells a surviving task from a reused pid.
 *
 * @param pid the task's pid, which is also its process group id when {@code grouped}
 * @param deadlineEpochMs when the timeout fires, 0 for none (re-armed on recovery)
 */
record ExecTaskRecord(long pid, long startTicks, boolean grouped, Instant startedAt,
                      long deadlineEpochMs, long killGraceMs, String command) {

    static final String FILE_NAME = ".muster-exec-task";

    void write(Path dir) throws IOException {
        Properties p = new Properties();
        p.setProperty("pid", Long.toString(pid));
        p.setProperty("startTicks", Long.toString(startTicks));
        p.setProperty("grouped", Boolean.toString(grouped));
        p.setProperty("startedAt", startedAt.toString());
        p.setProperty("deadlineEpochMs", Long.toString(deadlineEpochMs));
        p.setProperty("killGraceMs", Long.toString(killGraceMs));
        p.setProperty("command", command);
        // Write-then-rename so a crash never leaves a half-written record.
        Path tmp = dir.resolve(FILE_NAME + ".tmp");
        try (Writer w = Files.newBufferedWriter(tmp)) {
            p.store(w, "muster exec task");
        }
        Files.move(tmp, dir.resolve(FILE_NAME), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** @throws IOException if missing; IllegalArgumentException if unreadable */
    static ExecTaskRecord read(Path dir) throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(dir.resolve(FILE_NAME))) {
            p.load(r);
        }
        try {
            return new ExecTaskRecord(
                    Long.parseLong(p.getProperty("pid")),
                    Long.parseLong(p.getProperty("startTicks")),
                    Boolean.parseBoolean(p.getProperty("grouped")),
                    Instant.parse(p.getProperty("startedAt")),
                    Long.parseLong(p.getProperty("deadlineEpochMs", "0")),
                    Long.parseLong(p.getProperty("killGraceMs", "5000")),
                    p.getProperty("command", ""));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("corrupt " + dir.resolve(FILE_NAME) + ": " + e, e);
        }
    }

    static void delete(Path dir) {
        try {
            Files.deleteIfExists(dir.resolve(FILE_NAME));
        } catch (IOException ignored) {
            // A stale record is harmless: recovery checks the pid's start time.
        }
    }
}
