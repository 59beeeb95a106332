package io.muster.worker.driver.cgroup;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/** Reading and writing cgroup interface files: one small write per value, as the kernel expects. */
final class CgroupFiles {
    private CgroupFiles() {}

    static void write(Path file, String value) throws IOException {
        try {
            Files.writeString(file, value, StandardCharsets.US_ASCII, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING);
        } catch (IOException e) {
            throw new IOException("cannot write '" + value + "' to " + file + ": " + e.getMessage(), e);
        }
    }

    /** Writes when the kernel offers the file (optional features: swap accounting, oom.group). */
    static void writeIfPresent(Path file, String value) throws IOException {
        if (Files.exists(file)) write(file, value);
    }

    /** A single-number file ({@code memory.current}); empty when absent or unreadable. */
    static OptionalLong number(Path file) {
        try {
            String s = Files.readString(file, StandardCharsets.US_ASCII).trim();
            return s.isEmpty() || s.equals("max") ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(s));
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /** A value of a flat keyed file ({@code memory.events}, {@code cpu.stat}): "key value" lines. */
    static OptionalLong keyed(Path file, String key) {
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.US_ASCII)) {
                int space = line.indexOf(' ');
                if (space > 0 && line.regionMatches(0, key, 0, key.length()) && space == key.length()) {
                    return OptionalLong.of(Long.parseLong(line.substring(space + 1).trim()));
                }
            }
        } catch (IOException | NumberFormatException e) {
            // absent or unreadable: unknown
        }
        return OptionalLong.empty();
    }

    /** Empty task cgroups directly under {@code parent} last changed before {@code olderThan}, removed; how many. */
    static int sweepEmpty(Path parent, java.time.Instant olderThan) {
        int removed = 0;
        try (var dirs = Files.list(parent)) {
            for (Path d : (Iterable<Path>) dirs::iterator) {
                if (!Files.isDirectory(d) || !Files.exists(d.resolve("cgroup.procs")) || !pids(d.resolve("cgroup.procs")).isEmpty()) continue;
                try {
                    if (!Files.getLastModifiedTime(d).toInstant().isBefore(olderThan)) continue;
                    rmdirOnce(d);
                    removed++;
                } catch (IOException e) {
                    // busy again, or gone: the next sweep looks again
                }
            }
        } catch (IOException e) {
            return removed;
        }
        return removed;
    }

    private static void rmdirOnce(Path dir) throws IOException {
        try {
            Files.delete(dir);
        } catch (java.nio.file.DirectoryNotEmptyException e) {
            deleteRegularFiles(dir);
            Files.delete(dir);
        }
    }

    static List<Long> pids(Path procsFile) {
        List<Long> out = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(procsFile, StandardCharsets.US_ASCII)) {
                if (!line.isBlank()) out.add(Long.parseLong(line.trim()));
            }
        } catch (NoSuchFileException e) {
            return out;
        } catch (IOException | NumberFormatException e) {
            return out;
        }
        return out;
    }

    /** SIGKILL to each pid listed, until the list is empty (a process may fork while we kill); bounded. */
    static void killListed(Path procsFile) {
        for (int round = 0; round < 50; round++) {
            List<Long> pids = pids(procsFile);
            if (pids.isEmpty()) return;
            for (long pid : pids) ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
        }
    }

    /**
     * Removes a cgroup directory. Its last processes may still be exiting (the kernel refuses with EBUSY until they
     * are reaped), so it tries for up to about a second; a directory that stays is reported, not fatal. A kernel cgroup
     * goes with rmdir alone (its interface files are not files); a file-tree stand-in (tests) is emptied first.
     */
    static void rmdir(Path dir) throws IOException {
        IOException last = null;
        for (int attempt = 0; attempt < 100; attempt++) {
            try {
                Files.deleteIfExists(dir);
                return;
            } catch (java.nio.file.DirectoryNotEmptyException e) {
                last = e;
                deleteRegularFiles(dir); // on cgroupfs this deletes nothing (the kernel refuses), so the next try says why
            } catch (IOException e) {
                last = e;
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
            }
        }
        throw new IOException("cannot remove cgroup " + dir + ": " + last.getMessage(), last);
    }

    private static void deleteRegularFiles(Path dir) {
        try (var s = Files.list(dir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                if (Files.isRegularFile(p)) {
                    try {
                        Files.deleteIfExists(p);
                    } catch (IOException e) {
                        // a kernel interface file: not ours to delete
                    }
                }
            }
        } catch (IOException e) {
            // gone meanwhile, or unreadable: the next rmdir says which
        }
    }
}
