package io.muster.cli.install;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileSystemException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * The files an install or uninstall touches, addressed by their path on the target system ({@code /etc/muster/...})
 * and written under a root directory ({@code /} normally, {@code --root DIR} when staging an image).
 *
 * <p>Writes are idempotent (identical content and mode: the file is not touched, so its mtime stays), atomic
 * (temporary file in the same directory, then rename) and never more permissive than the final mode at any moment.
 * Every change is recorded for the report.
 */
final class FileTree {
    enum Outcome {
        CREATED("created"), UPDATED("updated"), UNCHANGED("unchanged"), REMOVED("removed"), ABSENT("absent"), KEPT("kept");

        final String word;

        Outcome(String word) {
            this.word = word;
        }
    }

    record Entry(Outcome outcome, Path path, String note) {}

    static final Set<PosixFilePermission> MODE_0600 = PosixFilePermissions.fromString("rw-------");
    static final Set<PosixFilePermission> MODE_0644 = PosixFilePermissions.fromString("rw-r--r--");
    static final Set<PosixFilePermission> MODE_0700 = PosixFilePermissions.fromString("rwx------");
    static final Set<PosixFilePermission> MODE_0755 = PosixFilePermissions.fromString("rwxr-xr-x");

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path root;
    private final List<Entry> entries = new ArrayList<>();

    FileTree(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    Path root() {
        return root;
    }

    /** Where a target-system absolute path lives on this machine. */
    Path onHost(String systemPath) {
        if (!systemPath.startsWith("/")) throw new IllegalArgumentException("not an absolute path: " + systemPath);
        return root.resolve(systemPath.substring(1)).normalize();
    }

    List<Entry> entries() {
        return List.copyOf(entries);
    }

    /** True when anything was created, updated or removed. */
    boolean changedAnything() {
        return entries.stream().anyMatch(e -> e.outcome() == Outcome.CREATED || e.outcome() == Outcome.UPDATED
                || e.outcome() == Outcome.REMOVED);
    }

    boolean changed(String systemPath) {
        Path p = onHost(systemPath);
        return entries.stream().anyMatch(e -> e.path().equals(p)
                && (e.outcome() == Outcome.CREATED || e.outcome() == Outcome.UPDATED || e.outcome() == Outcome.REMOVED));
    }

    void note(Outcome outcome, String systemPath, String note) {
        entries.add(new Entry(outcome, onHost(systemPath), note));
    }

    void report(PrintWriter out) {
        for (Entry e : entries) {
            out.printf("  %-9s %s%s%n", e.outcome().word, e.path(), e.note().isEmpty() ? "" : "  (" + e.note() + ")");
        }
        out.flush();
    }

    /** Writes {@code content} with exactly {@code mode}, unless the file already holds it. */
    Outcome writeFile(String systemPath, byte[] content, Set<PosixFilePermission> mode) throws InstallException {
        Path target = onHost(systemPath);
        Outcome outcome;
        try {
            if (Files.isSymbolicLink(target)) {
                outcome = Outcome.UPDATED; // replaced by a regular file: never write through a link
            } else if (Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS)) {
                boolean sameContent = Arrays.equals(Files.readAllBytes(target), content);
                boolean sameMode = Files.getPosixFilePermissions(target, LinkOption.NOFOLLOW_LINKS).equals(mode);
                if (sameContent && sameMode) {
                    entries.add(new Entry(Outcome.UNCHANGED, target, ""));
                    return Outcome.UNCHANGED;
                }
                if (sameContent) { // only the mode differs: narrow or widen in place, content untouched
                    Files.setPosixFilePermissions(target, mode);
                    entries.add(new Entry(Outcome.UPDATED, target, "mode " + octal(mode)));
                    return Outcome.UPDATED;
                }
                outcome = Outcome.UPDATED;
            } else if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                throw new InstallException(target + " exists and is not a regular file; move it away and retry");
            } else {
                outcome = Outcome.CREATED;
            }
            Files.createDirectories(target.getParent());
            atomicWrite(target, content, mode);
        } catch (IOException e) {
            throw io("write", target, e);
        }
        entries.add(new Entry(outcome, target, outcome == Outcome.CREATED ? "mode " + octal(mode) : ""));
        return outcome;
    }

    private static void atomicWrite(Path target, byte[] content, Set<PosixFilePermission> mode) throws IOException {
        Path tmp = target.resolveSibling("." + target.getFileName() + ".muster-" + HexFormat.of().toHexDigits(RANDOM.nextInt()));
        try {
            // Created with the final mode (the umask can only narrow it), so a secret is never readable by others,
            // not even between creation and chmod; the chmod afterwards only undoes a narrowing umask.
            try (FileChannel ch = FileChannel.open(tmp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                    PosixFilePermissions.asFileAttribute(mode))) {
                ByteBuffer buf = ByteBuffer.wrap(content);
                while (buf.hasRemaining()) ch.write(buf);
                ch.force(true);
            }
            Files.setPosixFilePermissions(tmp, mode);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
        fsyncDir(target.getParent());
    }

    private static void fsyncDir(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException ignored) {
            // Not every file system allows syncing a directory; the rename itself is still atomic.
        }
    }

    /**
     * Makes sure a directory exists. A new one gets {@code mode}; an existing one gets it too when
     * {@code enforceMode} (data directories holding keys), otherwise it is left as the operator set it.
     */
    Outcome ensureDir(String systemPath, Set<PosixFilePermission> mode, boolean enforceMode) throws InstallException {
        Path dir = onHost(systemPath);
        try {
            if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS) || (Files.isSymbolicLink(dir) && Files.isDirectory(dir))) {
                if (enforceMode && !Files.getPosixFilePermissions(dir).equals(mode)) {
                    Files.setPosixFilePermissions(dir, mode);
                    entries.add(new Entry(Outcome.UPDATED, dir, "mode " + octal(mode)));
                    return Outcome.UPDATED;
                }
                entries.add(new Entry(Outcome.UNCHANGED, dir, ""));
                return Outcome.UNCHANGED;
            }
            if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) throw new InstallException(dir + " exists and is not a directory");
            if (dir.getParent() != null) Files.createDirectories(dir.getParent());
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(mode));
            Files.setPosixFilePermissions(dir, mode);
        } catch (IOException e) {
            throw io("create", dir, e);
        }
        entries.add(new Entry(Outcome.CREATED, dir, "mode " + octal(mode)));
        return Outcome.CREATED;
    }

    Outcome remove(String systemPath) throws InstallException {
        Path p = onHost(systemPath);
        try {
            if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) throw new InstallException(p + " is a directory, expected a file");
            Outcome o = Files.deleteIfExists(p) ? Outcome.REMOVED : Outcome.ABSENT;
            entries.add(new Entry(o, p, ""));
            return o;
        } catch (IOException e) {
            throw io("remove", p, e);
        }
    }

    /** Removes a directory only when it is empty (e.g. /etc/muster after the last uninstall). */
    void removeDirIfEmpty(String systemPath) throws InstallException {
        Path p = onHost(systemPath);
        try {
            if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                Files.delete(p);
                entries.add(new Entry(Outcome.REMOVED, p, ""));
            }
        } catch (DirectoryNotEmptyException e) {
            // Still used by the other role (server.yaml next to worker.yaml): leave it.
        } catch (IOException e) {
            throw io("remove", p, e);
        }
    }

    /** Deletes a directory tree without following symbolic links out of it. */
    Outcome removeTree(String systemPath) throws InstallException {
        Path top = onHost(systemPath);
        if (!Files.exists(top, LinkOption.NOFOLLOW_LINKS)) {
            entries.add(new Entry(Outcome.ABSENT, top, ""));
            return Outcome.ABSENT;
        }
        try {
            Files.walkFileTree(top, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                    if (exc != null) throw exc;
                    Files.delete(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw io("remove", top, e);
        }
        entries.add(new Entry(Outcome.REMOVED, top, "purged"));
        return Outcome.REMOVED;
    }

    static String octal(Set<PosixFilePermission> mode) {
        int bits = 0;
        for (PosixFilePermission p : mode) bits |= 1 << (8 - p.ordinal());
        return String.format("%04o", bits);
    }

    static InstallException io(String verb, Path path, IOException e) {
        if (e instanceof AccessDeniedException) {
            return new InstallException("cannot " + verb + " " + path + ": permission denied (run as root, or stage the files with --root DIR)", e);
        }
        if (e instanceof NoSuchFileException) return new InstallException("cannot " + verb + " " + path + ": no such file or directory", e);
        String reason = e instanceof FileSystemException fse && fse.getReason() != null ? fse.getReason() : e.getMessage();
        return new InstallException("cannot " + verb + " " + path + ": " + reason, e);
    }
}
